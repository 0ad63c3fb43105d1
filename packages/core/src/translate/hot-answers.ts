/**
 * The non-stream answer most calls get, one piece of text and the usage,
 * recognised whole by an anchored pattern: the client's JSON is written from
 * a template with the text's JSON literal copied in, instead of parsing,
 * validating, translating and re-serialising the whole answer (only the
 * usage is parsed). Any other shape takes the full path; the bytes are the
 * same either way (tested).
 */
import type { AnthropicUsage } from '../protocols/anthropic/types.js';
import { OpenAIUsageSchema } from '../protocols/openai/types.js';
import { canonical, EMPTY_TEXT, FLAT_OBJECT, PLAIN, TEXT } from './hot-frames.js';
import { chatCompletionId, messageId, nowSeconds } from './ids.js';
import { anthropicUsageToOpenai, finishToStopReason, openaiUsageToAnthropic, stopReasonToFinish } from './mappings.js';
import type { TranslateContext } from './types.js';

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
function plainUsage(u: unknown): u is AnthropicUsage {
  if (typeof u !== 'object' || u === null) return false;
  const x = u as Record<string, unknown>;
  return count(x.input_tokens) && count(x.output_tokens) && countOrNone(x.cache_read_input_tokens) && countOrNone(x.cache_creation_input_tokens);
}

/** The OpenAI completion for an Anthropic answer of one text block, or null for any other answer. */
export function anthropicTextAnswerToOpenai(answer: string, ctx: TranslateContext): string | null {
  const m = ANTHROPIC_TEXT_ANSWER.exec(answer);
  const text = m ? canonical(m[1]!) : null;
  if (text === null) return null;
  let usage: unknown;
  try {
    usage = JSON.parse(m![3]!);
  } catch {
    return null;
  }
  if (!plainUsage(usage)) return null;
  return (
    `{"id":"${chatCompletionId()}","object":"chat.completion","created":${nowSeconds()},"model":${JSON.stringify(ctx.model)},` +
    `"choices":[{"index":0,"message":{"role":"assistant","content":${text},"refusal":null},"finish_reason":"${stopReasonToFinish(m![2], false)}","logprobs":null}],` +
    `"usage":${JSON.stringify(anthropicUsageToOpenai(usage))}}`
  );
}

/**
 * An OpenAI completion of one choice whose message is only text; fields in the order OpenAI writes
 * them. Groups: text, finish_reason, usage.
 */
const OPENAI_TEXT_ANSWER = new RegExp(
  String.raw`^\{"id":${PLAIN},"object":"chat\.completion","created":\d+,"model":${PLAIN},` +
    String.raw`"choices":\[\{"index":0,"message":\{"role":"assistant","content":${TEXT},"refusal":null(?:,"annotations":\[\])?\},` +
    String.raw`"logprobs":null,"finish_reason":"([a-z_]+)"\}\],"usage":${FLAT_OBJECT}` +
    String.raw`(?:,"service_tier":(?:null|${PLAIN}))?(?:,"system_fingerprint":(?:null|${PLAIN}))?\}$`,
);

/** The Anthropic message for an OpenAI completion whose message is only (non-empty) text, or null for any other answer. */
export function openaiTextAnswerToAnthropic(answer: string, ctx: TranslateContext): string | null {
  const m = OPENAI_TEXT_ANSWER.exec(answer);
  const text = m ? canonical(m[1]!) : null;
  // an empty text is no text block at all: the full path knows
  if (text === null || text === EMPTY_TEXT) return null;
  let usage;
  try {
    // its details are nested and optional: the schema checks them (still far less than the whole answer's parse)
    usage = OpenAIUsageSchema.safeParse(JSON.parse(m![3]!));
  } catch {
    return null;
  }
  if (!usage.success) return null;
  return (
    `{"id":"${messageId()}","type":"message","role":"assistant","model":${JSON.stringify(ctx.model)},"content":[{"type":"text","text":${text}}],` +
    `"stop_reason":"${finishToStopReason(m![2], false)}","stop_sequence":null,"usage":${JSON.stringify(openaiUsageToAnthropic(usage.data))}}`
  );
}
