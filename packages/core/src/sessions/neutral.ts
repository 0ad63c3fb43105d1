/**
 * A conversation as sessions keep it: one shape for every protocol, so a
 * conversation begun on one route continues on another, and a turn stays
 * whole whichever protocol the provider spoke. Ids, signatures, images and
 * cache marks are kept as they came; what a protocol cannot carry is dropped
 * when the history is written back in its terms (protocols/<name>/history.ts).
 */
export type NeutralPart =
  | { type: 'text'; text: string; cache_control?: unknown }
  /** an image by URL, or inline (base64 data with its media type) */
  | { type: 'image'; url?: string; media_type?: string; data?: string; cache_control?: unknown }
  | { type: 'document'; media_type: string; data: string; title?: string; cache_control?: unknown }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_call'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_call_id: string; content: string; is_error?: boolean };

export interface NeutralMessage {
  role: 'user' | 'assistant';
  content: NeutralPart[];
}

/** How one client protocol reads its turns into the neutral form and writes stored history back. */
export interface HistoryCodec {
  /** the request's own turns (user messages, tool results, assistant turns the client sent), system and instructions left out */
  fromRequest(body: Record<string, unknown>): NeutralMessage[];
  /** a whole answer in this protocol → the assistant's turn; null when it holds nothing to keep */
  fromAnswer(answer: Record<string, unknown>): NeutralMessage | null;
  /** the body with `history` before its own messages (after any system prompt it carries) */
  withHistory(body: Record<string, unknown>, history: readonly NeutralMessage[]): Record<string, unknown>;
}
