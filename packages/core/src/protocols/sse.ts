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
