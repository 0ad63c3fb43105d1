import type { ProxyError } from '../errors.js';
import type { Candidate } from '../router/router.js';
import type { ChatRequest } from './request.js';

/** A whole (non-stream) answer, as the client gets it. */
export interface Answer {
  /** who answered, after how many attempts */
  candidate: Candidate;
  attempts: number;
  /** the client's bytes */
  body: string | Buffer;
  /** those bytes parsed (once, on first call): the answer object in the client's protocol */
  json(): Record<string, unknown>;
}

/** How a stream ended. */
export type StreamEnd =
  | {
      kind: 'complete';
      candidate: Candidate;
      attempts: number;
      /** the whole answer the client's stream amounts to, in its protocol; null unless a hook asked (`assembleStreams`) */
      answer: Record<string, unknown> | null;
    }
  | { kind: 'aborted'; candidate: Candidate; attempts: number }
  | { kind: 'failed'; candidate: Candidate; attempts: number; error: ProxyError };

/**
 * What a feature plugs into a chat request's way through the pipeline (see
 * docs/architecture.md). Every hook may be async and is awaited; one that
 * throws a ProxyError answers with it (before the first byte) like any other.
 */
export interface ChatHooks {
  /** once, before the first attempt: may rewrite the request (`req.rewrite`) — sessions prepend history here */
  beforeAttempt?(req: ChatRequest): void | Promise<void>;
  /** a whole answer, before it is sent */
  afterAnswer?(req: ChatRequest, answer: Answer): void | Promise<void>;
  /** a stream's end; a complete stream's is awaited before its last bytes are sent */
  onStreamEnd?(req: ChatRequest, end: StreamEnd): void | Promise<void>;
  /** each chunk a stream's client gets, as it passes (synchronous, nothing awaited) */
  onStreamChunk?(req: ChatRequest, chunk: string | Uint8Array): void;
  /** a candidate's call failed (before or during its answer) and counts against it; never awaited */
  onAttemptFailure?(req: ChatRequest, candidate: Candidate, error: ProxyError): void;
  /** this feature reads what was streamed (`end.answer`): streams are assembled while they pass */
  assembleStreams?: boolean;
}

type Fn<K extends keyof ChatHooks> = NonNullable<ChatHooks[K]>;

/**
 * The hooks registered on a proxy, by event. An event nobody registered for
 * costs the request path one length check.
 */
export class Hooks {
  readonly beforeAttempt: Fn<'beforeAttempt'>[] = [];
  readonly afterAnswer: Fn<'afterAnswer'>[] = [];
  readonly onStreamEnd: Fn<'onStreamEnd'>[] = [];
  readonly onAttemptFailure: Fn<'onAttemptFailure'>[] = [];
  readonly onStreamChunk: Fn<'onStreamChunk'>[] = [];
  assembleStreams = false;

  add(h: ChatHooks): this {
    if (h.beforeAttempt) this.beforeAttempt.push(h.beforeAttempt.bind(h));
    if (h.afterAnswer) this.afterAnswer.push(h.afterAnswer.bind(h));
    if (h.onStreamEnd) this.onStreamEnd.push(h.onStreamEnd.bind(h));
    if (h.onAttemptFailure) this.onAttemptFailure.push(h.onAttemptFailure.bind(h));
    if (h.onStreamChunk) this.onStreamChunk.push(h.onStreamChunk.bind(h));
    if (h.assembleStreams) this.assembleStreams = true;
    return this;
  }
}

/**
 * Runs one event's hooks in the order they were added; a promise only when a hook returned one, so that
 * hooks with nothing to do for a request (no session, say) cost it no microtask.
 */
export function fire<A extends unknown[]>(fns: readonly ((...args: A) => void | Promise<void>)[], ...args: A): Promise<void> | undefined {
  for (let i = 0; i < fns.length; i++) {
    const r = fns[i]!(...args);
    if (r) return r.then(() => fire(fns.slice(i + 1), ...args));
  }
  return undefined;
}
