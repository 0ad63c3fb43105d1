/**
 * The request of a Responses client as a Chat Completions request: for an
 * OpenAI-compatible upstream, and (passed on through the OpenAI → Anthropic
 * translation) for an Anthropic one. See docs/responses.md.
 */
import { badRequest } from '../../errors.js';
import type {
  OpenAIAssistantMessage,
  OpenAIChatRequest,
  OpenAIMessage,
  OpenAITool,
  OpenAIToolChoice,
  OpenAIUserPart,
} from '../../protocols/openai/types.js';
import type {
  ResponsesContentPart,
  ResponsesCustomToolCall,
  ResponsesFunctionCall,
  ResponsesFunctionCallOutput,
  ResponsesInputItem,
  ResponsesReasoning,
  ResponsesRequest,
  ResponsesTool,
  ResponsesToolChoice,
} from '../../protocols/responses/types.js';
import { takesReasoningEffort } from '../mappings.js';
import type { ResponsesContext } from './context.js';

/** The argument a freeform (custom) tool's input travels in when the upstream only has function tools. */
export const CUSTOM_INPUT = 'input';

export interface ChatOptions {
  /**
   * reasoning items go back as `reasoning_content` + `reasoning_signature` (the Anthropic translation turns
   * them into signed thinking); an OpenAI-compatible server could not use them, so they are left out there
   */
  keepReasoning: boolean;
}

export function responsesToChat(req: ResponsesRequest, ctx: ResponsesContext, opts: ChatOptions): OpenAIChatRequest {
  const messages: OpenAIMessage[] = [];
  if (req.instructions) messages.push({ role: 'system', content: req.instructions });
  if (typeof req.input === 'string') messages.push({ role: 'user', content: req.input });
  else convertItems(req.input, messages, opts.keepReasoning);
  const out: OpenAIChatRequest = { model: req.model, messages };
  // a Responses answer always reports usage
  if (req.stream) out.stream_options = { include_usage: true };
  if (req.max_output_tokens != null) out.max_completion_tokens = req.max_output_tokens;
  if (req.temperature != null) out.temperature = req.temperature;
  if (req.top_p != null) out.top_p = req.top_p;
  Object.assign(out, convertTools(req, ctx));
  const effort = req.reasoning?.effort;
  // the Anthropic translation makes any effort a thinking budget; an OpenAI model only takes it when it reasons
  if (effort && (opts.keepReasoning || takesReasoningEffort(ctx.model, ctx.reasoning))) out.reasoning_effort = effort;
  const format = req.text?.format;
  if (format?.type === 'json_schema') {
    const schema = { name: format.name, schema: format.schema, ...(format.strict != null ? { strict: format.strict } : {}), ...(format.description ? { description: format.description } : {}) };
    out.response_format = { type: 'json_schema', json_schema: schema };
  } else if (format?.type === 'json_object') out.response_format = { type: 'json_object' };
  if (req.user) out.user = req.user;
  if (req.prompt_cache_key) (out as Record<string, unknown>).prompt_cache_key = req.prompt_cache_key;
  return out;
}

/**
 * Items in order. An assistant turn is a run of items: reasoning, its
 * message, its calls; they make one assistant message (Chat Completions
 * wants the calls on the message whose tool messages follow it).
 */
function convertItems(items: ResponsesInputItem[], out: OpenAIMessage[], keepReasoning: boolean): void {
  let turn: OpenAIAssistantMessage | null = null;
  /** images from tool outputs: Chat Completions tool messages hold text only, so they follow as a user message */
  let images: OpenAIUserPart[] = [];
  const flush = () => {
    if (turn) out.push(turn);
    turn = null;
  };
  const flushImages = () => {
    if (images.length) out.push({ role: 'user', content: images });
    images = [];
  };
  const assistant = (): OpenAIAssistantMessage => (turn ??= { role: 'assistant', content: null });
  items.forEach((item, i) => {
    const at = `input.${i}`;
    const type = item.type ?? 'message';
    if (type !== 'function_call_output' && type !== 'custom_tool_call_output') flushImages();
    switch (item.type) {
      case undefined:
      case 'message': {
        const m = item as Extract<ResponsesInputItem, { role: string }>;
        if (m.role === 'assistant') {
          const text = typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'output_text' || p.type === 'input_text' ? p.text : p.type === 'refusal' ? p.refusal : '')).join('');
          const a: OpenAIAssistantMessage = turn && !turn.tool_calls?.length ? turn : (flush(), assistant());
          if (text) a.content = (a.content ?? '') + text;
          return;
        }
        flush();
        const role = m.role === 'user' ? 'user' : 'system';
        if (typeof m.content === 'string') out.push({ role, content: m.content });
        else if (role === 'system') out.push({ role, content: m.content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('\n') });
        else out.push({ role, content: userParts(m.content, `${at}.content`) });
        return;
      }
      case 'function_call': {
        const c = item as ResponsesFunctionCall;
        assistantCall(assistant(), c.call_id, c.name, c.arguments);
        return;
      }
      case 'custom_tool_call': {
        const c = item as ResponsesCustomToolCall;
        assistantCall(assistant(), c.call_id, c.name, JSON.stringify({ [CUSTOM_INPUT]: c.input }));
        return;
      }
      case 'reasoning': {
        if (!keepReasoning) return;
        flush();
        const r = item as ResponsesReasoning;
        const text = r.summary.map((s) => s.text).join('\n\n') || (r.content ?? []).map((c) => c.text ?? '').join('');
        const a = assistant();
        if (text) a.reasoning_content = text;
        if (r.encrypted_content) a.reasoning_signature = r.encrypted_content;
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        flush();
        const result = item as ResponsesFunctionCallOutput;
        const output = result.output;
        let text = '';
        if (typeof output === 'string') text = output;
        else
          output.forEach((p, j) => {
            if (p.type === 'input_text') text += (text ? '\n' : '') + p.text;
            else images.push(...userParts([p], `${at}.output`, j));
          });
        out.push({ role: 'tool', tool_call_id: result.call_id, content: text });
        return;
      }
      default:
        // items of hosted tools (web_search_call…), item references: nothing an upstream here can read
        return;
    }
  });
  flush();
  flushImages();
}

function assistantCall(a: OpenAIAssistantMessage, id: string, name: string, args: string): void {
  (a.tool_calls ??= []).push({ id, type: 'function', function: { name, arguments: args } });
}

function userParts(parts: ResponsesContentPart[], at: string, offset = 0): OpenAIUserPart[] {
  return parts.flatMap((p, j): OpenAIUserPart[] => {
    const param = `${at}.${j + offset}`;
    switch (p.type) {
      case 'input_text':
      case 'output_text':
        return p.text ? [{ type: 'text', text: p.text }] : [];
      case 'refusal':
        return [];
      case 'input_image':
        if (!p.image_url) throw badRequest(`${param}: only image_url images can be sent to this model (not file_id)`, param);
        return [{ type: 'image_url', image_url: { url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) } }];
      case 'input_file':
        if (!p.file_data) throw badRequest(`${param}: only inline file_data can be sent to this model (not file_id or file_url)`, param);
        return [{ type: 'file', file: { file_data: fileDataUrl(p.file_data), ...(p.filename ? { filename: p.filename } : {}) } }];
    }
  });
}

/** `file_data` as a data URL: clients send either that or bare base64 (a PDF, as the API takes it). */
const fileDataUrl = (data: string) => (data.startsWith('data:') ? data : `data:application/pdf;base64,${data}`);

function convertTools(req: ResponsesRequest, ctx: ResponsesContext): Pick<OpenAIChatRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'> {
  const tools: OpenAITool[] = [];
  for (const t of req.tools ?? []) {
    const tool = functionTool(t, ctx);
    if (tool) tools.push(tool);
  }
  // no tools: a tool_choice or parallel_tool_calls would only earn a 400
  if (!tools.length) return {};
  const out: Pick<OpenAIChatRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'> = { tools };
  const choice = toolChoice(req.tool_choice, ctx);
  if (choice) out.tool_choice = choice;
  if (req.parallel_tool_calls != null) out.parallel_tool_calls = req.parallel_tool_calls;
  return out;
}

/** A function tool as it is; a custom (freeform) tool as a function of one string; a hosted tool left out. */
function functionTool(t: ResponsesTool, ctx: ResponsesContext): OpenAITool | null {
  if (t.type === 'function') {
    const f = t as Extract<ResponsesTool, { type: 'function' }>;
    return {
      type: 'function',
      function: {
        name: f.name,
        ...(f.description ? { description: f.description } : {}),
        parameters: f.parameters ?? { type: 'object', properties: {} },
        ...(f.strict != null ? { strict: f.strict } : {}),
      },
    };
  }
  if (t.type === 'custom') {
    const c = t as Extract<ResponsesTool, { type: 'custom' }>;
    ctx.custom.add(c.name);
    const format = c.format as { type: string; syntax?: unknown; definition?: unknown } | null | undefined;
    const grammar = format?.type === 'grammar' && typeof format.definition === 'string' ? `\n\nThe input follows this ${typeof format.syntax === 'string' ? format.syntax : ''} grammar:\n${format.definition}` : '';
    return {
      type: 'function',
      function: {
        name: c.name,
        description: `${c.description ?? ''}${grammar}`.trim() || `Freeform input for ${c.name}`,
        parameters: {
          type: 'object',
          properties: { [CUSTOM_INPUT]: { type: 'string', description: `The raw input for ${c.name}, as freeform text.` } },
          required: [CUSTOM_INPUT],
          additionalProperties: false,
        },
      },
    };
  }
  ctx.log?.debug({ tool: t.type }, 'responses: a hosted tool was left out (only the Responses API runs it)');
  return null;
}

function toolChoice(choice: ResponsesToolChoice | null | undefined, ctx: ResponsesContext): OpenAIToolChoice | undefined {
  if (choice == null) return undefined;
  if (typeof choice === 'string') return choice;
  const named = choice as { type: string; name?: unknown; mode?: unknown; tools?: unknown };
  if ((named.type === 'function' || named.type === 'custom') && typeof named.name === 'string') return { type: 'function', function: { name: named.name } };
  if (named.type === 'allowed_tools' && Array.isArray(named.tools)) {
    const tools = (named.tools as { type?: unknown; name?: unknown }[]).flatMap((t) =>
      (t.type === 'function' || t.type === 'custom') && typeof t.name === 'string' ? [{ type: 'function' as const, function: { name: t.name } }] : [],
    );
    return { type: 'allowed_tools', allowed_tools: { mode: named.mode === 'required' ? 'required' : 'auto', tools } };
  }
  ctx.log?.debug({ tool_choice: named.type }, 'responses: a hosted tool_choice was left out');
  return undefined;
}
