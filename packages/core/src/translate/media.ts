import { badRequest } from '../errors.js';

export interface Base64Data {
  mediaType: string;
  data: string;
}

/** `data:<mime>[;params];base64,<data>` → its parts; null for anything else. Avoids a regex over megabytes of base64. */
export function parseDataUrl(url: string): Base64Data | null {
  if (!url.startsWith('data:')) return null;
  const comma = url.indexOf(',');
  if (comma < 0) return null;
  const meta = url.slice(5, comma).split(';');
  if (meta.at(-1)?.toLowerCase() !== 'base64') return null;
  return { mediaType: (meta[0] ?? '').trim().toLowerCase(), data: url.slice(comma + 1) };
}

export const toDataUrl = ({ mediaType, data }: Base64Data) => `data:${mediaType};base64,${data}`;

export const isHttpUrl = (url: string) => /^https?:\/\//i.test(url);

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** The image media types Anthropic accepts; the common `image/jpg` spelling is fixed, others are a 400 naming `param`. */
export function imageMediaType(mediaType: string, param: string): string {
  const type = mediaType === 'image/jpg' ? 'image/jpeg' : mediaType;
  if (!IMAGE_TYPES.has(type)) throw badRequest(`${param}: image type "${mediaType}" is not supported (jpeg, png, gif, webp)`, param);
  return type;
}
