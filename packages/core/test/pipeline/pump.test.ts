import { describe, expect, it } from 'vitest';
import { ClientSignal } from '../../src/http/signal.js';
import { CLIENTS, UPSTREAMS } from '../../src/protocols/index.js';
import type { Framing } from '../../src/protocols/types.js';
import { pumpStream, type StreamOutcome } from '../../src/pipeline/pump.js';
import type { StreamTranslator } from '../../src/translate/types.js';

/** An upstream body from fixed chunks. */
function body(chunks: string[]): { head: Promise<IteratorResult<Uint8Array>>; rest: AsyncIterator<Uint8Array> } {
  const it = (async function* () {
    for (const c of chunks) yield Buffer.from(c);
  })();
  return { head: it.next(), rest: it };
}

/** Writes each event's data as one client line. */
const echo = (): StreamTranslator => ({ push: (e) => `<${e.data}>`, finish: () => '<end>', fail: (s, m) => `<fail ${s} ${m}>` });

async function run(framing: Framing, chunks: string[], translator: StreamTranslator | null) {
  const order: string[] = [];
  const outcomes: StreamOutcome[] = [];
  const tapped: string[] = [];
  const out: string[] = [];
  const { head, rest } = body(chunks);
  for await (const x of pumpStream({
    head,
    rest,
    client: CLIENTS.openai,
    framing,
    origin: 'p',
    translator,
    signal: new ClientSignal(),
    progress: { complete: false },
    onEnd: (o) => outcomes.push(o),
    beforeEnd: async () => void order.push('beforeEnd'),
    tap: (c) => tapped.push(Buffer.from(c).toString()),
    release: () => {},
    scrub: null,
    redact: (t) => t,
    idleMs: 60_000,
  })) {
    const s = Buffer.from(x).toString();
    order.push(`yield ${s}`);
    out.push(s);
  }
  return { out: out.join(''), order, outcomes, tapped: tapped.join('') };
}

describe('pump framing comes from the upstream spec', () => {
  const NDJSON: Framing = { kind: 'ndjson', endFrame: null, isEnd: () => false, isError: (e) => e.data.startsWith('{"error"'), startsWithError: () => false };

  it('newline-delimited JSON without an end marker: one event a line, complete at a clean close, the last line without its newline', async () => {
    const r = await run(NDJSON, ['{"a":1}\n{"b"', ':2}\n\n{"c":3}'], echo());
    expect(r.out).toBe('<{"a":1}><{"b":2}><{"c":3}><end>');
    expect(r.outcomes).toEqual([{ kind: 'complete' }]);
    // the hook's write sits before the last bytes, and the tap saw everything the client got
    expect(r.order.slice(-2)).toEqual(['beforeEnd', 'yield <end>']);
    expect(r.tapped).toBe(r.out);
  });

  it('an SSE protocol with an end marker: passthrough complete at the marker, a stream without it failed', async () => {
    const done = await run(UPSTREAMS.openai.framing, ['data: {"x":1}\n\n', 'data: [DONE]\n\n'], null);
    expect(done.outcomes).toEqual([{ kind: 'complete' }]);
    expect(done.order).toEqual(['yield data: {"x":1}\n\n', 'beforeEnd', 'yield data: [DONE]\n\n']);
    const cut = await run(UPSTREAMS.openai.framing, ['data: {"x":1}\n\n'], null);
    expect(cut.outcomes[0]!.kind).toBe('failed');
    expect(cut.order).not.toContain('beforeEnd');
    expect(cut.out).toContain('ended the stream early');
  });
});
