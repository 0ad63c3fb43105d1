import type { Logger } from '../logger.js';
import type { ModelEntry, Provider } from '../providers/types.js';

export interface CatalogEntry {
  provider: Provider;
  model: ModelEntry;
  /** `provider/model`: the public id that names this pair, and the router's stats key */
  key: string;
  /** may take a request with images (see `acceptsImages`) */
  acceptsImages: boolean;
  /** on its provider's list; false for a `provider/model` the list lacks (tried, but no router state kept for it) */
  listed: boolean;
}

interface ProviderList {
  models: ModelEntry[];
  fetchedAt: number;
  /** some model of the list is marked as taking images: the unmarked ones are then taken to be text-only */
  marksImages: boolean;
  error?: string;
}

const RESOLVED = Promise.resolve();

/** Longest model id taken: ids are echoed in `x-ones-model` and key the router's state. */
export const MAX_MODEL_LENGTH = 256;
const MODEL_CHARS = /^[\x20-\x7e]+$/;

/** Why a model id cannot be used (what a client is told), or null: printable ASCII, what every header can carry. */
export function modelIdProblem(id: string): string | null {
  if (id.length > MAX_MODEL_LENGTH) return `at most ${MAX_MODEL_LENGTH} characters`;
  if (!MODEL_CHARS.test(id)) return 'printable ASCII characters only';
  return null;
}

/**
 * Whether a model takes images: as marked by its provider or the config; when
 * the list marks none, every model is assumed to (the upstream answers if not),
 * but once some model is marked the unmarked ones are not.
 */
export function acceptsImages(model: ModelEntry, marksImages: boolean): boolean {
  return model.images ?? !marksImages;
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
  /** when the oldest list goes stale: until then a refresh call costs one comparison */
  private nextDue = 0;

  constructor(
    readonly providers: readonly Provider[],
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  /** Loads stale lists (all of them the first time); concurrent callers share one refresh. */
  refresh(force = false): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const now = Date.now();
    if (!force && now < this.nextDue) return RESOLVED;
    const stale = this.providers.filter((p) => {
      const l = this.lists.get(p.name);
      return force || !l || now - l.fetchedAt >= this.ttlMs;
    });
    if (stale.length === 0) return RESOLVED;
    this.refreshing = Promise.all(stale.map((p) => this.load(p))).then(() => {
      this.refreshing = null;
      this.entriesCache = null;
      let due = Infinity;
      for (const l of this.lists.values()) due = Math.min(due, l.fetchedAt + this.ttlMs);
      this.nextDue = due;
    });
    return this.refreshing;
  }

  /**
   * Waits only for the first load of the lists; afterwards a stale list is
   * refreshed in the background and requests go on with the one they have.
   */
  /** every provider's list was asked for at least once (loaded, or failed) */
  get loaded(): boolean {
    return this.lists.size >= this.providers.length;
  }

  whenLoaded(): Promise<void> {
    if (this.lists.size < this.providers.length) return this.refresh();
    void this.refresh();
    return RESOLVED;
  }

  private async load(p: Provider): Promise<void> {
    const prev = this.lists.get(p.name);
    try {
      const listed = await p.listModels(AbortSignal.timeout(30_000));
      const models = listed.filter((m) => modelIdProblem(m.id) === null);
      if (models.length < listed.length) this.log.warn({ provider: p.name, dropped: listed.length - models.length }, 'model ids that cannot be served (too long, or not printable ASCII) left out');
      this.lists.set(p.name, { models, fetchedAt: Date.now(), marksImages: models.some((m) => m.images === true) });
      if (!prev || prev.models.length !== models.length) this.log.info({ provider: p.name, models: models.length }, 'model list loaded');
    } catch (e) {
      const error = (e as Error).message;
      // keep the last good list; retry after a short pause rather than a full TTL
      const fetchedAt = Date.now() - this.ttlMs + Math.min(this.ttlMs, 30_000);
      this.lists.set(p.name, { models: prev?.models ?? [], fetchedAt, marksImages: prev?.marksImages ?? false, error });
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

  /** Every (provider, model) pair, in provider order; the same array until the next refresh. */
  entries(): CatalogEntry[] {
    if (!this.entriesCache) {
      void this.refresh(); // lazily keeps lists fresh without waiting
      this.entriesCache = this.providers.flatMap((provider) => {
        const list = this.lists.get(provider.name);
        return (list?.models ?? []).map((model) => entry(provider, model, list?.marksImages ?? false));
      });
    }
    return this.entriesCache;
  }

  /**
   * A bare id matches every provider listing it. `provider/model` names one provider: a model on its list,
   * or, when the list is discovered (it may lag behind the upstream), a model it lacks, tried unlisted;
   * a configured list is the whole truth, so an id outside it matches nothing.
   */
  find(id: string): CatalogEntry[] {
    const hits = this.entries().filter((e) => e.model.id === id);
    if (hits.length) return hits;
    const slash = id.indexOf('/');
    if (slash > 0) {
      const provider = this.providers.find((p) => p.name === id.slice(0, slash));
      if (provider) {
        const modelId = id.slice(slash + 1);
        const listed = this.entries().find((e) => e.provider === provider && e.model.id === modelId);
        if (listed) return [listed];
        if (!provider.fixedModels) return [entry(provider, { id: modelId }, this.lists.get(provider.name)?.marksImages ?? false, false)];
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

function entry(provider: Provider, model: ModelEntry, marksImages: boolean, listed = true): CatalogEntry {
  return { provider, model, key: `${provider.name}/${model.id}`, acceptsImages: acceptsImages(model, marksImages), listed };
}
