/** The request of an OpenAI Chat Completions client, for an Anthropic Messages upstream. */
import { badRequest } from '../../errors.js';
import { ANTHROPIC_TOOL_IDS } from '../../protocols/anthropic/spec.js';
import { effortToBudget } from '../mappings.js';
import { imageMediaType, isHttpUrl, parseDataUrl } from '../media.js';
import { parseToolArguments, shortToolName, toolIdFor } from '../tools.js';
import type { TranslateContext } from '../types.js';
import type {
  OpenAIAssistantMessage,
  OpenAIChatRequest,
  OpenAIFilePart,
  OpenAIMessage,
  OpenAITextPart,
  OpenAITool,
  OpenAIToolChoice,
  OpenAIToolMessage,
  OpenAIUserMessage,
} from '../../protocols/openai/types.js';
import type {
  AnthropicContentBlock,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicRequest,
  AnthropicTextBlock,
  AnthropicThinkingConfig,
  AnthropicToolChoice,
} from '../../protocols/anthropic/types.js';

export function openaiRequestToAnthropic(req: OpenAIChatRequest, ctx: TranslateContext): AnthropicRequest {
  if (req.n != null && req.n > 1) throw badRequest('n: only n=1 is supported by this model', 'n');
  const messages = convertMessages(req.messages, ctx);
  const clientMax = req.max_completion_tokens ?? req.max_tokens;
  const out: AnthropicRequest = {
    model: req.model,
    messages,
    max_tokens: clientMax ?? ctx.defaultMaxTokens,
  };
  const system = systemBlocks(req.messages);
  if (!messages.length) {
    // Anthropic needs a message. A request of only instructions asks the model to act on them (as OpenAI models
    // do), so they go as the user turn, and only there: kept as system too they would be sent twice and read as
    // rules for a request that never comes.
    if (!system.length) throw badRequest('messages: every message is empty; at least one needs content', 'messages');
    messages.push({ role: 'user', content: system });
  } else if (system.length) {
    // a string, or blocks when cache_control must survive
    out.system = system.some((b) => b.cache_control) ? system : system.map((b) => b.text).join('\n');
  }
  Object.assign(out, convertTools(req, ctx));
  const thinking = convertReasoning(req, out, clientMax, ctx.defaultMaxTokens);
  // thinking requires temperature 1 and top_p near 1: both stay at their defaults then. Recent Claude
  // models reject temperature and top_p together: temperature (clamped to Anthropic's [0,1]) wins.
  if (thinking) out.thinking = thinking;
  else if (req.temperature != null) out.temperature = Math.min(1, Math.max(0, req.temperature));
  else if (req.top_p != null) out.top_p = req.top_p;
  const stops = (typeof req.stop === 'string' ? [req.stop] : (req.stop ?? [])).filter((s) => s.trim());
  if (stops.length) out.stop_sequences = stops;
  // json_object has no Anthropic counterpart (a schema-less format would allow only `{}`): the prompt has to carry it
  if (req.response_format?.type === 'json_schema' && req.response_format.json_schema.schema) {
    out.output_config = { format: { type: 'json_schema', schema: req.response_format.json_schema.schema } };
  }
  if (req.user) out.metadata = { user_id: req.user };
  return out;
}

/** The text of every system/developer message, wherever it sits (empty text dropped, cache_control kept). */
function systemBlocks(messages: OpenAIMessage[]): AnthropicTextBlock[] {
  const blocks: AnthropicTextBlock[] = [];
  for (const m of messages) if (m.role === 'system' || m.role === 'developer') blocks.push(...textBlocks(m.content));
  return blocks;
}

/** Anthropic rejects empty text blocks: they are dropped. */
function textBlocks(content: string | OpenAITextPart[] | null | undefined): AnthropicTextBlock[] {
  if (!content) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.filter((p) => p.text).map(textBlock);
}

const textBlock = (part: OpenAITextPart): AnthropicTextBlock =>
  part.cache_control ? { type: 'text', text: part.text, cache_control: part.cache_control } : { type: 'text', text: part.text };

type Turn = { role: 'user' | 'assistant'; content: AnthropicContentBlock[] };

function convertMessages(messages: OpenAIMessage[], ctx: TranslateContext): AnthropicMessageParam[] {
  const turns: Turn[] = [];
  messages.forEach((m, i) => {
    const at = `messages.${i}`;
    if (m.role === 'user') appendTurn(turns, 'user', userBlocks(m, at));
    else if (m.role === 'assistant') appendTurn(turns, 'assistant', assistantBlocks(m, at, ctx));
    else if (m.role === 'tool') appendTurn(turns, 'user', [toolResult(m, ctx)]);
    // system/developer: hoisted by systemBlocks
  });
  return turns;
}

/**
 * Consecutive messages of one role share a turn: a run of tool messages
 * becomes one user turn of tool_result blocks, and the user text that
 * follows them lands after the results, where Anthropic wants it.
 */
function appendTurn(turns: Turn[], role: Turn['role'], blocks: AnthropicContentBlock[]): void {
  if (!blocks.length) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

function userBlocks(m: OpenAIUserMessage, at: string): AnthropicContentBlock[] {
  if (typeof m.content === 'string') return textBlocks(m.content);
  const blocks: AnthropicContentBlock[] = [];
  m.content.forEach((part, j) => {
    const param = `${at}.content.${j}`;
    switch (part.type) {
      case 'text':
        if (part.text) blocks.push(textBlock(part));
        break;
      case 'image_url':
        blocks.push(imageBlock(part.image_url.url, param));
        break;
      case 'file':
        blocks.push(documentBlock(part.file, param));
        break;
      case 'input_audio':
        throw badRequest(`${param}: audio input cannot be sent to this model`, param);
    }
  });
  return blocks;
}

/** `detail` has no Anthropic counterpart and is dropped. */
function imageBlock(url: string, param: string): AnthropicImageBlock {
  const data = parseDataUrl(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: imageMediaType(data.mediaType, param), data: data.data } };
  if (isHttpUrl(url)) return { type: 'image', source: { type: 'url', url } };
  throw badRequest(`${param}: image_url.url must be a base64 data URL or an http(s) URL`, param);
}

function documentBlock(file: OpenAIFilePart['file'], param: string): AnthropicDocumentBlock {
  if (!file.file_data) throw badRequest(`${param}: only inline file_data can be sent to this model (not file_id)`, param);
  // OpenAI documents a data URL; bare base64 is common enough to accept as a PDF
  const data = parseDataUrl(file.file_data) ?? { mediaType: 'application/pdf', data: file.file_data };
  if (data.mediaType !== 'application/pdf') throw badRequest(`${param}: only PDF files can be sent to this model`, param);
  const block: AnthropicDocumentBlock = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.data } };
  if (file.filename) block.title = file.filename;
  return block;
}

function assistantBlocks(m: OpenAIAssistantMessage, at: string, ctx: TranslateContext): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = [];
  // reasoning can only go back as thinking with the signature Anthropic issued for it (see anthropic-to-openai.ts)
  if (m.reasoning_content && m.reasoning_signature) {
    blocks.push({ type: 'thinking', thinking: m.reasoning_content, signature: m.reasoning_signature });
  }
  if (typeof m.content === 'string') blocks.push(...textBlocks(m.content));
  else for (const part of m.content ?? []) blocks.push(...textBlocks(part.type === 'text' ? part.text : part.refusal));
  m.tool_calls?.forEach((call, j) => {
    const param = `${at}.tool_calls.${j}.function.arguments`;
    const input = parseToolArguments(call.function.arguments);
    if (!input) throw badRequest(`${param}: tool call arguments must be a JSON object`, param);
    blocks.push({ type: 'tool_use', id: toolIdFor(ANTHROPIC_TOOL_IDS, call.id, ctx), name: shortToolName(call.function.name, ctx), input });
  });
  return blocks;
}

function toolResult(m: OpenAIToolMessage, ctx: TranslateContext): AnthropicContentBlock {
  const block: AnthropicContentBlock = { type: 'tool_result', tool_use_id: toolIdFor(ANTHROPIC_TOOL_IDS, m.tool_call_id, ctx) };
  // an empty result is sent without content: Anthropic rejects empty text
  if (typeof m.content === 'string') {
    if (m.content) block.content = m.content;
  } else {
    const blocks = textBlocks(m.content);
    if (blocks.length) block.content = blocks;
  }
  return block;
}

type PlainChoice = Exclude<OpenAIToolChoice, { type: 'allowed_tools' }> | null | undefined;

function convertTools(req: OpenAIChatRequest, ctx: TranslateContext): Pick<AnthropicRequest, 'tools' | 'tool_choice'> {
  const { tools, choice } = applyAllowedTools(req.tools ?? [], req.tool_choice);
  // no tools: a tool_choice would only earn a 400
  if (!tools.length) return {};
  const out: Pick<AnthropicRequest, 'tools' | 'tool_choice'> = {
    tools: tools.map(({ function: f }) => ({
      name: shortToolName(f.name, ctx),
      ...(f.description ? { description: f.description } : {}),
      input_schema: { type: 'object', properties: {}, ...f.parameters },
    })),
  };
  const toolChoice = convertToolChoice(choice, req.parallel_tool_calls === false, ctx);
  if (toolChoice) out.tool_choice = toolChoice;
  return out;
}

/** allowed_tools restricts the callable set: only those tools are sent, with its mode as the choice. */
function applyAllowedTools(tools: OpenAITool[], choice: OpenAIToolChoice | null | undefined): { tools: OpenAITool[]; choice: PlainChoice } {
  if (typeof choice !== 'object' || choice?.type !== 'allowed_tools') return { tools, choice };
  const allowed = new Set(choice.allowed_tools.tools.map((t) => t.function.name));
  return { tools: tools.filter((t) => allowed.has(t.function.name)), choice: choice.allowed_tools.mode };
}

function convertToolChoice(choice: PlainChoice, noParallel: boolean, ctx: TranslateContext): AnthropicToolChoice | undefined {
  const parallel = noParallel ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...parallel };
  if (typeof choice === 'object' && choice) return { type: 'tool', name: shortToolName(choice.function.name, ctx), ...parallel };
  if (choice === 'auto' || noParallel) return { type: 'auto', ...parallel };
  return undefined;
}

/** Anthropic's smallest thinking budget, and the least of max_tokens thinking leaves to the answer. */
const MIN_THINKING_TOKENS = 1024;
/**
 * The lowest output limit of the Claude models that think (Opus 4 and 4.1:
 * 32000; 3.7 Sonnet, the other 4.x models: 64000 and up): max_tokens is
 * raised for thinking no further, unless the configured default is above it.
 */
const THINKING_MAX_TOKENS = 32_000;

/**
 * reasoning_effort → extended thinking, when Anthropic would accept it:
 * the budget must stay below max_tokens and be at least 1024; a forced tool
 * (`any`/`tool`) excludes thinking; and a tool-use turn being continued must
 * start with its signed thinking block, which an OpenAI client can only
 * return if it kept our `reasoning_signature`.
 *
 * Thinking counts within max_tokens. With no max from the client, max_tokens
 * grows by the budget so the answer keeps the whole default; with the
 * client's max, the budget shrinks to leave the answer at least 1024 tokens,
 * and a max too small for both gets no thinking.
 */
function convertReasoning(req: OpenAIChatRequest, out: AnthropicRequest, clientMax: number | null | undefined, defaultMax: number): AnthropicThinkingConfig | undefined {
  const budget = effortToBudget(req.reasoning_effort);
  if (!budget) return undefined;
  const choice = out.tool_choice?.type;
  if (choice === 'any' || choice === 'tool') return undefined;
  const lastAssistant = out.messages.findLast((m) => m.role === 'assistant');
  const blocks = Array.isArray(lastAssistant?.content) ? lastAssistant.content : [];
  if (blocks.some((b) => b.type === 'tool_use') && blocks[0]?.type !== 'thinking') return undefined;
  const maxTokens = clientMax ?? Math.min(defaultMax + budget, Math.max(defaultMax, THINKING_MAX_TOKENS));
  const capped = Math.min(budget, maxTokens - MIN_THINKING_TOKENS);
  if (capped < MIN_THINKING_TOKENS) return undefined;
  out.max_tokens = maxTokens;
  return { type: 'enabled', budget_tokens: capped };
}
