/**
 * The request of an Anthropic Messages client, for an OpenAI Chat Completions upstream.
 *
 * Thinking travels to OpenAI clients as `reasoning_content` (the de-facto
 * field of DeepSeek, vLLM and others) plus this proxy's `reasoning_signature`
 * carrying Anthropic's signature, in responses and stream deltas alike. A
 * client that sends both back on the assistant message gets its thinking
 * block restored (see ../openai-anthropic/request.ts); thinking in an Anthropic
 * client's history is dropped for OpenAI upstreams, which could neither
 * verify nor use the signature.
 */
import { badRequest } from '../../errors.js';
import { OPENAI_TOOL_IDS } from '../../protocols/openai/spec.js';
import { budgetToEffort, takesReasoningEffort } from '../mappings.js';
import { isHttpUrl, toDataUrl } from '../media.js';
import { openaiToolCall as toolCall, shortToolName, toolIdFor } from '../tools.js';
import type { TranslateContext } from '../types.js';
import type {
  OpenAIAssistantMessage,
  OpenAIChatRequest,
  OpenAIMessage,
  OpenAIReasoningEffort,
  OpenAIToolCall,
  OpenAIUserPart,
} from '../../protocols/openai/types.js';
import type {
  AnthropicContentBlock,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicRequest,
  AnthropicTextBlock,
  AnthropicToolResultBlock,
} from '../../protocols/anthropic/types.js';

export function anthropicRequestToOpenai(req: AnthropicRequest, ctx: TranslateContext): OpenAIChatRequest {
  const out: OpenAIChatRequest = { model: req.model, messages: convertMessages(req, ctx) };
  // reasoning models reject max_tokens; every current model accepts max_completion_tokens
  if (req.max_tokens != null) out.max_completion_tokens = req.max_tokens;
  // Anthropic clients need usage at the end of the stream: always ask for it
  if (req.stream) out.stream_options = { include_usage: true };
  if (req.temperature != null) out.temperature = req.temperature;
  if (req.top_p != null) out.top_p = req.top_p;
  // top_k has no OpenAI counterpart
  if (req.stop_sequences?.length) out.stop = req.stop_sequences.slice(0, 4);
  Object.assign(out, convertTools(req, ctx));
  const effort = convertThinking(req);
  // only where the model takes it: a non-reasoning model refuses the field with a 400
  if (effort && takesReasoningEffort(ctx.model, ctx.reasoning)) out.reasoning_effort = effort;
  const schema = req.output_config?.format?.schema;
  if (schema) out.response_format = { type: 'json_schema', json_schema: { name: 'output', schema } };
  if (req.metadata?.user_id) out.user = req.metadata.user_id;
  return out;
}

const joinText = (blocks: AnthropicContentBlock[], separator: string) =>
  blocks
    .filter((b): b is AnthropicTextBlock => b.type === 'text')
    .map((b) => b.text)
    .join(separator);

function convertMessages(req: AnthropicRequest, ctx: TranslateContext): OpenAIMessage[] {
  const out: OpenAIMessage[] = [];
  const system = typeof req.system === 'string' ? req.system : joinText(req.system ?? [], '\n');
  if (system) out.push({ role: 'system', content: system });
  req.messages.forEach((m, i) => {
    if (typeof m.content === 'string') {
      out.push({ role: m.role, content: m.content });
      return;
    }
    const at = `messages.${i}`;
    if (m.role === 'system') out.push({ role: 'system', content: joinText(m.content, '\n') });
    else if (m.role === 'user') out.push(...userMessages(m.content, at, ctx));
    else {
      const assistant = assistantMessage(m.content, ctx);
      if (assistant) out.push(assistant);
    }
  });
  return out;
}

/**
 * One user turn: its tool_result blocks become `tool` messages first (OpenAI
 * wants them right after the assistant's calls), then the rest a user
 * message. OpenAI tool messages hold text only, so images from tool results
 * move into that user message.
 */
function userMessages(blocks: AnthropicContentBlock[], at: string, ctx: TranslateContext): OpenAIMessage[] {
  const results: OpenAIMessage[] = [];
  const parts: OpenAIUserPart[] = [];
  blocks.forEach((block, j) => {
    const param = `${at}.content.${j}`;
    switch (block.type) {
      case 'tool_result':
        results.push({ role: 'tool', tool_call_id: toolIdFor(OPENAI_TOOL_IDS, block.tool_use_id, ctx), content: toolResultText(block) });
        if (Array.isArray(block.content)) {
          block.content.forEach((b, k) => {
            if (b.type !== 'text') parts.push(mediaPart(b, `${param}.content.${k}`));
          });
        }
        break;
      case 'text':
        if (block.text) parts.push({ type: 'text', text: block.text });
        break;
      case 'image':
      case 'document':
        parts.push(mediaPart(block, param));
        break;
      // tool_use and thinking cannot occur in a user turn
    }
  });
  if (parts.length === 0) return results;
  const textOnly = parts.every((p) => p.type === 'text');
  // plain strings are what every OpenAI-compatible server accepts
  const content = textOnly ? parts.map((p) => p.text).join('\n') : parts;
  return [...results, { role: 'user', content }];
}

/** is_error has no OpenAI counterpart; the text says what went wrong. */
function toolResultText(block: AnthropicToolResultBlock): string {
  if (typeof block.content === 'string') return block.content;
  return (block.content ?? []).flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
}

function mediaPart(block: AnthropicImageBlock | AnthropicDocumentBlock, param: string): OpenAIUserPart {
  const { source } = block;
  if (block.type === 'image') {
    if (source.type === 'base64') return { type: 'image_url', image_url: { url: toDataUrl({ mediaType: source.media_type, data: source.data }) } };
    if (source.type === 'url' && isHttpUrl(source.url)) return { type: 'image_url', image_url: { url: source.url } };
  } else {
    if (source.type === 'base64' && source.media_type === 'application/pdf') {
      const file_data = toDataUrl({ mediaType: source.media_type, data: source.data });
      // OpenAI requires a filename with inline file data
      return { type: 'file', file: { filename: block.title || 'document.pdf', file_data } };
    }
    if (source.type === 'text') return { type: 'text', text: source.data };
  }
  throw badRequest(`${param}: a ${block.type} with a ${source.type} source cannot be sent to this model`, param);
}

function assistantMessage(blocks: AnthropicContentBlock[], ctx: TranslateContext): OpenAIAssistantMessage | null {
  const calls: OpenAIToolCall[] = [];
  for (const block of blocks) if (block.type === 'tool_use') calls.push(toolCall(block.id, shortToolName(block.name, ctx), block.input, ctx));
  // text blocks of one turn are pieces of one answer (split around citations or tool calls)
  const text = joinText(blocks, '');
  if (!text && !calls.length) return null;
  return calls.length ? { role: 'assistant', content: text || null, tool_calls: calls } : { role: 'assistant', content: text };
}

function convertTools(req: AnthropicRequest, ctx: TranslateContext): Pick<OpenAIChatRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'> {
  if (!req.tools?.length) return {};
  const tools = req.tools.map((tool, i) => {
    // Anthropic-defined tools (web search, bash, text editor…) have no schema an OpenAI model could use
    if (!tool.input_schema) throw badRequest(`tools.${i}: tool "${tool.name}" (${tool.type ?? 'no input_schema'}) can only be used with Anthropic models`, `tools.${i}`);
    const description = tool.description ? { description: tool.description } : {};
    return { type: 'function' as const, function: { name: shortToolName(tool.name, ctx), ...description, parameters: tool.input_schema } };
  });
  const out: Pick<OpenAIChatRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'> = { tools };
  const choice = req.tool_choice;
  if (!choice) return out;
  if (choice.type === 'tool') out.tool_choice = { type: 'function', function: { name: shortToolName(choice.name, ctx) } };
  else out.tool_choice = choice.type === 'any' ? 'required' : choice.type;
  if (choice.type !== 'none' && choice.disable_parallel_tool_use) out.parallel_tool_calls = false;
  return out;
}

const ADAPTIVE_EFFORT = { low: 'low', medium: 'medium', high: 'high', max: 'high' } as const;

/** Extended thinking → reasoning_effort: by budget, or adaptive thinking's effort (Anthropic's default is high). */
function convertThinking(req: AnthropicRequest): OpenAIReasoningEffort | undefined {
  const thinking = req.thinking;
  if (thinking?.type === 'enabled') return budgetToEffort(thinking.budget_tokens);
  if (thinking?.type === 'adaptive') return ADAPTIVE_EFFORT[req.output_config?.effort ?? 'high'];
  return undefined;
}
