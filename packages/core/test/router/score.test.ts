import { describe, expect, it } from 'vitest';
import { rankInPlace, successScore } from '../../src/router/score.js';

/** successes / calls → score */
const s = (successes: number, calls: number) => successScore(successes, calls - successes);

describe('successScore on small counts', () => {
  it('ranks a new model above models that have shown they fail', () => {
    expect(s(0, 0)).toBeGreaterThan(s(3, 10));
    expect(s(0, 0)).toBeGreaterThan(s(5, 10));
    expect(s(0, 0)).toBeGreaterThan(s(0, 1));
    expect(s(0, 0)).toBeGreaterThan(s(1, 3));
    expect(s(0, 0)).toBeGreaterThan(0.4);
  });

  it('does not trust one lucky call', () => {
    expect(s(1, 1)).toBeLessThan(s(95, 100));
    expect(s(1, 1)).toBeLessThan(s(9, 10));
    expect(s(1, 1)).toBeLessThan(s(7, 10));
    expect(s(2, 2)).toBeLessThan(s(9, 10));
    expect(s(1, 1)).toBeLessThan(0.6);
  });

  it('rewards a success and a longer record', () => {
    expect(s(1, 1)).toBeGreaterThan(s(0, 0));
    expect(s(2, 2)).toBeGreaterThan(s(1, 1));
    expect(s(20, 21)).toBeGreaterThan(s(5, 5)); // one blip in a long record still beats a short perfect one
    expect(s(95, 100)).toBeGreaterThan(s(10, 10));
  });

  it('pins a few values', () => {
    expect(s(0, 0)).toBeCloseTo(0.431, 3);
    expect(s(1, 1)).toBeCloseTo(0.556, 3);
    expect(s(0, 1)).toBeCloseTo(0.276, 3);
    expect(s(3, 10)).toBeCloseTo(0.255, 3);
    expect(s(95, 100)).toBeCloseTo(0.919, 3);
  });

  it('always rises with a success and falls with a failure, stays in [0, 1)', () => {
    for (let n = 0; n <= 200; n++) {
      for (let k = 0; k <= n; k++) {
        const x = s(k, n);
        if (!(x >= 0 && x < 1)) throw new Error(`out of range at ${k}/${n}: ${x}`);
        if (!(s(k + 1, n + 1) > x) || !(s(k, n + 1) < x)) throw new Error(`not monotone at ${k}/${n}`);
      }
    }
  });
});

describe('rankInPlace', () => {
  const sorted = (xs: { name: string; score: number; latencyMs: number | null }[]) => rankInPlace([...xs]).map((x) => x.name);

  it('puts the higher score first', () => {
    expect(sorted([{ name: 'b', score: s(3, 10), latencyMs: 10 }, { name: 'a', score: s(9, 10), latencyMs: 900 }])).toEqual(['a', 'b']);
  });

  it('breaks a tie by latency, lower first', () => {
    expect(sorted([{ name: 'slow', score: s(5, 5), latencyMs: 800 }, { name: 'fast', score: s(5, 5), latencyMs: 120 }])).toEqual(['fast', 'slow']);
  });

  it('treats scores within the resolution as a tie', () => {
    // 40 of 40 and 41 of 41 are the same evidence: the faster one wins
    expect(Math.abs(s(40, 40) - s(41, 41))).toBeLessThan(0.005);
    expect(sorted([{ name: 'more', score: s(41, 41), latencyMs: 500 }, { name: 'faster', score: s(40, 40), latencyMs: 100 }])).toEqual(['faster', 'more']);
  });

  it('cuts tie groups from the best down, not at fixed edges', () => {
    // a within 0.01 of b, b within 0.01 of c, but c not of a: c is not tied with a
    const r = sorted([
      { name: 'c', score: 0.882, latencyMs: 1 },
      { name: 'b', score: 0.888, latencyMs: 2 },
      { name: 'a', score: 0.893, latencyMs: 3 },
    ]);
    expect(r).toEqual(['b', 'a', 'c']);
  });

  it('keeps the given order of equal items (catalog order)', () => {
    expect(sorted([1, 2, 3, 4].map((i) => ({ name: `m${i}`, score: 0.431, latencyMs: null })))).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('ranks an unmeasured latency first among ties, so it gets measured', () => {
    expect(sorted([{ name: 'known', score: 0.5, latencyMs: 50 }, { name: 'unknown', score: 0.5, latencyMs: null }])).toEqual(['unknown', 'known']);
  });
});
