/**
 * The request of a Chat Completions client as a Responses request, for an
 * upstream only the Responses API serves (and, after the Anthropic → OpenAI
 * translation, an Anthropic client's). See docs/responses.md.
 */
import { badRequest } from '../../errors.js';
import type { OpenAIChatRequest, OpenAIToolChoice, OpenAIUserPart } from '../../protocols/openai/types.js';
import { takesReasoningEffort } from '../mappings.js';
import type { TranslateContext } from '../types.js';

/** The Responses API's least max_output_tokens: a smaller limit from the client is raised to it. */
const MIN_OUTPUT_TOKENS = 16;

const textOf = (content: string | { text: string }[] | null | undefined) => (typeof content === 'string' ? content : (content ?? []).map((p) => p.text).join(''));

export function chatToResponses(req: OpenAIChatRequest, ctx: TranslateContext): Record<string, unknown> {
  if (req.n != null && req.n > 1) throw badRequest('n: only n=1 is supported by this model', 'n');
  const input: unknown[] = [];
  req.messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        input.push({ role: m.role, content: textOf(m.content) });
        break;
      case 'user':
        input.push({ role: 'user', content: typeof m.content === 'string' ? m.content : m.content.map((p, j) => userPart(p, `messages.${i}.content.${j}`)) });
        break;
      case 'assistant': {
        const text = typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => (p.type === 'text' ? p.text : p.refusal)).join('');
        // reasoning in the history is left out: only the Responses API's own encrypted reasoning could go back
        if (text) input.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });
        for (const call of m.tool_calls ?? []) input.push({ type: 'function_call', call_id: call.id, name: call.function.name, arguments: call.function.arguments });
        break;
      }
      case 'tool':
        input.push({ type: 'function_call_output', call_id: m.tool_call_id, output: textOf(m.content) });
        break;
    }
  });
  // the proxy's clients here do not ask for stored responses
  const out: Record<string, unknown> = { model: req.model, input, store: false };
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (max != null) out.max_output_tokens = Math.max(MIN_OUTPUT_TOKENS, max);
  if (req.temperature != null) out.temperature = req.temperature;
  if (req.top_p != null) out.top_p = req.top_p;
  if (req.tools?.length) {
    out.tools = req.tools.map(({ function: f }) => ({
      type: 'function',
      name: f.name,
      ...(f.description ? { description: f.description } : {}),
      parameters: f.parameters ?? { type: 'object', properties: {} },
      ...(f.strict != null ? { strict: f.strict } : {}),
    }));
    const choice = toolChoice(req.tool_choice);
    if (choice) out.tool_choice = choice;
    if (req.parallel_tool_calls != null) out.parallel_tool_calls = req.parallel_tool_calls;
  }
  const text: Record<string, unknown> = {};
  const format = req.response_format;
  if (format?.type === 'json_schema') {
    const s = format.json_schema;
    text.format = { type: 'json_schema', name: s.name, schema: s.schema ?? { type: 'object' }, ...(s.strict != null ? { strict: s.strict } : {}), ...(s.description ? { description: s.description } : {}) };
  } else if (format?.type === 'json_object') text.format = { type: 'json_object' };
  const verbosity = (req as { verbosity?: unknown }).verbosity;
  if (typeof verbosity === 'string') text.verbosity = verbosity;
  if (Object.keys(text).length) out.text = text;
  if (req.reasoning_effort && takesReasoningEffort(ctx.model, ctx.reasoning)) out.reasoning = { effort: req.reasoning_effort };
  if (req.user) out.user = req.user;
  const cacheKey = (req as { prompt_cache_key?: unknown }).prompt_cache_key;
  if (typeof cacheKey === 'string') out.prompt_cache_key = cacheKey;
  // stop sequences have no Responses counterpart
  return out;
}

function userPart(p: OpenAIUserPart, param: string): Record<string, unknown> {
  switch (p.type) {
    case 'text':
      return { type: 'input_text', text: p.text };
    case 'image_url':
      return { type: 'input_image', image_url: p.image_url.url, detail: p.image_url.detail ?? 'auto' };
    case 'file':
      return { type: 'input_file', ...(p.file.file_data ? { file_data: p.file.file_data } : {}), ...(p.file.file_id ? { file_id: p.file.file_id } : {}), ...(p.file.filename ? { filename: p.file.filename } : {}) };
    case 'input_audio':
      throw badRequest(`${param}: audio input cannot be sent to this model`, param);
  }
}

function toolChoice(choice: OpenAIToolChoice | null | undefined): unknown {
  if (choice == null || typeof choice === 'string') return choice ?? undefined;
  if (choice.type === 'function') return { type: 'function', name: choice.function.name };
  return { type: 'allowed_tools', mode: choice.allowed_tools.mode, tools: choice.allowed_tools.tools.map((t) => ({ type: 'function', name: t.function.name })) };
}
