import { badRequest } from '../errors.js';
import { header, type CoreRequest } from '../http/types.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../json-depth.js';
import type { ClientSpec } from '../protocols/types.js';
import { ChatRequest } from './request.js';

/** A request body as JSON, its depth checked before it is parsed. */
export function decodeJson(raw: Uint8Array): unknown {
  if (nestedDeeperThan(raw)) throw badRequest(`request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** A JSON object body, or a 400. */
export function decodeObject(raw: Uint8Array): Record<string, unknown> {
  const parsed = decodeJson(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

const STRICT = /^(1|true)$/i;

/**
 * Intake: the body (read within its bound by the caller) decoded, depth
 * first, and the fields routing needs checked by the client protocol's spec.
 * What is wrong is the client's 400, before any upstream is asked.
 */
export function intake(spec: ClientSpec, http: CoreRequest, raw: Uint8Array): ChatRequest {
  const body = decodeObject(raw);
  const fields = spec.chatFields(body);
  return new ChatRequest(spec, http, body, raw, fields, STRICT.test(header(http.headers, 'x-ones-strict') ?? ''));
}
