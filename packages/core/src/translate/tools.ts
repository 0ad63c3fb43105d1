import { OPENAI_TOOL_IDS } from '../protocols/openai/spec.js';
import type { OpenAIToolCall } from '../protocols/openai/types.js';
import type { ToolIdRule } from '../protocols/types.js';
import { digest } from './ids.js';
import { isRecord } from './json.js';
import type { TranslateContext } from './types.js';

const TOOL_NAME_MAX = 64;

/**
 * A tool-call id valid for the target protocol (its spec's rule). Ids that already fit pass unchanged;
 * others are rewritten to a digest through `ctx.toolIds`, so a `tool_use` and
 * its later `tool_result` get the same id (and a later request maps them the
 * same way again). A missing id (some streams omit it) gets a fresh one.
 */
export function toolIdFor(target: ToolIdRule, id: string | null | undefined, ctx: TranslateContext): string {
  if (id == null) return target.fresh();
  if (target.fits(id)) return id;
  let mapped = ctx.toolIds.get(id);
  if (!mapped) {
    mapped = `${target.prefix}${digest(id, 24)}`;
    ctx.toolIds.set(id, mapped);
  }
  return mapped;
}

/** Tool names over 64 chars (both APIs' limit) become a prefix plus a digest; `ctx.toolNames` maps them back in the answer. */
export function shortToolName(name: string, ctx: TranslateContext): string {
  if (name.length <= TOOL_NAME_MAX) return name;
  const short = `${name.slice(0, TOOL_NAME_MAX - 9)}_${digest(name, 8)}`;
  ctx.toolNames.set(short, name);
  return short;
}

export const originalToolName = (name: string, ctx: TranslateContext) => ctx.toolNames.get(name) ?? name;

/** OpenAI `arguments` → an input object. Models send "" for no-argument calls, hence `|| "{}"`. Null when not a JSON object. */
export function parseToolArguments(args: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(args.trim() || '{}');
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/** An Anthropic tool_use as an OpenAI tool call (request history and answers alike). */
export const openaiToolCall = (id: string, name: string, input: unknown, ctx: TranslateContext): OpenAIToolCall => ({
  id: toolIdFor(OPENAI_TOOL_IDS, id, ctx),
  type: 'function',
  function: { name, arguments: JSON.stringify(input ?? {}) },
});
