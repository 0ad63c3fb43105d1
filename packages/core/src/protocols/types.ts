import type { ProxyError } from '../errors.js';
import type { CoreRequest } from '../http/types.js';
import type { HistoryCodec } from '../sessions/neutral.js';
import type { SseEvent } from './sse.js';

/** The protocols a client can speak to the proxy. */
export type ClientProtocol = 'openai' | 'anthropic' | 'responses';
/** The protocols an upstream provider can speak. */
export type UpstreamProtocol = 'openai' | 'anthropic' | 'openai-responses';

/** What routing needs of a chat request, read by hand: the full schema runs only where a translation needs it. */
export interface ChatFields {
  model: string;
  stream: boolean;
  /** the request carries images: only models that take them may answer */
  needsImages: boolean;
}

/** A protocol's error types by status, read both ways: status → type for answers, type → status for what upstreams send. */
export interface ErrorTypes {
  /** the type (and, where the protocol has one, the code) of an error with this status */
  typeOf(status: number): { type: string; code: string | null };
  /** the status an upstream's error type (or numeric code) stands for; 500 when unknown */
  statusOf(type: unknown, code?: unknown): number;
}

/** A stream's answer, assembled from its events: the whole answer the same request would have got without `stream`. */
export interface StreamAssembly {
  push(event: SseEvent): void;
  /** the answer object; throws ProxyError for an in-stream error */
  finish(): object;
}

/** One row of the models list. */
export interface ModelRow {
  id: string;
  owner: string;
}

/** Everything the proxy knows about a protocol that clients speak to it. */
export interface ClientSpec {
  readonly name: ClientProtocol;
  /** the upstream protocol that is this one (passthrough; the one a client's own key is first meant for) */
  readonly native: UpstreamProtocol;
  /** the routing fields of a chat body (a JSON object); 400 naming the field when one is wrong */
  chatFields(body: Record<string, unknown>): ChatFields;
  /** the whole request against the protocol's schema; 400 naming the first wrong field (needed before a translation) */
  validate(body: Record<string, unknown>): void;
  /** the error object of an answer, without framing */
  errorObject(status: number, message: string, param?: string | null, code?: string | null): object;
  /** the status the protocol answers for this one (529 exists only in Anthropic's) */
  status(status: number): number;
  /** an error after the first byte of a stream: one SSE frame */
  streamErrorFrame(status: number, message: string): string;
  /** a keep-alive frame its SDK ignores */
  readonly heartbeat: string;
  /** a rough prompt-token count of a request body */
  estimateInputTokens(body: Record<string, unknown>): number;
  /** the request (a header, a path) says it is this protocol's, for errors on routes of no protocol */
  announcedBy(req: CoreRequest): boolean;
  /** the models list and one model, in this protocol's shape */
  modelList(rows: readonly ModelRow[]): object;
  model(row: ModelRow): object;
  /** assembles a stream of this protocol (what a client got) into its whole answer */
  assemble(): StreamAssembly;
  /** its turns ⇄ the neutral form sessions keep */
  readonly history: HistoryCodec;
  /** a protocol whose answers the proxy keeps for later requests to continue (the Responses API's `previous_response_id`) */
  readonly continuation?: Continuation;
}

/** How a protocol's requests name a kept answer to continue, and what is kept. */
export interface Continuation {
  /** the id of the answer a request continues, or null */
  previous(body: Record<string, unknown>): string | null;
  /** the request asks for its answer to be kept (`store`, true unless false) */
  stores(body: Record<string, unknown>): boolean;
  /** the request's own conversation items */
  input(body: Record<string, unknown>): unknown[];
  /** a kept answer's items, to follow its input in the next request */
  output(answer: Record<string, unknown>): unknown[];
  /** an answer's id */
  id(answer: Record<string, unknown>): string;
  /** the body as it goes upstream: these items as its input, the continuation field gone */
  withInput(body: Record<string, unknown>, items: unknown[]): Record<string, unknown>;
  /** the answer to a deletion of a kept answer */
  deleted(id: string): object;
}

/** How an upstream protocol frames a stream. */
export interface Framing {
  /** 'sse': server-sent events; 'ndjson': one JSON object a line */
  readonly kind: 'sse' | 'ndjson';
  /**
   * The end frame, whole, at the end of the bytes seen so far (passthrough watches the tail for it);
   * null: the stream has no end marker and ends when the upstream closes it.
   */
  readonly endFrame: RegExp | null;
  /**
   * An end event recognised by the first bytes of the last event (latin1), for a protocol whose end event is
   * too long for `endFrame`'s tail (it carries the whole answer); passthrough then watches event heads too.
   */
  readonly endHead?: RegExp;
  /** a parsed event that ends the stream */
  isEnd(e: SseEvent): boolean;
  /** a parsed event that reports an error rather than content */
  isError(e: SseEvent): boolean;
  /** the first bytes of a stream (latin1) start with an error event */
  startsWithError(head: string): boolean;
}

/** Which ids a protocol takes for tool calls, and how it makes new ones. */
export interface ToolIdRule {
  fits(id: string): boolean;
  /** the prefix of an id rewritten to fit */
  readonly prefix: string;
  fresh(): string;
}

/** Everything the proxy knows about a protocol that upstreams speak to it. */
export interface UpstreamSpec {
  readonly name: UpstreamProtocol;
  readonly framing: Framing;
  readonly errorTypes: ErrorTypes;
  /** client headers passed on to this protocol's upstreams (lower case) */
  readonly forwards: readonly string[];
  /** a non-stream answer's first bytes (whitespace removed) say it is an error object */
  answerIsError(head: string): boolean;
}

/** Thrown by a client spec's checks: a ProxyError(400) naming the field. */
export type RequestError = ProxyError;
