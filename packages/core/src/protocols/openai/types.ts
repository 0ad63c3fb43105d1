/**
 * OpenAI Chat Completions wire types: zod schemas (loose: unknown fields pass
 * through) and the TypeScript types inferred from them. Request schemas are
 * as strict as translation needs; response and chunk schemas are lenient
 * (`nullish`) where real providers are sloppy, so the inferred types make the
 * translators handle missing fields.
 */
import { z } from 'zod';
import { parseRequest } from '../validate.js';

/** Non-standard but sent by clients that target Anthropic through OpenAI-shaped routers (OpenRouter style). */
const CacheControl = z.looseObject({ type: z.literal('ephemeral'), ttl: z.string().nullish() });

// ---------- request content ----------

export const OpenAITextPartSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: CacheControl.nullish(),
});
export const OpenAIImagePartSchema = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string(), detail: z.string().nullish() }),
});
export const OpenAIFilePartSchema = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({ file_data: z.string().nullish(), file_id: z.string().nullish(), filename: z.string().nullish() }),
});
export const OpenAIAudioPartSchema = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string(), format: z.string() }),
});
export const OpenAIRefusalPartSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

export const OpenAIUserPartSchema = z.discriminatedUnion('type', [
  OpenAITextPartSchema,
  OpenAIImagePartSchema,
  OpenAIFilePartSchema,
  OpenAIAudioPartSchema,
]);
const TextContent = z.union([z.string(), z.array(OpenAITextPartSchema)]);

export const OpenAIToolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

export const OpenAISystemMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer']),
  content: TextContent,
  name: z.string().optional(),
});
export const OpenAIUserMessageSchema = z.looseObject({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(OpenAIUserPartSchema)]),
  name: z.string().optional(),
});
export const OpenAIAssistantMessageSchema = z.looseObject({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [OpenAITextPartSchema, OpenAIRefusalPartSchema]))]).nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(OpenAIToolCallSchema).nullish(),
  /** reasoning text (DeepSeek, vLLM, and this proxy's answers from thinking models) */
  reasoning_content: z.string().nullish(),
  /** this proxy's extension: the Anthropic thinking signature, so a round trip can restore the thinking block */
  reasoning_signature: z.string().nullish(),
  name: z.string().optional(),
});
export const OpenAIToolMessageSchema = z.looseObject({
  role: z.literal('tool'),
  tool_call_id: z.string(),
  content: TextContent,
});
export const OpenAIMessageSchema = z.discriminatedUnion('role', [
  OpenAISystemMessageSchema,
  OpenAIUserMessageSchema,
  OpenAIAssistantMessageSchema,
  OpenAIToolMessageSchema,
]);

// ---------- request options ----------

export const OpenAIToolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string(),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

const NamedFunction = z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) });
export const OpenAIToolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  NamedFunction,
  z.looseObject({
    type: z.literal('allowed_tools'),
    allowed_tools: z.looseObject({ mode: z.enum(['auto', 'required']), tools: z.array(NamedFunction) }),
  }),
]);

export const OpenAIResponseFormatSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string(),
      description: z.string().nullish(),
      schema: z.record(z.string(), z.unknown()).nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

export const OpenAIReasoningEffortSchema = z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);

export const OpenAIChatRequestSchema = z.looseObject({
  model: z.string(),
  messages: z.array(OpenAIMessageSchema),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  n: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  tools: z.array(OpenAIToolSchema).nullish(),
  tool_choice: OpenAIToolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: OpenAIResponseFormatSchema.nullish(),
  reasoning_effort: OpenAIReasoningEffortSchema.nullish(),
  user: z.string().nullish(),
});

// ---------- responses ----------

export const OpenAIUsageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number().nullish(),
  prompt_tokens_details: z
    .looseObject({
      cached_tokens: z.number().nullish(),
      /** OpenRouter's name for cache writes; the Vercel AI SDK reads it too */
      cache_write_tokens: z.number().nullish(),
    })
    .nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

export const OpenAIResponseMessageSchema = z.looseObject({
  role: z.literal('assistant').nullish(),
  content: z.string().nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(OpenAIToolCallSchema).nullish(),
  reasoning_content: z.string().nullish(),
  /** some providers (OpenRouter, newer vLLM) name the reasoning text `reasoning` */
  reasoning: z.string().nullish(),
  reasoning_signature: z.string().nullish(),
});

/** What an upstream must answer for translation: choices with messages. Envelope fields sloppy providers omit are optional. */
export const OpenAIChatCompletionSchema = z.looseObject({
  id: z.string().nullish(),
  object: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.looseObject({
      index: z.number().nullish(),
      message: OpenAIResponseMessageSchema,
      finish_reason: z.string().nullish(),
      logprobs: z.unknown().nullish(),
    }),
  ),
  usage: OpenAIUsageSchema.nullish(),
});

export const OpenAIToolCallDeltaSchema = z.looseObject({
  index: z.number().nullish(),
  id: z.string().nullish(),
  type: z.literal('function').nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

export const OpenAIChunkDeltaSchema = z.looseObject({
  role: z.literal('assistant').nullish(),
  content: z.string().nullish(),
  refusal: z.string().nullish(),
  reasoning_content: z.string().nullish(),
  reasoning: z.string().nullish(),
  reasoning_signature: z.string().nullish(),
  tool_calls: z.array(OpenAIToolCallDeltaSchema).nullish(),
});

export const OpenAIErrorSchema = z.looseObject({
  message: z.string(),
  type: z.string().nullish(),
  param: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
});

export const OpenAIChunkSchema = z.looseObject({
  id: z.string().nullish(),
  object: z.literal('chat.completion.chunk').nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().nullish(),
        delta: OpenAIChunkDeltaSchema.nullish(),
        finish_reason: z.string().nullish(),
        logprobs: z.unknown().nullish(),
      }),
    )
    .nullish(),
  usage: OpenAIUsageSchema.nullish(),
  /** an in-stream error: `data: {"error":{…}}` */
  error: OpenAIErrorSchema.nullish(),
});

export type OpenAITextPart = z.infer<typeof OpenAITextPartSchema>;
export type OpenAIImagePart = z.infer<typeof OpenAIImagePartSchema>;
export type OpenAIFilePart = z.infer<typeof OpenAIFilePartSchema>;
export type OpenAIUserPart = z.infer<typeof OpenAIUserPartSchema>;
export type OpenAIToolCall = z.infer<typeof OpenAIToolCallSchema>;
export type OpenAISystemMessage = z.infer<typeof OpenAISystemMessageSchema>;
export type OpenAIUserMessage = z.infer<typeof OpenAIUserMessageSchema>;
export type OpenAIAssistantMessage = z.infer<typeof OpenAIAssistantMessageSchema>;
export type OpenAIToolMessage = z.infer<typeof OpenAIToolMessageSchema>;
export type OpenAIMessage = z.infer<typeof OpenAIMessageSchema>;
export type OpenAITool = z.infer<typeof OpenAIToolSchema>;
export type OpenAIToolChoice = z.infer<typeof OpenAIToolChoiceSchema>;
export type OpenAIResponseFormat = z.infer<typeof OpenAIResponseFormatSchema>;
export type OpenAIReasoningEffort = z.infer<typeof OpenAIReasoningEffortSchema>;
export type OpenAIChatRequest = z.infer<typeof OpenAIChatRequestSchema>;
export type OpenAIUsage = z.infer<typeof OpenAIUsageSchema>;
export type OpenAIResponseMessage = z.infer<typeof OpenAIResponseMessageSchema>;
export type OpenAIChatCompletion = z.infer<typeof OpenAIChatCompletionSchema>;
export type OpenAIToolCallDelta = z.infer<typeof OpenAIToolCallDeltaSchema>;
export type OpenAIChunkDelta = z.infer<typeof OpenAIChunkDeltaSchema>;
export type OpenAIChunk = z.infer<typeof OpenAIChunkSchema>;
export type OpenAIError = z.infer<typeof OpenAIErrorSchema>;

/** Validates an OpenAI Chat Completions request; throws ProxyError(400) naming the first bad field. */
export function parseOpenAIRequest(body: unknown): OpenAIChatRequest {
  return parseRequest(OpenAIChatRequestSchema, body);
}
