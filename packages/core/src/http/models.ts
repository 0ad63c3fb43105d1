import type { CatalogEntry } from '../router/catalog.js';
import { header, type CoreRequest, type CoreResponse } from './types.js';
import { json } from './respond.js';

const CREATED = Math.floor(Date.now() / 1000);

/**
 * The model list, `auto` first. A bare id appears once (its first provider
 * owns it); when several providers serve it, each `provider/model` id follows
 * too, so a client can pick one. Anthropic clients (anthropic-version header)
 * get Anthropic's list shape.
 */
export function modelsResponse(req: CoreRequest, entries: readonly CatalogEntry[]): CoreResponse {
  const owners = new Map<string, CatalogEntry[]>();
  for (const e of entries) {
    const list = owners.get(e.model.id);
    if (list) list.push(e);
    else owners.set(e.model.id, [e]);
  }
  const rows = [{ id: 'auto', owner: 'ones-proxy' }];
  for (const [id, served] of owners) {
    rows.push({ id, owner: served[0]!.provider.name });
    if (served.length > 1) for (const e of served) rows.push({ id: e.key, owner: e.provider.name });
  }
  if (header(req.headers, 'anthropic-version')) {
    const created_at = new Date(CREATED * 1000).toISOString();
    const data = rows.map((r) => ({ type: 'model', id: r.id, display_name: r.id, created_at }));
    return json(200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  }
  return json(200, { object: 'list', data: rows.map((r) => ({ id: r.id, object: 'model', created: CREATED, owned_by: r.owner })) });
}
