/** Roughly what a provider charges for one image or document page set; only needs to be the right order of magnitude. */
const MEDIA_TOKENS = 1600;
const MEDIA_TYPES = new Set(['image', 'image_url', 'document', 'file', 'input_audio']);
/** Keys whose values are ids, enums or markers, not prompt text. */
const SKIP_KEYS = new Set(['type', 'role', 'id', 'tool_call_id', 'tool_use_id', 'cache_control', 'signature']);

interface Tally {
  chars: number;
  media: number;
}

function walk(value: unknown, tally: Tally): void {
  if (typeof value === 'string') tally.chars += value.length;
  else if (Array.isArray(value)) for (const item of value) walk(item, tally);
  else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    // media payloads are base64: counting their characters would wildly overestimate
    if (typeof obj.type === 'string' && MEDIA_TYPES.has(obj.type)) {
      tally.media++;
      return;
    }
    for (const key in obj) {
      if (SKIP_KEYS.has(key)) continue;
      // keys count too: JSON-schema property names in tool definitions, a little per-message overhead elsewhere
      tally.chars += key.length;
      walk(obj[key], tally);
    }
  }
}

/**
 * A cheap prompt-size estimate (~4 characters a token over the given parts
 * of a request: system, message text, tool calls and tool definitions; a
 * fixed amount per image or document). Each protocol's spec names its parts.
 * Used for Anthropic `message_start` before the upstream reports usage, and
 * by count_tokens.
 */
export function estimateTokens(parts: readonly unknown[]): number {
  const tally: Tally = { chars: 0, media: 0 };
  for (const part of parts) walk(part, tally);
  return Math.ceil(tally.chars / 4) + tally.media * MEDIA_TOKENS;
}
