import { describe, expect, it } from 'vitest';
import { MemoryAnswerStore } from '../../src/sessions/responses.js';

const kept = (text: string) => ({ input: [{ role: 'user', content: text }], answer: { id: 'resp', output_text: text } });

describe('kept answers in memory stay bounded', () => {
  it('expire by TTL since last use', async () => {
    let now = 0;
    const s = new MemoryAnswerStore({ ttlMs: 1000, now: () => now });
    await s.put('a', kept('one'));
    now = 900;
    expect(await s.get('a')).toEqual(kept('one'));
    now = 1800; // 900 ms after the last read
    expect(await s.get('a')).toEqual(kept('one'));
    now = 2900;
    expect(await s.get('a')).toBeNull();
  });

  it('evict the least recently used past the entry bound', async () => {
    const s = new MemoryAnswerStore({ ttlMs: 60_000, maxEntries: 2 });
    await s.put('a', kept('a'));
    await s.put('b', kept('b'));
    await s.get('a');
    await s.put('c', kept('c'));
    expect(await s.get('b')).toBeNull();
    expect(await s.get('a')).not.toBeNull();
    expect(await s.get('c')).not.toBeNull();
  });

  it('evict past the byte bound, and never keep one answer larger than it', async () => {
    const size = JSON.stringify(kept('x'.repeat(100))).length;
    const s = new MemoryAnswerStore({ ttlMs: 60_000, maxBytes: size * 2 });
    await s.put('a', kept('x'.repeat(100)));
    await s.put('b', kept('y'.repeat(100)));
    await s.put('c', kept('z'.repeat(100)));
    expect(await s.get('a')).toBeNull();
    expect(await s.get('c')).not.toBeNull();
    await s.put('huge', kept('h'.repeat(size * 3)));
    expect(await s.get('huge')).toBeNull();
    expect(await s.delete('c')).toBe(true);
    expect(await s.delete('c')).toBe(false);
  });
});
