import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import type { ModelEntry, Provider } from '../../src/providers/types.js';
import { Catalog } from '../../src/router/catalog.js';
import { Router } from '../../src/router/router.js';
import { MemoryRouterStore, type RouterStore } from '../../src/router/store.js';

function fakeProvider(name: string, models: (string | ModelEntry)[], protocol: 'openai' | 'anthropic' = 'openai'): Provider & { list: ModelEntry[]; listModels: () => Promise<ModelEntry[]> } {
  const p = {
    name,
    protocol,
    keyless: false,
    fixedModels: false,
    origin: `http://${name}.invalid`,
    idleMs: 120_000,
    list: models.map((m) => (typeof m === 'string' ? { id: m } : m)),
    chat: () => Promise.reject(new Error('not called in these tests')),
    listModels: async () => p.list,
  };
  return p;
}

function setup(providers: Provider[], opts: { cooldownMs?: number; store?: RouterStore; ttlMs?: number } = {}) {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  const store = opts.store ?? new MemoryRouterStore({ now });
  const catalog = new Catalog(providers, opts.ttlMs ?? 3_600_000, silentLogger);
  const router = new Router(catalog, { store, cooldownMs: opts.cooldownMs ?? 300_000, log: silentLogger, now });
  const plan = async (model: string, o: { strict?: boolean; images?: boolean } = {}) => {
    const p = await router.plan(model, { strict: o.strict ?? false, needsImages: o.images ?? false });
    return [...p.first, ...(await p.rest())].map((c) => c.key);
  };
  const byKey = async (key: string) => (await catalog.whenLoaded(), catalog.find(key)[0]!);
  const succeed = async (key: string, times = 1, ttfb = 100) => {
    const c = await byKey(key);
    for (let i = 0; i < times; i++) await router.record(c, 'success', ttfb);
  };
  const failOnce = async (key: string) => router.record(await byKey(key), 'failure');
  return { router, catalog, store, clock, plan, succeed, failOnce };
}

const planError = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProxyError);
  return e as ProxyError;
};

describe('auto', () => {
  it('tries each untried model once, first in catalog order, before ranking', async () => {
    const { plan, succeed } = setup([fakeProvider('p', ['a', 'b', 'c'])]);
    expect(await plan('auto')).toEqual(['p/a', 'p/b', 'p/c']);
    await succeed('p/a', 5);
    // b is untried: it goes first, then the ranked rest
    expect(await plan('auto')).toEqual(['p/b', 'p/a', 'p/c']);
    await succeed('p/b', 1);
    expect(await plan('auto')).toEqual(['p/c', 'p/a', 'p/b']);
    await succeed('p/c', 1, 50);
    // 5 of 5 beats 1 of 1; between the two 1 of 1, the faster first
    expect(await plan('auto')).toEqual(['p/a', 'p/c', 'p/b']);
  });

  it('keeps a failed model out for the cooldown, then ranks it by its record', async () => {
    const { plan, succeed, failOnce, clock } = setup([fakeProvider('p', ['a', 'b'])], { cooldownMs: 1000 });
    await succeed('p/a', 20);
    await succeed('p/b', 2);
    expect(await plan('auto')).toEqual(['p/a', 'p/b']);
    await failOnce('p/a');
    expect(await plan('auto')).toEqual(['p/b']);
    clock.t += 999;
    expect(await plan('auto')).toEqual(['p/b']);
    clock.t += 1;
    // 20 of 21 still beats 2 of 2: back to a
    expect(await plan('auto')).toEqual(['p/a', 'p/b']);
  });

  it('moves away from a model that keeps failing', async () => {
    const { plan, succeed, failOnce, clock } = setup([fakeProvider('p', ['flaky', 'steady'])], { cooldownMs: 10 });
    await succeed('p/flaky', 3);
    await succeed('p/steady', 3, 300);
    expect(await plan('auto')).toEqual(['p/flaky', 'p/steady']); // tie, flaky is faster
    for (let i = 0; i < 3; i++) {
      await failOnce('p/flaky');
      clock.t += 10;
    }
    expect(await plan('auto')).toEqual(['p/steady', 'p/flaky']);
  });

  it('a success does not end a cooldown; cooldown 0 disables it', async () => {
    const a = setup([fakeProvider('p', ['a', 'b'])]);
    await a.failOnce('p/a');
    await a.succeed('p/a');
    expect(await a.plan('auto')).toEqual(['p/b']);
    const b = setup([fakeProvider('p', ['a', 'b'])], { cooldownMs: 0 });
    await b.failOnce('p/a');
    expect(await b.plan('auto')).toEqual(['p/b', 'p/a']);
  });

  it('answers 503 with retry-after when every model is cooling down', async () => {
    const { router, failOnce, clock } = setup([fakeProvider('p', ['a', 'b'])], { cooldownMs: 30_000 });
    await failOnce('p/a');
    clock.t += 10_000;
    await failOnce('p/b');
    const e = await planError(router.plan('auto', { strict: false, needsImages: false }));
    expect(e.status).toBe(503);
    expect(e.headers['retry-after']).toBe('20');
  });

  it('an empty catalog plans nothing (the pipeline answers 503)', async () => {
    const { plan } = setup([fakeProvider('p', [])]);
    expect(await plan('auto')).toEqual([]);
  });
});

describe('a fixed model', () => {
  it('goes first when not cooling, then the auto order', async () => {
    const { plan, succeed } = setup([fakeProvider('p', ['a', 'b', 'c'])]);
    await succeed('p/a', 3);
    await succeed('p/b', 3);
    expect(await plan('c')).toEqual(['p/c', 'p/a', 'p/b']);
    expect(await plan('p/c')).toEqual(['p/c', 'p/a', 'p/b']);
  });

  it('served by several providers: ranked among them, `provider/model` picks one', async () => {
    const { plan, succeed, failOnce } = setup([fakeProvider('x', ['m', 'other']), fakeProvider('y', ['m'])]);
    await succeed('x/m', 1);
    await succeed('y/m', 4);
    await succeed('x/other', 9);
    expect(await plan('m')).toEqual(['y/m', 'x/m', 'x/other']);
    expect(await plan('x/m')).toEqual(['x/m', 'x/other', 'y/m']);
    await failOnce('y/m');
    expect(await plan('m')).toEqual(['x/m', 'x/other']);
  });

  it('cooling or unknown: falls back to auto', async () => {
    const { plan, succeed, failOnce } = setup([fakeProvider('p', ['a', 'b'])]);
    await succeed('p/a', 2);
    await succeed('p/b', 1);
    await failOnce('p/b');
    expect(await plan('b')).toEqual(['p/a']);
    expect(await plan('nope')).toEqual(['p/a']);
  });

  it('`provider/model` missing from the list is still tried first', async () => {
    const { plan } = setup([fakeProvider('p', ['a'])]);
    expect(await plan('p/hidden')).toEqual(['p/hidden', 'p/a']);
  });
});

describe('strict', () => {
  it('answers 404 for an unknown model', async () => {
    const { router } = setup([fakeProvider('p', ['a'])]);
    const e = await planError(router.plan('nope', { strict: true, needsImages: false }));
    expect([e.status, e.param]).toEqual([404, 'model']);
  });

  it('answers 503 for a cooling one, with retry-after', async () => {
    const { router, failOnce } = setup([fakeProvider('p', ['a', 'b'])], { cooldownMs: 5000 });
    await failOnce('p/a');
    const e = await planError(router.plan('a', { strict: true, needsImages: false }));
    expect(e.status).toBe(503);
    expect(e.message).toMatch(/cooling down/);
    expect(e.headers['retry-after']).toBe('5');
  });

  it('never offers another model', async () => {
    const { plan } = setup([fakeProvider('x', ['a', 'b']), fakeProvider('y', ['a'])]);
    expect(await plan('a', { strict: true })).toEqual(['x/a', 'y/a']);
  });
});

describe('images', () => {
  it('go only to models that take them; unmarked ones count as able unless the list marks some', async () => {
    const marked = fakeProvider('m', [{ id: 'vision', images: true }, 'plain']);
    const unmarked = fakeProvider('u', ['any', { id: 'text', images: false }]);
    const { plan } = setup([marked, unmarked]);
    expect(await plan('auto', { images: true })).toEqual(['m/vision', 'u/any']);
    expect(await plan('plain', { images: true })).toEqual(['m/vision', 'u/any']);
    expect(await plan('auto')).toEqual(['m/vision', 'm/plain', 'u/any', 'u/text']);
  });

  it('strict or with no image model at all: 400', async () => {
    const { router } = setup([fakeProvider('p', [{ id: 'text', images: false }])]);
    const strict = await planError(router.plan('text', { strict: true, needsImages: true }));
    expect([strict.status, strict.message]).toEqual([400, 'model "text" does not accept image input']);
    const auto = await planError(router.plan('auto', { strict: false, needsImages: true }));
    expect([auto.status, auto.message]).toEqual([400, 'no model served here accepts image input']);
  });
});

describe('record and stats', () => {
  it('reports every listed model, best first; a named model off the list is tried but keeps no record', async () => {
    const { router, catalog, succeed, failOnce, clock } = setup([fakeProvider('p', ['a', 'b'])], { cooldownMs: 60_000 });
    await succeed('p/b', 3, 120);
    await failOnce('p/a');
    const hidden = catalog.find('p/hidden');
    expect(hidden.map((e) => [e.key, e.listed])).toEqual([['p/hidden', false]]);
    await router.record(hidden[0]!, 'success', 80);
    const rows = await router.stats();
    expect(rows.map((r) => r.id)).toEqual(['p/b', 'p/a']);
    expect(rows[0]).toMatchObject({ provider: 'p', model: 'b', calls: 3, successes: 3, failures: 0, successRate: 1, latencyMs: 120, coolingUntil: null });
    expect(rows[1]).toMatchObject({ calls: 1, failures: 1, successRate: 0, lastFailureAt: clock.t, coolingUntil: clock.t + 60_000 });
  });

  it('a store failure is logged, never thrown at the request', async () => {
    const broken: RouterStore = {
      record: () => Promise.reject(new Error('store down')),
      coolDown: () => Promise.reject(new Error('store down')),
      read: async (keys) => keys.map(() => ({ successes: 0, failures: 0, lastFailureAt: null, latencyMs: null, coolingUntil: null })),
      keys: async () => [],
    };
    const { router, plan } = setup([fakeProvider('p', ['a'])], { store: broken });
    const [c] = (await router.plan('a', { strict: false, needsImages: false })).first;
    await expect(router.record(c!, 'failure')).resolves.toBeUndefined();
    expect(await plan('auto')).toEqual(['p/a']);
  });
});

describe('catalog', () => {
  it('waits for the first load only; a slow refresh never holds a request', async () => {
    const p = fakeProvider('p', ['a']);
    const { plan, catalog } = setup([p], { ttlMs: 1 });
    expect(await plan('auto')).toEqual(['p/a']);
    let release!: () => void;
    p.listModels = () => new Promise((r) => (release = () => r([{ id: 'a' }, { id: 'b' }])));
    await new Promise((r) => setTimeout(r, 5));
    // the refresh never ends by itself (only release() ends it): a plan that waited for it would never answer, so
    // whatever answers first within a wide margin, the plan or the timer, tells which
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise((r) => (timer = setTimeout(() => r('still waiting for the refresh'), 2000)));
    expect(await Promise.race([plan('auto'), waited]).finally(() => clearTimeout(timer))).toEqual(['p/a']);
    expect(release, 'a refresh was started').toEqual(expect.any(Function));
    release();
    await catalog.refresh();
    expect(await plan('auto')).toEqual(['p/a', 'p/b']);
  });

  it('a provider whose list fails keeps its last good list', async () => {
    const p = fakeProvider('p', ['a']);
    const { plan, catalog } = setup([p], { ttlMs: 1 });
    await catalog.refresh();
    p.listModels = () => Promise.reject(new Error('down'));
    await catalog.refresh(true);
    expect(catalog.status()).toEqual([{ provider: 'p', models: 1, error: 'down' }]);
    expect(await plan('auto')).toEqual(['p/a']);
  });
});
