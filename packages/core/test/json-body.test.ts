import { describe, expect, it } from 'vitest';
// fast-check is a devDependency of the tests workspace only (core declares no test deps): load it from there
import fc from '../../../tests/node_modules/fast-check/lib/fast-check.js';
import { nestedDeeperThan } from '../src/json-depth.js';

/** The depth of a parsed value, the way what runs after the parse recurses. */
function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  const kids = Array.isArray(v) ? v : Object.values(v);
  return 1 + kids.reduce<number>((m, k) => Math.max(m, depthOf(k)), 0);
}

describe('depth scan of raw JSON', () => {
  it('agrees with the parsed depth on generated JSON, strings full of brackets, quotes and backslashes included', () => {
    const tricky = fc.stringMatching(/^[[\]{}"\\a ]{0,12}$/);
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(tricky, tie('node'), { maxKeys: 3 })),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), (v, max) => {
        const raw = Buffer.from(JSON.stringify(v));
        // the scan skips bodies too short to nest past max; compare only where it looks
        if (raw.length <= max) return;
        expect(nestedDeeperThan(raw, max)).toBe(depthOf(v) > max);
      }),
      { numRuns: 3000 },
    );
  });

  it('8M nested arrays are caught at once, without a parse', () => {
    const deep = Buffer.from('['.repeat(8_000_000) + ']'.repeat(8_000_000));
    // the baseline, measured here: a body of the same size that never nests past the bound must be read to its end
    const flat = Buffer.from('[' + '0,'.repeat(8_000_000 - 2) + '10]');
    expect(flat.length).toBe(deep.length);
    /** the fastest of a few runs: a GC pause or a busy neighbour slows one run, not all of them */
    const fastest = (b: Buffer, want: boolean) => {
      let best = Infinity;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        expect(nestedDeeperThan(b, 256)).toBe(want);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const full = fastest(flat, false);
    const caught = fastest(deep, true);
    // it stops at bracket 257 of 16M bytes: thousands of times faster than the full read, asserted with a wide margin
    expect(caught, `deep ${caught.toFixed(3)} ms, full read ${full.toFixed(3)} ms`).toBeLessThan(full / 20);
  });
});
