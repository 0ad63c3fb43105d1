import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamProtocol } from '../protocols/types.js';
import type { AbortSignalLike } from '../http/signal.js';

export interface ModelEntry {
  id: string;
  /** accepts image input; undefined = unknown (treated as yes unless the provider marks image models) */
  images?: boolean;
  /** takes `reasoning_effort`; undefined = unknown (then judged by the id's family, see `takesReasoningEffort`) */
  reasoning?: boolean;
}

/** Headers from the client that an upstream may see: never hop-by-hop, never the proxy's own token. */
export interface ForwardedHeaders {
  /** the client's own credential, only when bring-your-own-key applies */
  credential?: string;
  /** the client headers the upstream protocol's spec passes on (lower-case names) */
  headers?: Record<string, string>;
}

export interface UpstreamCall {
  /** serialized body, or an object to serialize */
  body: string | Uint8Array | Record<string, unknown>;
  /** the path when the request decides it (a bridge's); default: the provider's chat path */
  path?: string | undefined;
  /** headers a bridge adds for this call */
  headers?: Record<string, string> | undefined;
  stream: boolean;
  forwarded: ForwardedHeaders;
  signal: AbortSignalLike;
}

/** The part of undici's response body the pipeline uses; a provider may also synthesize one. */
export interface UpstreamBody extends AsyncIterable<Uint8Array> {
  /** what is left of the body, whole; rejects (and cuts the call) past the provider's answer bound */
  bytes(): Promise<Buffer>;
  text(): Promise<string>;
  /** at most `limit` bytes of what is left, as text (error bodies: the rest is dropped and the call cut) */
  textUpTo(limit: number): Promise<string>;
  destroy(): void;
  /** true when the next read settles at once (a chunk, the end or an error is already here); absent = unknown */
  ready?(): boolean;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: UpstreamBody;
}

/** A complete in-memory body (for answers a provider builds itself). */
export function bufferBody(data: string | Uint8Array): UpstreamBody {
  const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    async *[Symbol.asyncIterator]() {
      yield buf;
    },
    bytes: async () => buf,
    text: async () => buf.toString('utf8'),
    textUpTo: async (limit) => buf.toString('utf8', 0, limit),
    destroy: () => {},
  };
}

/** One upstream service speaking one protocol. */
export interface Provider {
  readonly name: string;
  readonly protocol: UpstreamProtocol;
  /** the provider has no key of its own: the client's credential may be passed through */
  readonly keyless: boolean;
  /** its models are the configured list: an id outside it is not served (no call on the operator's key) */
  readonly fixedModels: boolean;
  /** scheme, host and port of its upstream: for logs, never for clients */
  readonly origin: string;
  /** longest quiet gap in a stream, in ms; keep-alive comments alone do not count as activity */
  readonly idleMs: number;
  /** POST a chat (OpenAI) or messages (Anthropic) request */
  chat(call: UpstreamCall): Promise<UpstreamResponse>;
  /** Anthropic count_tokens, where the upstream has it */
  countTokens?(call: UpstreamCall): Promise<UpstreamResponse>;
  /** the provider's models: static from config, or from its models endpoint */
  listModels(signal?: AbortSignal): Promise<ModelEntry[]>;
}
