import { createHash } from 'node:crypto';
import { badRequest } from '../errors.js';
import { clientCredential } from '../http/auth.js';
import { header, type HeaderMap } from '../http/types.js';
import type { Logger } from '../logger.js';
import type { ChatHooks } from '../pipeline/hooks.js';
import type { ChatRequest } from '../pipeline/request.js';
import type { NeutralMessage } from './neutral.js';
import type { HistoryLimits, SessionStore } from './store.js';

/** What session ids may be: at most 256 of these characters. */
const SESSION_ID = /^[A-Za-z0-9._:@-]{1,256}$/;
const ID_RULE = 'at most 256 characters: letters, digits, ".", "_", ":", "@", "-"';

/** The session a request names: `session_id` (body), else `x-session-id` (header), else `user_id` (body) as `user_<id>`. */
export function sessionIdOf(body: Record<string, unknown>, headers: HeaderMap): string | null {
  const fromBody = body.session_id;
  if (fromBody !== undefined && fromBody !== null) return checked(fromBody, 'session_id');
  const fromHeader = header(headers, 'x-session-id');
  if (fromHeader !== undefined) return checked(fromHeader, 'x-session-id');
  const user = body.user_id;
  if (user !== undefined && user !== null) return `user_${checked(user, 'user_id')}`.slice(0, 256);
  return null;
}

export function checked(id: unknown, field: string): string {
  if (typeof id !== 'string' || !SESSION_ID.test(id)) throw badRequest(`${field}: ${ID_RULE}`, field);
  return id;
}

/**
 * The store key of a session. With TOKEN everyone holding it shares one id
 * space; without it (clients bring their own keys) ids are namespaced by a
 * digest of the client's credential, so one cannot read or extend another's
 * conversation by guessing its id.
 */
export function sessionKey(id: string, headers: HeaderMap, tokenSet: boolean): string {
  if (tokenSet) return id;
  const credential = clientCredential(headers) ?? '';
  return `${createHash('sha256').update(credential).digest('base64url').slice(0, 16)}:${id}`;
}

export interface SessionFeature {
  store: SessionStore;
  limits: HistoryLimits;
  tokenSet: boolean;
  log: Logger;
}

interface Pending {
  key: string;
  /** the request's own new turns (user messages, tool results), appended with the answer */
  turns: NeutralMessage[];
}

/**
 * Sessions as pipeline hooks: before the first attempt the stored history
 * goes in front of the request's messages (after its system prompt, which is
 * never stored); after a complete answer, streamed or not, the request's new
 * turns and the answer are appended in one write, finished before the
 * answer's last byte leaves. A failed, cut or aborted answer writes nothing.
 * A request without a session costs a few property reads.
 */
export function sessionHooks(f: SessionFeature): ChatHooks {
  const pending = new WeakMap<ChatRequest, Pending>();
  let outage = false;

  const store = async (req: ChatRequest, p: Pending, answer: Record<string, unknown> | null) => {
    pending.delete(req);
    const reply = answer ? req.client.history.fromAnswer(answer) : null;
    try {
      await f.store.append(p.key, reply ? [...p.turns, reply] : p.turns, f.limits);
    } catch (e) {
      f.log.warn({ err: (e as Error).message }, 'session store failed: this turn was not stored');
    }
  };

  const load = async (req: ChatRequest, id: string): Promise<void> => {
    const body = req.body;
    const key = sessionKey(id, req.http.headers, f.tokenSet);
    // the upstream never sees the session fields
    const { session_id: _s, user_id: _u, ...own } = body;
    let history: NeutralMessage[];
    try {
      history = await f.store.get(key);
      outage = false;
    } catch (e) {
      // no session for this request rather than no answer; one warning per outage
      if (!outage) f.log.warn({ err: (e as Error).message }, 'session store unavailable: requests go on without sessions');
      outage = true;
      req.rewrite(own);
      (req.headers ??= {})['x-ones-session'] = 'unavailable';
      return;
    }
    const turns = req.client.history.fromRequest(own).filter((m) => m.role === 'user');
    req.rewrite(history.length ? req.client.history.withHistory(own, history) : own);
    (req.headers ??= {})['x-ones-session'] = id;
    if (req.observation) req.observation.sessionId = id;
    req.assemble = true;
    pending.set(req, { key, turns });
  };

  // each hook returns a promise only for a request with a session: one without costs no microtask
  return {
    beforeAttempt(req) {
      const id = sessionIdOf(req.body, req.http.headers);
      return id === null ? undefined : load(req, id);
    },
    afterAnswer(req, answer) {
      const p = pending.get(req);
      return p ? store(req, p, answer.json()) : undefined;
    },
    onStreamEnd(req, end) {
      const p = pending.get(req);
      if (!p) return undefined;
      if (end.kind === 'complete' && end.answer) return store(req, p, end.answer);
      pending.delete(req);
      return undefined;
    },
  };
}
