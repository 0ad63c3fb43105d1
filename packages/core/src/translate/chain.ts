import { createParser } from 'eventsource-parser';
import type { SseEvent } from '../protocols/sse.js';
import type { StreamTranslator } from './types.js';

/**
 * Two stream translations in a row (A → B, then B → C): what the first writes
 * is parsed again and pushed to the second. For pairs that go through a third
 * protocol (Responses ⇄ Anthropic through Chat Completions): each step is one
 * tested translator, at the cost of a serialisation and a parse per event.
 */
export class ChainedStream implements StreamTranslator {
  private out = '';
  private readonly parser = createParser({ onEvent: (e) => (this.out += this.second.push({ event: e.event, data: e.data })) });

  constructor(
    private readonly first: StreamTranslator,
    private readonly second: StreamTranslator,
  ) {}

  private through(text: string): string {
    this.out = '';
    if (text) this.parser.feed(text);
    return this.out;
  }

  push(event: SseEvent): string {
    return this.through(this.first.push(event));
  }

  finish(): string {
    return this.through(this.first.finish()) + this.second.finish();
  }

  fail(status: number, message: string): string {
    return this.second.fail(status, message);
  }
}
