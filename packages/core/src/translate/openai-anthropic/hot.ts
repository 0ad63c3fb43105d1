/**
 * An Anthropic upstream's commonest events and answer, recognised by pattern
 * (see ../hot-patterns.ts): text deltas, the start of a text block, any
 * block's stop, message_stop, and a message of one text block.
 */
import type { AnthropicUsage } from '../../protocols/anthropic/types.js';
import { canonical, FLAT_OBJECT, INT, PLAIN, plainAnswer, TEXT } from '../hot-patterns.js';
import { chatCompletionId, nowSeconds } from '../ids.js';
import { anthropicUsageToOpenai, stopReasonToFinish } from '../mappings.js';
import type { TranslateContext } from '../types.js';

/** Anthropic `content_block_delta` carrying a `text_delta` */
const ANTHROPIC_TEXT_DELTA = new RegExp(String.raw`^\{"type":"content_block_delta","index":${INT},"delta":\{"type":"text_delta","text":${TEXT}\}\}$`);

/** Anthropic's other per-block events, of which only the index varies: the start of a text block, and any block's stop */
const ANTHROPIC_TEXT_BLOCK_START = /^\{"type":"content_block_start","index":(0|[1-9]\d{0,8}),"content_block":\{"type":"text","text":""\}\}$/;
const ANTHROPIC_BLOCK_STOP = /^\{"type":"content_block_stop","index":(0|[1-9]\d{0,8})\}$/;
export const ANTHROPIC_MESSAGE_STOP = '{"type":"message_stop"}';

/** The index of an Anthropic content_block_start opening an empty text block, else -1. */
export function anthropicTextBlockStart(data: string): number {
  const m = ANTHROPIC_TEXT_BLOCK_START.exec(data);
  return m ? Number(m[1]) : -1;
}

/** The index of an Anthropic content_block_stop, else -1. */
export function anthropicBlockStop(data: string): number {
  const m = ANTHROPIC_BLOCK_STOP.exec(data);
  return m ? Number(m[1]) : -1;
}

/** The text of an Anthropic text_delta event as a JSON string literal, else null. */
export function anthropicTextDelta(data: string): string | null {
  const m = ANTHROPIC_TEXT_DELTA.exec(data);
  return m ? canonical(m[1]!) : null;
}

/** Fields in the order the Messages API writes them; groups: text, stop_reason, usage */
const ANTHROPIC_TEXT_ANSWER = new RegExp(
  String.raw`^\{"id":${PLAIN},"type":"message","role":"assistant","model":${PLAIN},"content":\[\{"type":"text","text":${TEXT}\}\],` +
    String.raw`"stop_reason":(?:null|"([a-z_]+)"),"stop_sequence":null,"usage":${FLAT_OBJECT}\}$`,
);

const count = (v: unknown) => typeof v === 'number';
const countOrNone = (v: unknown) => v === undefined || v === null || typeof v === 'number';

/**
 * Usage whose counters are plainly numbers: a subset of what the full path's schema accepts (a zod
 * parse here cost more than the rest of this path); anything else goes the full way and its checks.
 */
function plainUsage(u: Record<string, unknown>): u is AnthropicUsage {
  return count(u.input_tokens) && count(u.output_tokens) && countOrNone(u.cache_read_input_tokens) && countOrNone(u.cache_creation_input_tokens);
}

/** The OpenAI completion for an Anthropic answer of one text block, or null for any other answer. */
export function anthropicTextAnswerToOpenai(answer: string, ctx: TranslateContext): string | null {
  const a = plainAnswer(ANTHROPIC_TEXT_ANSWER, answer);
  if (!a || !plainUsage(a.usage)) return null;
  return (
    `{"id":"${chatCompletionId()}","object":"chat.completion","created":${nowSeconds()},"model":${JSON.stringify(ctx.model)},` +
    `"choices":[{"index":0,"message":{"role":"assistant","content":${a.text},"refusal":null},"finish_reason":"${stopReasonToFinish(a.stop, false)}","logprobs":null}],` +
    `"usage":${JSON.stringify(anthropicUsageToOpenai(a.usage))}}`
  );
}

