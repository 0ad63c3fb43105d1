import type { NeutralMessage } from './neutral.js';

/** A session's bounds, applied on every append: the oldest turns go first. */
export interface HistoryLimits {
  maxMessages: number;
  /** of the history's JSON */
  maxBytes: number;
}

/**
 * Where conversations live, keyed by a namespaced session id. Asynchronous so
 * that a shared store (Redis) stands behind the same interface. `append` is
 * one atomic write: parallel turns on one session each land whole, in the
 * order their answers finished.
 */
export interface SessionStore {
  /** the stored history, oldest first ([] for none); reading counts as use (expiry is since last use) */
  get(key: string): Promise<NeutralMessage[]>;
  /** appends turns, then trims to the limits (never parting a tool call from its result) */
  append(key: string, turns: readonly NeutralMessage[], limits: HistoryLimits): Promise<void>;
  /** forgets a session; true when there was one */
  clear(key: string): Promise<boolean>;
  /** how many sessions are stored (for reports) */
  size(): Promise<number>;
  /** stops background work */
  close(): Promise<void>;
}

/** The JSON size of each message, computed once per append. */
export const messageBytes = (m: NeutralMessage) => JSON.stringify(m).length;

/**
 * How many messages to drop from the front so that what is left is within
 * the limits and starts at a clean user turn: not an assistant turn, not a
 * tool result whose call was dropped.
 */
export function dropCount(sizes: readonly number[], messages: readonly NeutralMessage[], limits: HistoryLimits): number {
  let total = sizes.reduce((a, b) => a + b, 0);
  let drop = 0;
  while (drop < messages.length && (messages.length - drop > limits.maxMessages || total > limits.maxBytes)) total -= sizes[drop++]!;
  if (drop === 0) return 0;
  while (drop < messages.length && !startsCleanly(messages[drop]!)) drop++;
  return drop;
}

const startsCleanly = (m: NeutralMessage) => m.role === 'user' && !m.content.some((p) => p.type === 'tool_result');
