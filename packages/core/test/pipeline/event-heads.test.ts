import { describe, expect, it } from 'vitest';
import { EventHeads } from '../../src/pipeline/pump.js';
import { UPSTREAMS } from '../../src/protocols/index.js';

const framing = UPSTREAMS['openai-responses'].framing;
const completed = (n: number) => `event: response.completed\ndata: {"type":"response.completed","sequence_number":3,"response":{"id":"resp_1","output":[{"text":"${'x'.repeat(n)}"}]}}\n\n`;
const delta = 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":2,"delta":"hi"}\n\n';

/** Whether the bytes, in these chunks, end with the end event (what passthrough decides after the last chunk). */
function ends(chunks: string[]): boolean {
  const heads = new EventHeads(framing.endHead!);
  let last = false;
  for (const c of chunks) last = heads.push(Buffer.from(c));
  return last;
}

/** Every way to cut a string in two. */
const cuts = (s: string) => Array.from({ length: s.length - 1 }, (_, i) => [s.slice(0, i + 1), s.slice(i + 1)]);

describe('passthrough sees a Responses stream end by the head of its last event', () => {
  it('an end event far longer than any tail, however the chunks fall', () => {
    const stream = delta + completed(5000);
    expect(ends([stream])).toBe(true);
    for (const [a, b] of cuts(delta + completed(40))) expect(ends([a!, b!]), JSON.stringify([a, b])).toBe(true);
  });

  it('not before the end event, not when something follows it, not for response.failed', () => {
    expect(ends([delta])).toBe(false);
    expect(ends([delta + completed(10).slice(0, -1)])).toBe(false);
    expect(ends([completed(10) + delta])).toBe(false);
    expect(ends([delta + 'event: response.failed\ndata: {"type":"response.failed","response":{}}\n\n'])).toBe(false);
  });

  it('data-only servers: the type at the head of the data', () => {
    expect(ends([`data: {"type":"response.incomplete","response":{"id":"r"}}\n\n`])).toBe(true);
    expect(framing.isEnd({ data: '{"type":"response.completed","response":{}}' })).toBe(true);
    expect(framing.isError({ data: '{"type":"response.failed","response":{}}' })).toBe(true);
  });
});
