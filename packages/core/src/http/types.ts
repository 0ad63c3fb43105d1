import type { AbortSignalLike } from './signal.js';
/** Request headers as node:http gives them: lower-case names. */
export type HeaderMap = Record<string, string | string[] | undefined>;

/**
 * The proxy's own request shape: what any adapter (node:http, middleware,
 * web fetch) can produce without building web Request objects on the hot path.
 */
export interface CoreRequest {
  method: string;
  /** path without the query string, below any mount prefix */
  path: string;
  /** query string including '?', or '' */
  search: string;
  headers: HeaderMap;
  /** reads the whole body; rejects with BodyTooLarge past `limit` bytes */
  readBody(limit: number): Promise<Uint8Array>;
  /** aborted when the client goes away */
  signal: AbortSignalLike;
}

export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  /** a complete body... */
  body?: string | Uint8Array;
  /** ...or a stream of chunks (SSE), written as they come */
  stream?: AsyncIterable<string | Uint8Array>;
  /**
   * Keep-alive for a stream: the adapter writes `frame` whenever nothing was
   * written for `everyMs` and the last write ended an SSE frame, so idle
   * limits of proxies and load balancers do not cut a quiet stream.
   */
  heartbeat?: { frame: string; everyMs: number };
  /**
   * True once the stream has yielded its last client bytes (the upstream said
   * it is done): an adapter may then end the response with that chunk, in one
   * write, and let the rest of the stream drain unwritten.
   */
  complete?: () => boolean;
}

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

export function header(h: HeaderMap, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}
