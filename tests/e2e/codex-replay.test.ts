/**
 * Requests the Codex CLI really sent (recorded by scripts/codex-live.mjs into
 * tests/fixtures/codex/), replayed through the proxy against a Chat
 * Completions and an Anthropic upstream: the first turn of each recording
 * asks for a shell command, the second carries its output back. What Codex
 * reads of the stream is checked as Codex reads it (codex-rs sse/responses.rs:
 * output_item.done items, response.completed with id and usage).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockReply, type MockUpstream, type Recorded } from '../helpers/mock-upstream.js';
import { startProxy, type RunningProxy } from '../helpers/proxy.js';

const dir = join(import.meta.dirname, '../fixtures/codex');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ''), body: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, any> }));
const firstTurns = fixtures.filter((f) => f.name.endsWith('-1'));
const secondTurns = fixtures.filter((f) => f.name.endsWith('-2'));

/** The mark the recorded command printed (echo codex-live-<pid>). */
const markOf = (body: Record<string, any>) => /codex-live-\d+/.exec(JSON.stringify(body.input))![0];

function script(r: Recorded): MockReply {
  const last = JSON.stringify(r.body.messages.at(-1));
  const mark = /codex-live-\d+/.exec(JSON.stringify(r.body.messages))?.[0] ?? 'none';
  if (/tool_result|"role":"tool"/.test(last)) return { text: `The command printed ${mark}.` };
  return { toolCalls: [{ name: 'exec_command', arguments: JSON.stringify({ cmd: `echo ${mark}` }) }] };
}

let oa: MockUpstream;
let an: MockUpstream;
let px: RunningProxy;

beforeAll(async () => {
  oa = await startMockUpstream({ protocol: 'openai', models: ['gpt-local'], reply: script });
  an = await startMockUpstream({ protocol: 'anthropic', models: ['claude-local'], reply: script });
  px = await startProxy({
    providers: [
      { name: 'oa', type: 'openai', baseURL: oa.baseURL, apiKey: 'k' },
      { name: 'an', type: 'anthropic', baseURL: an.baseURL, apiKey: 'k' },
    ],
    router: { maxAttempts: 1, cooldownSeconds: 0 },
  });
});
afterAll(async () => {
  await px.close();
  await Promise.all([oa.close(), an.close()]);
});

/** POSTs a recorded body (its model set to the upstream's) and returns the stream's events, parsed. */
async function replay(body: Record<string, any>, model: string): Promise<{ type: string; data: any }[]> {
  const res = await fetch(`${px.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer local' }, body: JSON.stringify({ ...body, model }) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((f) => f.includes('data: '))
    .map((f) => {
      const type = /^event: (.+)$/m.exec(f)?.[1] ?? '';
      const data = JSON.parse(/^data: (.+)$/m.exec(f)![1]!);
      expect(data.type).toBe(type);
      return { type, data };
    });
}

const UPSTREAMS = [
  ['Chat Completions', 'gpt-local', () => oa],
  ['Anthropic', 'claude-local', () => an],
] as const;

it('has recordings of both turns', () => {
  expect(firstTurns.length).toBeGreaterThan(0);
  expect(secondTurns.length).toBe(firstTurns.length);
  for (const f of fixtures) expect(f.body).toMatchObject({ stream: true, store: false, include: ['reasoning.encrypted_content'] });
});

describe.each(UPSTREAMS)('recorded Codex requests → %s upstream', (_name, model, upstream) => {
  it.each(firstTurns.map((f) => [f.name, f.body] as const))('%s: the shell call Codex runs', async (_f, body) => {
    const events = await replay(body, model);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.data.item);
    const call = done.find((i) => i.type === 'function_call');
    expect(call).toMatchObject({ name: 'exec_command', status: 'completed' });
    expect(typeof call.call_id).toBe('string');
    expect(JSON.parse(call.arguments)).toEqual({ cmd: `echo ${markOf(body)}` });
    const completed = events.at(-1)!;
    expect(completed.type).toBe('response.completed');
    expect(completed.data.response).toMatchObject({ id: expect.stringMatching(/^resp_/), usage: { input_tokens: 11, output_tokens: 7, total_tokens: 18 } });
    // what the upstream got: Codex's developer messages as system text, its function tools, no hosted tool it cannot run
    const sent = upstream().chats().at(-1)!.body;
    const names = (sent.tools as any[]).map((t) => t.name ?? t.function?.name);
    expect(names).toContain('exec_command');
    expect(names).not.toContain('web_search');
    expect(names.length).toBe((body.tools as any[]).filter((t) => t.type === 'function').length);
    expect(JSON.stringify(sent)).toContain(body.input[0].content[0].text.slice(0, 60));
  });

  it.each(secondTurns.map((f) => [f.name, f.body] as const))('%s: the command output reaches the upstream, the answer comes back', async (_f, body) => {
    const events = await replay(body, model);
    const sent = upstream().chats().at(-1)!.body;
    const last = JSON.stringify(sent.messages.at(-1));
    expect(last).toMatch(/tool_result|"role":"tool"/);
    expect(last).toContain(`Output:\\n${markOf(body)}`);
    const message = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.data.item).find((i) => i.type === 'message');
    expect(message.content[0]).toMatchObject({ type: 'output_text', text: `The command printed ${markOf(body)}.` });
    expect(events.at(-1)!.type).toBe('response.completed');
  });
});
