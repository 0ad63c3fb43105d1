import { errorBody, errorObject, ProxyError, statusFor, type Protocol } from '../errors.js';
import { sseData, sseEvent } from '../protocols/sse.js';
import type { CoreResponse } from './types.js';

export const JSON_TYPE = 'application/json';
export const SSE_TYPE = 'text/event-stream; charset=utf-8';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): CoreResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** An error answer in the protocol of the route that was called. */
export function errorResponse(protocol: Protocol, err: ProxyError): CoreResponse {
  const status = statusFor(protocol, err.status);
  const headers: Record<string, string> = { 'content-type': JSON_TYPE, ...err.headers };
  return { status, headers, body: errorBody(protocol, err) };
}

/** Keep-alive frames both SDKs ignore: an SSE comment for OpenAI, a `ping` event for Anthropic. */
export const HEARTBEAT: Record<Protocol, string> = {
  openai: ': keep-alive\n\n',
  anthropic: 'event: ping\ndata: {"type":"ping"}\n\n',
};

/** An error after the first byte of a stream: an in-stream event in the client's protocol. */
export function streamErrorFrame(protocol: Protocol, status: number, message: string): string {
  const obj = errorObject(protocol, status, message);
  return protocol === 'anthropic' ? sseEvent('error', obj) : sseData(obj);
}
