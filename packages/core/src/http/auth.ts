import { createHash, timingSafeEqual } from 'node:crypto';
import { header, type HeaderMap } from './types.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The credential a client sent: `Authorization: Bearer …` or `x-api-key`. */
export function clientCredential(h: HeaderMap): string | undefined {
  const auth = header(h, 'authorization');
  if (auth && /^bearer /i.test(auth)) return auth.slice(7).trim() || undefined;
  return header(h, 'x-api-key') || undefined;
}

/**
 * Constant-time check of either header against the token: both sides are
 * hashed first, so neither the token's length nor its content leaks by timing.
 */
export function makeTokenCheck(token: string): (h: HeaderMap) => boolean {
  const want = digest(token);
  return (h) => {
    const auth = header(h, 'authorization');
    const bearer = auth && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
    const key = header(h, 'x-api-key');
    // evaluate both so timing does not tell which header was tried
    const a = bearer !== undefined && timingSafeEqual(digest(bearer), want);
    const b = key !== undefined && timingSafeEqual(digest(key), want);
    return a || b;
  };
}
