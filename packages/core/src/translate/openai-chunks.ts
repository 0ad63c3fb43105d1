import { OPENAI_UPSTREAM } from '../protocols/openai/spec.js';
import type { OpenAIUsage } from '../protocols/openai/types.js';
import type { SseEvent } from '../protocols/sse.js';
import { openaiTextChunk, openaiUsageChunk } from './anthropic-openai/hot.js';
import { EMPTY_TEXT } from './hot-patterns.js';
import { asArray, asRecord, asString, isRecord, parseJsonObject } from './json.js';
import { inStreamError } from './mappings.js';
import type { StreamTranslator } from './types.js';

/**
 * How every translator out of an OpenAI Chat Completions stream reads it: the
 * common text chunk and the include_usage chunk by pattern (../hot-patterns.ts),
 * anything else parsed defensively; content ends at finish_reason, the answer
 * once the usage is in too (or at `[DONE]`/EOF, which `finish` handles). The
 * translator says what each piece becomes in its client's protocol.
 */
export abstract class OpenAIChunkReader implements StreamTranslator {
  protected ended = false;

  /** finish_reason came: content after it is dropped */
  protected abstract closed(): boolean;
  protected abstract hasUsage(): boolean;
  /** the client stream's opening (once; '' after) */
  protected abstract start(): string;
  /** a text delta; `json` is its JSON string literal */
  protected abstract text(json: string): string;
  /** any other delta (reasoning, refusal, tool-call fragments), unvalidated */
  protected abstract delta(delta: Record<string, unknown>): string;
  /** finish_reason: closes the content (and ends the answer when the usage is in) */
  protected abstract finishReason(finish: string): string;
  protected abstract onUsage(usage: OpenAIUsage): void;
  /** ends the answer */
  protected abstract end(): string;
  abstract finish(): string;
  abstract fail(status: number, message: string): string;

  push(event: SseEvent): string {
    if (this.ended) return '';
    const hot = openaiTextChunk(event.data);
    if (hot) {
      // the common chunk, read without a full parse: what the general path below does with it
      const out = this.start();
      if (this.closed()) return out;
      return out + (hot.text === EMPTY_TEXT ? '' : this.text(hot.text)) + (hot.finish ? this.finishReason(hot.finish) : '');
    }
    const usage = openaiUsageChunk(event.data);
    if (usage) {
      // the include_usage chunk, its usage parsed alone: what the general path does with it
      const out = this.start();
      this.onUsage(usage as OpenAIUsage);
      return this.closed() ? out + this.end() : out;
    }
    if (event.data.trim() === '[DONE]') return this.finish();
    const chunk = parseJsonObject(event.data);
    if (!chunk) return '';
    if (chunk.error) {
      const { status, message } = inStreamError(chunk.error, OPENAI_UPSTREAM.errorTypes);
      return this.fail(status, message);
    }
    let out = this.start();
    if (isRecord(chunk.usage)) this.onUsage(chunk.usage as OpenAIUsage);
    const choice = asArray(chunk.choices)[0];
    if (isRecord(choice) && !this.closed()) {
      out += this.delta(asRecord(choice.delta));
      const finish = asString(choice.finish_reason);
      if (finish) return out + this.finishReason(finish);
    }
    // usage may come with finish_reason or in the chunk after it (stream_options.include_usage)
    if (this.closed() && this.hasUsage()) out += this.end();
    return out;
  }
}
