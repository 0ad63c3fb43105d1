/**
 * An OpenAI upstream's commonest frames and answer, recognised by pattern
 * (see ../hot-patterns.ts): text chunks (with the first chunk's role and the
 * finish), the include_usage chunk, and a completion of only text.
 */
import { OpenAIUsageSchema } from '../../protocols/openai/types.js';
import { canonical, EMPTY_TEXT, FLAT_OBJECT, INT, PLAIN, plainAnswer, TEXT } from '../hot-patterns.js';
import { messageId } from '../ids.js';
import { parseJsonObject } from '../json.js';
import { finishToStopReason, openaiUsageToAnthropic } from '../mappings.js';
import type { TranslateContext } from '../types.js';

/** The start of every OpenAI `chat.completion.chunk`, up to its choices; fields as OpenAI and compatible servers order them */
const OPENAI_CHUNK_HEAD =
  String.raw`^\{"id":${PLAIN},"object":"chat\.completion\.chunk","created":${INT},"model":${PLAIN},` +
  String.raw`(?:"service_tier":(?:null|${PLAIN}),)?(?:"system_fingerprint":(?:null|${PLAIN}),)?"choices":`;
const OPENAI_CHUNK_TAIL = String.raw`(?:,"obfuscation":${PLAIN})?\}$`;

/** A chunk whose delta is at most text (with the first chunk's role) and whose finish_reason is null or a plain word */
const OPENAI_TEXT_CHUNK = new RegExp(
  OPENAI_CHUNK_HEAD +
    String.raw`\[\{"index":0,"delta":\{(?:(?:"role":"assistant",)?"content":${TEXT}(?:,"refusal":null)?)?\},` +
    String.raw`"logprobs":null,"finish_reason":(?:null|"([a-z_]+)")\}\](?:,"usage":null)?` +
    OPENAI_CHUNK_TAIL,
);

/** The include_usage chunk: no choices, the usage */
const OPENAI_USAGE_CHUNK = new RegExp(OPENAI_CHUNK_HEAD + String.raw`\[\],"usage":${FLAT_OBJECT}` + OPENAI_CHUNK_TAIL);

export interface OpenAITextChunk {
  /** the delta's text as a JSON string literal (EMPTY_TEXT when there is none) */
  text: string;
  /** finish_reason, or '' while the answer goes on */
  finish: string;
}

/** The text and finish_reason of an OpenAI chunk that holds nothing else, else null. */
export function openaiTextChunk(data: string): OpenAITextChunk | null {
  const m = OPENAI_TEXT_CHUNK.exec(data);
  if (!m) return null;
  const text = m[1] === undefined ? EMPTY_TEXT : canonical(m[1]);
  return text === null ? null : { text, finish: m[2] ?? '' };
}

/** The usage of an OpenAI include_usage chunk (parsed alone), else null. */
export function openaiUsageChunk(data: string): Record<string, unknown> | null {
  const m = OPENAI_USAGE_CHUNK.exec(data);
  return m ? parseJsonObject(m[1]!) : null;
}


/**
 * An OpenAI completion of one choice whose message is only text; fields in the order OpenAI writes
 * them. Groups: text, finish_reason, usage.
 */
const OPENAI_TEXT_ANSWER = new RegExp(
  String.raw`^\{"id":${PLAIN},"object":"chat\.completion","created":${INT},"model":${PLAIN},` +
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
