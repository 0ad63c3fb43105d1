import { describe, expect, it } from 'vitest';
import { LATENCY_WEIGHT, MemoryRouterStore, NO_STATS } from '../../src/router/store.js';

describe('MemoryRouterStore', () => {
  it('reads a key never recorded as zero calls', async () => {
    const store = new MemoryRouterStore();
    expect(await store.read(['p/none'])).toEqual([NO_STATS]);
    expect(await store.keys()).toEqual([]);
  });

  it('counts successes and failures, stamps the last failure', async () => {
    let t = 1000;
    const store = new MemoryRouterStore({ now: () => t });
    await store.record('p/m', true, 100);
    t = 2000;
    await store.record('p/m', false);
    await store.record('p/m', true, 200);
    const [s] = await store.read(['p/m']);
    expect(s).toMatchObject({ successes: 2, failures: 1, lastFailureAt: 2000 });
  });

  it('averages time to first byte over successes only', async () => {
    const store = new MemoryRouterStore();
    await store.record('p/m', true, 100);
    expect((await store.read(['p/m']))[0]!.latencyMs).toBe(100);
    await store.record('p/m', true, 200);
    expect((await store.read(['p/m']))[0]!.latencyMs).toBeCloseTo(100 + LATENCY_WEIGHT * 100);
    await store.record('p/m', false, 5000);
    await store.record('p/m', true); // a success without a timing leaves the average
    expect((await store.read(['p/m']))[0]!.latencyMs).toBeCloseTo(100 + LATENCY_WEIGHT * 100);
  });

  it('keeps a cooldown until it ends, then forgets it', async () => {
    let t = 0;
    const store = new MemoryRouterStore({ now: () => t });
    await store.coolDown('p/m', 300);
    expect((await store.read(['p/m']))[0]!.coolingUntil).toBe(300);
    t = 299;
    expect((await store.read(['p/m']))[0]!.coolingUntil).toBe(300);
    t = 300;
    expect((await store.read(['p/m']))[0]!.coolingUntil).toBeNull();
  });

  it('holds at most maxKeys, dropping the least recently recorded', async () => {
    const store = new MemoryRouterStore({ maxKeys: 2 });
    await store.record('p/a', true);
    await store.record('p/b', true);
    await store.record('p/a', true); // a is now the most recent
    await store.record('p/c', false);
    expect((await store.keys()).sort()).toEqual(['p/a', 'p/c']);
    expect((await store.read(['p/a']))[0]!.successes).toBe(2);
  });
});
