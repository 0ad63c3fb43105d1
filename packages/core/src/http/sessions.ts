import { badRequest, ProxyError } from '../errors.js';
import { decodeObject } from '../pipeline/intake.js';
import { checked, sessionKey } from '../sessions/feature.js';
import type { SessionStore } from '../sessions/store.js';
import { json } from './respond.js';
import type { CoreRequest, CoreResponse } from './types.js';

/** POST /api/v1/session/clear `{ "session_id": "…" }`: forgets the session (in the caller's namespace). */
export async function clearSession(req: CoreRequest, store: SessionStore, tokenSet: boolean, maxBodyBytes: number): Promise<CoreResponse> {
  const body = decodeObject(await req.readBody(maxBodyBytes));
  if (body.session_id === undefined) throw badRequest('session_id: required', 'session_id');
  const id = checked(body.session_id, 'session_id');
  await store.clear(sessionKey(id, req.headers, tokenSet));
  return json(200, { status: 'success', message: `Session ${id} cleared` });
}

/** GET /api/v1/session/{id}: the stored history in the neutral form; 404 when there is none. */
export async function getSession(req: CoreRequest, store: SessionStore, tokenSet: boolean, id: string): Promise<CoreResponse> {
  const messages = await store.get(sessionKey(checked(id, 'session_id'), req.headers, tokenSet));
  if (!messages.length) throw new ProxyError(404, `session ${id} has no stored history`, 'session_id');
  return json(200, { session_id: id, messages });
}
