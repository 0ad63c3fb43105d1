import type { Protocol } from '../errors.js';
import { anthropicToolId, digest, openaiToolId } from './ids.js';
import { isRecord } from './json.js';
import type { TranslateContext } from './types.js';

const ANTHROPIC_TOOL_ID = /^[a-zA-Z0-9_-]+$/;
const OPENAI_TOOL_ID_MAX = 40;
const TOOL_NAME_MAX = 64;

/**
 * A tool-call id valid for `target`. Ids that already fit pass unchanged;
 * others are rewritten to a digest through `ctx.toolIds`, so a `tool_use` and
 * its later `tool_result` get the same id (and a later request maps them the
 * same way again). A missing id (some streams omit it) gets a fresh one.
 */
export function toolIdFor(target: Protocol, id: string | null | undefined, ctx: TranslateContext): string {
  if (id == null) return target === 'anthropic' ? anthropicToolId() : openaiToolId();
  const fits = target === 'anthropic' ? ANTHROPIC_TOOL_ID.test(id) : id.length > 0 && id.length <= OPENAI_TOOL_ID_MAX;
  if (fits) return id;
  let mapped = ctx.toolIds.get(id);
  if (!mapped) {
    mapped = `${target === 'anthropic' ? 'toolu_' : 'call_'}${digest(id, 24)}`;
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
