import { ProxyError } from '../errors.js';
import type { Catalog, CatalogEntry } from './catalog.js';

export type Candidate = CatalogEntry;

export interface PlanOptions {
  strict: boolean;
  needsImages: boolean;
}

export type Outcome = 'success' | 'failure';

/** Picks the ordered list of (provider, model) candidates for a requested model. */
export class Router {
  constructor(readonly catalog: Catalog) {}

  async plan(requested: string, opts: PlanOptions): Promise<Candidate[]> {
    await this.catalog.refresh();
    const fits = (e: Candidate) => !opts.needsImages || e.model.images !== false;
    const auto = this.catalog.entries().filter(fits);
    if (requested === 'auto') return auto;
    const fixed = this.catalog.find(requested);
    if (fixed.length === 0 && opts.strict) throw new ProxyError(404, `model "${requested}" is not served here`, 'model');
    return [...fixed, ...auto.filter((e) => !fixed.includes(e))];
  }

  async record(_c: Candidate, _outcome: Outcome, _ttfbMs?: number): Promise<void> {}
}
