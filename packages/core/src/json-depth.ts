/**
 * What runs on a body after JSON.parse recurses (JSON.stringify of a
 * re-serialised or translated body, the token estimate, zod), so a body
 * deeper than this is refused. Real requests (JSON schemas, tool inputs)
 * stay far below it; serde_json's default is 128.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * Whether raw JSON nests deeper than `max`, read from the bytes before any
 * parse: JSON.parse takes any depth, and a hostile 15 MB body of 8M nested
 * arrays cost seconds of event loop and hundreds of MB in it. Strings are
 * skipped with indexOf (most of a chat body), so this costs a small part of
 * the parse it guards. Malformed input answers false: JSON.parse then says why.
 */
export function nestedDeeperThan(b: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  const n = b.length;
  // a depth past `max` needs more than `max` opening brackets
  if (n <= max) return false;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0x22) {
      // to the closing quote: one not preceded by an odd run of backslashes
      for (;;) {
        i = b.indexOf(0x22, i + 1);
        if (i < 0) return false;
        let k = i - 1;
        while (b[k] === 0x5c) k--;
        if ((i - k) % 2 === 1) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
