import { badRequest } from '../errors.js';
import { modelIdProblem } from '../router/catalog.js';
import type { ErrorTypes } from './types.js';

/** A chat body's `model`, as every protocol names it; 400 naming the field when it is wrong. */
export function modelOf(body: Record<string, unknown>): string {
  const model = body.model;
  if (model === undefined || model === null || model === '') throw badRequest('model: required', 'model');
  if (typeof model !== 'string') throw badRequest('model: must be a string', 'model');
  const problem = modelIdProblem(model);
  if (problem) throw badRequest(`model: ${problem}`, 'model');
  return model;
}

/** A chat body's `stream` flag; 400 when it is not a boolean. */
export function streamOf(body: Record<string, unknown>): boolean {
  const stream = body.stream;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw badRequest('stream: must be a boolean', 'stream');
  return stream === true;
}

/** A non-empty `messages` array, or a 400 naming it. */
export function messageList(body: Record<string, unknown>): unknown[] {
  const messages = body.messages;
  if (!Array.isArray(messages)) throw badRequest(messages === undefined ? 'messages: required' : 'messages: must be an array', 'messages');
  if (messages.length === 0) throw badRequest('messages: must hold at least one message', 'messages');
  return messages;
}

/** Does any message carry a content part of the given type (the protocol's image part)? */
export function hasPart(messages: unknown[], type: string): boolean {
  for (const m of messages) {
    const content = (m as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (const p of content) if ((p as { type?: unknown } | null)?.type === type) return true;
  }
  return false;
}

/**
 * An error-type table read both ways; `fallback` for statuses the table lacks; a type several statuses
 * share reads back as the lowest of them, or as `canonical` says.
 */
export function errorTypes(
  table: Record<number, [type: string, code: string | null]>,
  fallback: (status: number) => [string, string | null],
  canonical: Record<string, number> = {},
): ErrorTypes {
  const byType = new Map<string, number>(Object.entries(canonical));
  for (const [status, [type]] of Object.entries(table)) if (!byType.has(type)) byType.set(type, Number(status));
  return {
    typeOf(status: number) {
      const [type, code] = table[status] ?? fallback(status);
      return { type, code };
    },
    statusOf(type: unknown, code?: unknown): number {
      if (typeof code === 'number' && code >= 400 && code < 600) return code;
      return (typeof type === 'string' && byType.get(type)) || 500;
    },
  };
}
