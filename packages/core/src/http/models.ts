import { ProxyError } from '../errors.js';
import { announcedProtocol } from '../protocols/index.js';
import type { ModelRow } from '../protocols/types.js';
import type { CatalogEntry } from '../router/catalog.js';
import { errorResponse, json } from './respond.js';
import type { CoreRequest, CoreResponse } from './types.js';

/**
 * The model rows, `auto` first. A bare id appears once (its first provider
 * owns it); when several providers serve it, each `provider/model` id follows
 * too, so a client can pick one.
 */
function rows(entries: readonly CatalogEntry[]): ModelRow[] {
  const owners = new Map<string, CatalogEntry[]>();
  for (const e of entries) {
    const list = owners.get(e.model.id);
    if (list) list.push(e);
    else owners.set(e.model.id, [e]);
  }
  const out: ModelRow[] = [{ id: 'auto', owner: 'ones-proxy' }];
  for (const [id, served] of owners) {
    out.push({ id, owner: served[0]!.provider.name });
    if (served.length > 1) for (const e of served) out.push({ id: e.key, owner: e.provider.name });
  }
  return out;
}

/** GET /v1/models, in the shape of the protocol the client announces (Anthropic's SDK sends anthropic-version). */
export function modelsResponse(req: CoreRequest, entries: readonly CatalogEntry[]): CoreResponse {
  return json(200, announcedProtocol(req).modelList(rows(entries)));
}

/** GET /v1/models/{id}: one model (any listed id, `provider/model` of a listed one, or `auto`), else 404. */
export function modelResponse(req: CoreRequest, entries: readonly CatalogEntry[], id: string): CoreResponse {
  const spec = announcedProtocol(req);
  const row = rows(entries).find((r) => r.id === id) ?? entries.filter((e) => e.key === id).map((e) => ({ id: e.key, owner: e.provider.name }))[0];
  if (!row) return errorResponse(spec, new ProxyError(404, `model "${id}" is not served here`, 'model', 'model_not_found'));
  return json(200, spec.model(row));
}
