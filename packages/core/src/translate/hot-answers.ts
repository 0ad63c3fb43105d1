/**
 * The non-stream answer most calls get, one text block and the usage,
 * recognised whole by an anchored pattern: the client's JSON is written from
 * a template with the text's JSON literal copied in, instead of parsing,
 * validating, translating and re-serialising the whole answer (only the
 * usage is parsed). Any other shape takes the full path; the
 * bytes are the same either way (tested).
 */
import type { AnthropicUsage } from '../protocols/anthropic/types.js';
import { canonical, FLAT_OBJECT, PLAIN, TEXT } from './hot-frames.js';
import { chatCompletionId, nowSeconds } from './ids.js';
import { anthropicUsageToOpenai, stopReasonToFinish } from './mappings.js';
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
