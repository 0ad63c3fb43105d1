/**
 * OpenAI Responses API wire types: zod schemas (loose: unknown fields pass
 * through) and the TypeScript types inferred from them. The request schema
 * is as strict as translation needs; item and tool types the proxy cannot
 * carry (hosted tools, their call items) are accepted and left out by the
 * bridges, never a 400. The answer schema is lenient where upstreams differ.
 */
import { z } from 'zod';
import { parseRequest } from '../validate.js';

// ---------- input content ----------

export const ResponsesInputTextSchema = z.looseObject({ type: z.literal('input_text'), text: z.string() });
export const ResponsesInputImageSchema = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.string().nullish(),
});
export const ResponsesInputFileSchema = z.looseObject({
  type: z.literal('input_file'),
  file_data: z.string().nullish(),
  file_id: z.string().nullish(),
  file_url: z.string().nullish(),
  filename: z.string().nullish(),
});
/** assistant history: what an answer's message held */
export const ResponsesOutputTextSchema = z.looseObject({ type: z.literal('output_text'), text: z.string() });
export const ResponsesRefusalSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

export const ResponsesContentPartSchema = z.discriminatedUnion('type', [
  ResponsesInputTextSchema,
  ResponsesInputImageSchema,
  ResponsesInputFileSchema,
  ResponsesOutputTextSchema,
  ResponsesRefusalSchema,
]);

// ---------- input items ----------

export const ResponsesMessageSchema = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(ResponsesContentPartSchema)]),
  id: z.string().nullish(),
});

export const ResponsesFunctionCallSchema = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
  id: z.string().nullish(),
});

/** a tool's output: text, or parts (text, images, files) */
const ToolOutput = z.union([z.string(), z.array(z.discriminatedUnion('type', [ResponsesInputTextSchema, ResponsesInputImageSchema, ResponsesInputFileSchema]))]);

export const ResponsesFunctionCallOutputSchema = z.looseObject({
  type: z.literal('function_call_output'),
  call_id: z.string(),
  output: ToolOutput,
});

export const ResponsesCustomToolCallSchema = z.looseObject({
  type: z.literal('custom_tool_call'),
  call_id: z.string(),
  name: z.string(),
  input: z.string(),
  id: z.string().nullish(),
});

export const ResponsesCustomToolCallOutputSchema = z.looseObject({
  type: z.literal('custom_tool_call_output'),
  call_id: z.string(),
  output: ToolOutput,
});

export const ResponsesSummaryTextSchema = z.looseObject({ type: z.literal('summary_text'), text: z.string() });

export const ResponsesReasoningSchema = z.looseObject({
  type: z.literal('reasoning'),
  id: z.string().nullish(),
  summary: z.array(ResponsesSummaryTextSchema),
  content: z.array(z.looseObject({ type: z.string(), text: z.string().nullish() })).nullish(),
  /** the thinking signature of a Claude answer, or an OpenAI model's own encrypted reasoning */
  encrypted_content: z.string().nullish(),
});

const KNOWN_ITEMS = new Set(['message', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output', 'reasoning']);

/** an item type the proxy does not carry (hosted tool calls, item references): accepted, left out */
export const ResponsesOtherItemSchema = z.looseObject({ type: z.string().refine((t) => !KNOWN_ITEMS.has(t), 'a known item type with wrong fields') });

export const ResponsesInputItemSchema = z.union([
  ResponsesMessageSchema,
  ResponsesFunctionCallSchema,
  ResponsesFunctionCallOutputSchema,
  ResponsesCustomToolCallSchema,
  ResponsesCustomToolCallOutputSchema,
  ResponsesReasoningSchema,
  ResponsesOtherItemSchema,
]);

// ---------- tools and options ----------

export const ResponsesFunctionToolSchema = z.looseObject({
  type: z.literal('function'),
  name: z.string(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});

/** a freeform tool (Codex's apply_patch): its input is one string, optionally in a grammar */
export const ResponsesCustomToolSchema = z.looseObject({
  type: z.literal('custom'),
  name: z.string(),
  description: z.string().nullish(),
  format: z.looseObject({ type: z.string() }).nullish(),
});

/** hosted tools (web_search, file_search, …) only the Responses API itself runs */
export const ResponsesHostedToolSchema = z.looseObject({ type: z.string().refine((t) => t !== 'function' && t !== 'custom', 'a known tool type with wrong fields') });

export const ResponsesToolSchema = z.union([ResponsesFunctionToolSchema, ResponsesCustomToolSchema, ResponsesHostedToolSchema]);

export const ResponsesToolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.enum(['function', 'custom']), name: z.string() }),
  z.looseObject({ type: z.literal('allowed_tools'), mode: z.enum(['auto', 'required']), tools: z.array(z.looseObject({ type: z.string(), name: z.string().nullish() })) }),
  // a hosted tool forced: nothing a translated upstream can run
  z.looseObject({ type: z.string() }),
]);

export const ResponsesTextFormatSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string(),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().nullish(),
    strict: z.boolean().nullish(),
  }),
]);

export const ResponsesEffortSchema = z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);

export const ResponsesRequestSchema = z.looseObject({
  model: z.string(),
  input: z.union([z.string(), z.array(ResponsesInputItemSchema)]),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  tools: z.array(ResponsesToolSchema).nullish(),
  tool_choice: ResponsesToolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  reasoning: z.looseObject({ effort: ResponsesEffortSchema.nullish(), summary: z.string().nullish() }).nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  text: z.looseObject({ format: ResponsesTextFormatSchema.nullish(), verbosity: z.enum(['low', 'medium', 'high']).nullish() }).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  user: z.string().nullish(),
  store: z.boolean().nullish(),
  include: z.array(z.string()).nullish(),
  prompt_cache_key: z.string().nullish(),
  previous_response_id: z.string().nullish(),
});

// ---------- answers ----------

export const ResponsesUsageSchema = z.looseObject({
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number().nullish(),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  output_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

/** an answer's output item: those the bridges read are checked, any other type passes (and is left out) */
export const ResponsesOutputItemSchema = z.union([
  z.looseObject({
    type: z.literal('message'),
    id: z.string().nullish(),
    role: z.string().nullish(),
    content: z.array(z.looseObject({ type: z.string(), text: z.string().nullish(), refusal: z.string().nullish() })),
  }),
  ResponsesFunctionCallSchema,
  ResponsesCustomToolCallSchema,
  ResponsesReasoningSchema,
  ResponsesOtherItemSchema,
]);

export const ResponsesResponseSchema = z.looseObject({
  id: z.string().nullish(),
  object: z.string().nullish(),
  status: z.string().nullish(),
  model: z.string().nullish(),
  output: z.array(ResponsesOutputItemSchema),
  incomplete_details: z.looseObject({ reason: z.string().nullish() }).nullish(),
  usage: ResponsesUsageSchema.nullish(),
});

export type ResponsesContentPart = z.infer<typeof ResponsesContentPartSchema>;
export type ResponsesMessage = z.infer<typeof ResponsesMessageSchema>;
export type ResponsesFunctionCall = z.infer<typeof ResponsesFunctionCallSchema>;
export type ResponsesFunctionCallOutput = z.infer<typeof ResponsesFunctionCallOutputSchema>;
export type ResponsesReasoning = z.infer<typeof ResponsesReasoningSchema>;
export type ResponsesCustomToolCall = z.infer<typeof ResponsesCustomToolCallSchema>;
export type ResponsesInputItem = z.infer<typeof ResponsesInputItemSchema>;
export type ResponsesTool = z.infer<typeof ResponsesToolSchema>;
export type ResponsesToolChoice = z.infer<typeof ResponsesToolChoiceSchema>;
export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>;
export type ResponsesUsage = z.infer<typeof ResponsesUsageSchema>;
export type ResponsesOutputItem = z.infer<typeof ResponsesOutputItemSchema>;
export type ResponsesResponse = z.infer<typeof ResponsesResponseSchema>;

/** Validates a Responses request; throws ProxyError(400) naming the first bad field. */
export function parseResponsesRequest(body: unknown): ResponsesRequest {
  return parseRequest(ResponsesRequestSchema, body);
}
