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
import { parseJsonObject } from './json.js';
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
function plainUsage(u: Record<string, unknown>): u is AnthropicUsage {
  return count(u.input_tokens) && count(u.output_tokens) && countOrNone(u.cache_read_input_tokens) && countOrNone(u.cache_creation_input_tokens);
}

/** A matched answer: its text as a JSON literal, its stop/finish word (if any) and its usage, parsed alone. */
interface PlainAnswer {
  text: string;
  stop: string | undefined;
  usage: Record<string, unknown>;
}

/** What both directions read the same way; groups of `pattern`: text, stop/finish word, usage. */
function plainAnswer(pattern: RegExp, answer: string): PlainAnswer | null {
  const m = pattern.exec(answer);
  const text = m ? canonical(m[1]!) : null;
  const usage = text === null ? null : parseJsonObject(m![3]!);
  return usage ? { text: text!, stop: m![2], usage } : null;
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
  const a = plainAnswer(OPENAI_TEXT_ANSWER, answer);
  // an empty text is no text block at all: the full path knows
  if (!a || a.text === EMPTY_TEXT) return null;
  // its details are nested and optional: the schema checks them (still far less than the whole answer's parse)
  const usage = OpenAIUsageSchema.safeParse(a.usage);
  if (!usage.success) return null;
  return (
    `{"id":"${messageId()}","type":"message","role":"assistant","model":${JSON.stringify(ctx.model)},"content":[{"type":"text","text":${a.text}}],` +
    `"stop_reason":"${finishToStopReason(a.stop, false)}","stop_sequence":null,"usage":${JSON.stringify(openaiUsageToAnthropic(usage.data))}}`
  );
}
