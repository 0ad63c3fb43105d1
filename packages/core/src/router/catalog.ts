import type { Logger } from '../logger.js';
import type { ModelEntry, Provider } from '../providers/types.js';

export interface CatalogEntry {
  provider: Provider;
  model: ModelEntry;
}

interface ProviderList {
  models: ModelEntry[];
  fetchedAt: number;
  error?: string;
}

/**
 * The union of every provider's models. Lists are refreshed in the background
 * when older than the TTL; a provider whose refresh fails keeps its last good list.
 */
export class Catalog {
  private readonly lists = new Map<string, ProviderList>();
  private refreshing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private entriesCache: CatalogEntry[] | null = null;

  constructor(
    readonly providers: readonly Provider[],
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  /** Loads stale lists (all of them the first time); concurrent callers share one refresh. */
  refresh(force = false): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const now = Date.now();
    const stale = this.providers.filter((p) => {
      const l = this.lists.get(p.name);
      return force || !l || now - l.fetchedAt >= this.ttlMs;
    });
    if (stale.length === 0) return Promise.resolve();
    this.refreshing = Promise.all(stale.map((p) => this.load(p))).then(() => {
      this.refreshing = null;
      this.entriesCache = null;
    });
    return this.refreshing;
  }

  private async load(p: Provider): Promise<void> {
    const prev = this.lists.get(p.name);
    try {
      const models = await p.listModels(AbortSignal.timeout(30_000));
      this.lists.set(p.name, { models, fetchedAt: Date.now() });
      if (!prev || prev.models.length !== models.length) this.log.info({ provider: p.name, models: models.length }, 'model list loaded');
    } catch (e) {
      const error = (e as Error).message;
      // keep the last good list; retry after a short pause rather than a full TTL
      this.lists.set(p.name, { models: prev?.models ?? [], fetchedAt: Date.now() - this.ttlMs + Math.min(this.ttlMs, 30_000), error });
      this.log.warn({ provider: p.name, err: error, kept: prev?.models.length ?? 0 }, 'model list refresh failed');
    }
  }

  /** Background refresh; never blocks a request. */
  start(): void {
    if (this.timer || this.ttlMs <= 0) return;
    this.timer = setInterval(() => void this.refresh(), Math.max(1000, Math.min(this.ttlMs, 60_000)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Every (provider, model) pair, in provider order. */
  entries(): CatalogEntry[] {
    if (!this.entriesCache) {
      void this.refresh(); // lazily keeps lists fresh without waiting
      this.entriesCache = this.providers.flatMap((provider) => (this.lists.get(provider.name)?.models ?? []).map((model) => ({ provider, model })));
    }
    return this.entriesCache;
  }

  /** `provider/model` names one provider (even for a model its list lacks); a bare id matches every provider serving it. */
  find(id: string): CatalogEntry[] {
    const hits = this.entries().filter((e) => e.model.id === id);
    if (hits.length) return hits;
    const slash = id.indexOf('/');
    if (slash > 0) {
      const provider = this.providers.find((p) => p.name === id.slice(0, slash));
      if (provider) {
        const modelId = id.slice(slash + 1);
        const known = this.lists.get(provider.name)?.models.find((m) => m.id === modelId);
        return [{ provider, model: known ?? { id: modelId } }];
      }
    }
    return [];
  }

  status(): { provider: string; models: number; error?: string }[] {
    return this.providers.map((p) => {
      const l = this.lists.get(p.name);
      return { provider: p.name, models: l?.models.length ?? 0, ...(l?.error ? { error: l.error } : {}) };
    });
  }
}
