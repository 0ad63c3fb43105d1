/** One server-sent event as the parser hands it over. */
export interface SseEvent {
  event?: string | undefined;
  data: string;
}

/** OpenAI framing: data lines only. */
export const sseData = (json: unknown): string => `data: ${JSON.stringify(json)}\n\n`;

/** Anthropic framing: every event carries an `event:` line naming its type (the SDK drops frames without one). */
export const sseEvent = (type: string, json: unknown): string => `event: ${type}\ndata: ${JSON.stringify(json)}\n\n`;

export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * An error object of either protocol (`{"error":…}`, `{"type":"error",…}`), by its first bytes: relays of one
 * protocol send the other's shape often enough that both count for every upstream.
 */
export const isErrorObject = (json: string): boolean => json.startsWith('{"error"') || json.startsWith('{"type":"error"');

/** An SSE event that reports an error rather than content. */
export const isErrorEvent = (e: SseEvent): boolean => e.event === 'error' || isErrorObject(e.data);

/** A stream whose first bytes (latin1) are an error event. */
export function startsWithError(head: string): boolean {
  return head.startsWith('event: error') || isErrorObject(head.replace(/^data: ?/, ''));
}
