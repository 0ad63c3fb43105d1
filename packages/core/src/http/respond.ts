import type { ProxyError } from '../errors.js';
import type { ClientSpec } from '../protocols/types.js';
import type { CoreResponse } from './types.js';

export const JSON_TYPE = 'application/json';
export const SSE_TYPE = 'text/event-stream; charset=utf-8';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): CoreResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** An error answer in the protocol of the route that was called. */
export function errorResponse(spec: ClientSpec, err: ProxyError): CoreResponse {
  const headers: Record<string, string> = { 'content-type': JSON_TYPE, ...err.headers };
  return { status: spec.status(err.status), headers, body: JSON.stringify(spec.errorObject(err.status, err.message, err.param, err.code)) };
}
