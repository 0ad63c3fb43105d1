/**
 * Anthropic Messages wire types: zod schemas (loose: unknown fields pass
 * through) and the TypeScript types inferred from them. Request schemas are
 * as strict as translation needs; response and stream schemas are lenient
 * where that keeps a new upstream field or block type from breaking us.
 */
import { z } from 'zod';
import { parseRequest } from '../validate.js';

export const AnthropicCacheControlSchema = z.looseObject({ type: z.literal('ephemeral'), ttl: z.string().nullish() });
const cache_control = AnthropicCacheControlSchema.nullish();

// ---------- content blocks ----------

export const AnthropicTextBlockSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control,
  citations: z.array(z.unknown()).nullish(),
});

export const AnthropicImageSourceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('base64'), media_type: z.string(), data: z.string() }),
  z.looseObject({ type: z.literal('url'), url: z.string() }),
  z.looseObject({ type: z.literal('file'), file_id: z.string() }),
]);
export const AnthropicImageBlockSchema = z.looseObject({
  type: z.literal('image'),
  source: AnthropicImageSourceSchema,
  cache_control,
});

export const AnthropicDocumentSourceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('base64'), media_type: z.string(), data: z.string() }),
  z.looseObject({ type: z.literal('text'), media_type: z.string(), data: z.string() }),
  z.looseObject({ type: z.literal('url'), url: z.string() }),
  z.looseObject({ type: z.literal('content'), content: z.union([z.string(), z.array(z.unknown())]) }),
  z.looseObject({ type: z.literal('file'), file_id: z.string() }),
]);
export const AnthropicDocumentBlockSchema = z.looseObject({
  type: z.literal('document'),
  source: AnthropicDocumentSourceSchema,
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.unknown().nullish(),
  cache_control,
});

export const AnthropicToolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
  cache_control,
});

export const AnthropicToolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z
    .union([
      z.string(),
      z.array(z.discriminatedUnion('type', [AnthropicTextBlockSchema, AnthropicImageBlockSchema, AnthropicDocumentBlockSchema])),
    ])
    .nullish(),
  is_error: z.boolean().nullish(),
  cache_control,
});

export const AnthropicThinkingBlockSchema = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string(),
});
export const AnthropicRedactedThinkingBlockSchema = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });

export const AnthropicContentBlockSchema = z.discriminatedUnion('type', [
  AnthropicTextBlockSchema,
  AnthropicImageBlockSchema,
  AnthropicDocumentBlockSchema,
  AnthropicToolUseBlockSchema,
  AnthropicToolResultBlockSchema,
  AnthropicThinkingBlockSchema,
  AnthropicRedactedThinkingBlockSchema,
]);

export const AnthropicMessageParamSchema = z.looseObject({
  // `system` inside messages: recent Claude Code sends it
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(AnthropicContentBlockSchema)]),
});

// ---------- request options ----------

export const AnthropicToolSchema = z.looseObject({
  name: z.string(),
  description: z.string().nullish(),
  /** absent on server tools (`type: "web_search_20250305"` …), which only Anthropic can run */
  input_schema: z.record(z.string(), z.unknown()).nullish(),
  type: z.string().nullish(),
  cache_control,
});

const disable_parallel_tool_use = z.boolean().nullish();
export const AnthropicToolChoiceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use }),
  z.looseObject({ type: z.literal('none') }),
  z.looseObject({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use }),
]);

export const AnthropicThinkingConfigSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int() }),
  z.looseObject({ type: z.literal('disabled') }),
  z.looseObject({ type: z.literal('adaptive') }),
]);

export const AnthropicEffortSchema = z.enum(['low', 'medium', 'high', 'max']);

export const AnthropicOutputConfigSchema = z.looseObject({
  format: z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).nullish(),
  effort: AnthropicEffortSchema.nullish(),
});

export const AnthropicRequestSchema = z.looseObject({
  model: z.string(),
  messages: z.array(AnthropicMessageParamSchema),
  system: z.union([z.string(), z.array(AnthropicTextBlockSchema)]).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  stream: z.boolean().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  top_k: z.number().nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  tools: z.array(AnthropicToolSchema).nullish(),
  tool_choice: AnthropicToolChoiceSchema.nullish(),
  thinking: AnthropicThinkingConfigSchema.nullish(),
  output_config: AnthropicOutputConfigSchema.nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
});

// ---------- responses ----------

export const AnthropicUsageSchema = z.looseObject({
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});

export const AnthropicResponseBlockSchema = z.discriminatedUnion('type', [
  AnthropicTextBlockSchema,
  AnthropicThinkingBlockSchema,
  AnthropicRedactedThinkingBlockSchema,
  AnthropicToolUseBlockSchema,
]);
const RESPONSE_BLOCK_TYPES = new Set(['text', 'thinking', 'redacted_thinking', 'tool_use']);

export const AnthropicStopReasonSchema = z.enum([
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
]);

/** What an upstream must answer for translation: content blocks. Envelope fields are optional for leniency. */
export const AnthropicMessageSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.literal('message').nullish(),
  role: z.literal('assistant').nullish(),
  model: z.string().nullish(),
  // blocks this proxy cannot translate (server tools, new types) are dropped; the ones it knows must be well formed
  content: z
    .array(z.looseObject({ type: z.string() }))
    .transform((blocks) => blocks.filter((b) => RESPONSE_BLOCK_TYPES.has(b.type)))
    .pipe(z.array(AnthropicResponseBlockSchema)),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: AnthropicUsageSchema.nullish(),
});

// ---------- stream events ----------

/** `message_delta.usage`: output_tokens is required (the SDK reads it unconditionally), the rest cumulative when present */
export const AnthropicDeltaUsageSchema = z.looseObject({
  output_tokens: z.number(),
  input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});

export const AnthropicBlockDeltaSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text_delta'), text: z.string() }),
  z.looseObject({ type: z.literal('input_json_delta'), partial_json: z.string() }),
  z.looseObject({ type: z.literal('thinking_delta'), thinking: z.string() }),
  z.looseObject({ type: z.literal('signature_delta'), signature: z.string() }),
]);

export const AnthropicErrorSchema = z.looseObject({ type: z.string(), message: z.string() });

export const AnthropicStreamEventSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('message_start'), message: AnthropicMessageSchema }),
  z.looseObject({ type: z.literal('content_block_start'), index: z.number(), content_block: AnthropicResponseBlockSchema }),
  z.looseObject({ type: z.literal('content_block_delta'), index: z.number(), delta: AnthropicBlockDeltaSchema }),
  z.looseObject({ type: z.literal('content_block_stop'), index: z.number() }),
  z.looseObject({
    type: z.literal('message_delta'),
    delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }),
    usage: AnthropicDeltaUsageSchema,
  }),
  z.looseObject({ type: z.literal('message_stop') }),
  z.looseObject({ type: z.literal('ping') }),
  z.looseObject({ type: z.literal('error'), error: AnthropicErrorSchema }),
]);

export type AnthropicCacheControl = z.infer<typeof AnthropicCacheControlSchema>;
export type AnthropicTextBlock = z.infer<typeof AnthropicTextBlockSchema>;
export type AnthropicImageSource = z.infer<typeof AnthropicImageSourceSchema>;
export type AnthropicImageBlock = z.infer<typeof AnthropicImageBlockSchema>;
export type AnthropicDocumentBlock = z.infer<typeof AnthropicDocumentBlockSchema>;
export type AnthropicToolUseBlock = z.infer<typeof AnthropicToolUseBlockSchema>;
export type AnthropicToolResultBlock = z.infer<typeof AnthropicToolResultBlockSchema>;
export type AnthropicThinkingBlock = z.infer<typeof AnthropicThinkingBlockSchema>;
export type AnthropicContentBlock = z.infer<typeof AnthropicContentBlockSchema>;
export type AnthropicMessageParam = z.infer<typeof AnthropicMessageParamSchema>;
export type AnthropicTool = z.infer<typeof AnthropicToolSchema>;
export type AnthropicToolChoice = z.infer<typeof AnthropicToolChoiceSchema>;
export type AnthropicThinkingConfig = z.infer<typeof AnthropicThinkingConfigSchema>;
export type AnthropicEffort = z.infer<typeof AnthropicEffortSchema>;
export type AnthropicRequest = z.infer<typeof AnthropicRequestSchema>;
export type AnthropicUsage = z.infer<typeof AnthropicUsageSchema>;
export type AnthropicResponseBlock = z.infer<typeof AnthropicResponseBlockSchema>;
export type AnthropicStopReason = z.infer<typeof AnthropicStopReasonSchema>;
export type AnthropicMessage = z.infer<typeof AnthropicMessageSchema>;
export type AnthropicDeltaUsage = z.infer<typeof AnthropicDeltaUsageSchema>;
export type AnthropicBlockDelta = z.infer<typeof AnthropicBlockDeltaSchema>;
export type AnthropicStreamEvent = z.infer<typeof AnthropicStreamEventSchema>;

/** Validates an Anthropic Messages request; throws ProxyError(400) naming the first bad field. */
export function parseAnthropicRequest(body: unknown): AnthropicRequest {
  return parseRequest(AnthropicRequestSchema, body);
}
