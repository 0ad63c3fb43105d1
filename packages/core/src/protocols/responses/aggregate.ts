import { ProxyError } from '../../errors.js';
import { asRecord, asString, parseJsonObject } from '../../translate/json.js';
import type { SseEvent } from '../sse.js';
import { OPENAI_ERRORS } from '../openai/errors.js';
import type { StreamAssembly } from '../types.js';

const END = new Set(['response.completed', 'response.incomplete']);

/** The type of a Responses event: its `event:` line, else its data's `type` (servers that send data lines only). */
export function eventType(e: SseEvent): string {
  if (e.event) return e.event;
  const m = /^\{"type":"([^"]+)"/.exec(e.data);
  return m ? m[1]! : asString(parseJsonObject(e.data)?.type);
}

/**
 * The response a Responses stream amounts to: its last event carries the
 * whole response object (`response.completed` or `response.incomplete`), so
 * only that event and errors are parsed.
 */
export class ResponsesStreamAggregate implements StreamAssembly {
  private response: Record<string, unknown> | null = null;
  private error: ProxyError | null = null;

  push(event: SseEvent): void {
    if (this.error) return;
    const type = eventType(event);
    if (END.has(type)) {
      this.response = asRecord(parseJsonObject(event.data)?.response);
    } else if (type === 'error' || type === 'response.failed') {
      const data = asRecord(parseJsonObject(event.data));
      const e = type === 'error' ? data : asRecord(asRecord(data.response).error);
      this.error = new ProxyError(OPENAI_ERRORS.statusOf(e.type, e.code), asString(e.message) || 'upstream error');
    }
  }

  finish(): object {
    if (this.error) throw this.error;
    if (!this.response) throw new ProxyError(502, 'upstream stream ended without response.completed');
    return this.response;
  }
}
