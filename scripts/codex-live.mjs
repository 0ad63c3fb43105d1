#!/usr/bin/env node
// Codex CLI as a real client of the proxy's Responses API: `codex exec` with a
// custom provider whose base_url is the proxy, against a local Chat
// Completions upstream and a local Anthropic one. Each upstream is a small
// scripted node:http server: the first turn asks for a shell tool call, the
// next (after seeing the command's output) answers with that output.
//
//   node scripts/codex-live.mjs            (needs the built packages and network for npx)
//   CODEX="codex" node scripts/codex-live.mjs     (a codex already installed)
//   RECORD=1 node scripts/codex-live.mjs   (also writes tests/fixtures/codex/*.json: the requests Codex sent)
//
// Nothing here reaches the internet but npx fetching @openai/codex: the proxy
// and both upstreams listen on loopback, and the key is a dummy.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const { createProxy } = await import(pathToFileURL(join(root, 'packages/core/dist/index.js')).href);
const { createServer: createProxyServer } = await import(pathToFileURL(join(root, 'packages/server/dist/index.js')).href);

const MARK = `codex-live-${process.pid}`;
const COMMAND = `echo ${MARK}`;

/** What the upstream should answer: a shell call first, then the command's output once it is in the conversation. */
function plan(conversation, toolNames) {
  const text = JSON.stringify(conversation);
  // the command's output comes back as a tool result; the prompt itself holds the mark too, so look past the prompt
  const results = conversation.filter((m) => m.role === 'tool' || (Array.isArray(m.content) && m.content.some((b) => b.type === 'tool_result')));
  if (results.length && JSON.stringify(results).includes(MARK)) return { text: `The command printed ${MARK}.` };
  if (!text.includes('Run the command')) return { text: 'Hello from the scripted upstream.' };
  const tool = ['exec_command', 'shell_command', 'shell', 'local_shell'].find((n) => toolNames.includes(n));
  if (!tool) return { text: `no shell tool among ${toolNames.join(', ')}` };
  const args = tool === 'exec_command' ? { cmd: COMMAND } : tool === 'shell_command' ? { command: COMMAND } : { command: ['bash', '-lc', COMMAND] };
  return { tool, args: JSON.stringify(args) };
}

const readJson = (req) =>
  new Promise((resolve) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s ? JSON.parse(s) : null));
  });

/** A Chat Completions upstream that streams what `plan` says. */
function chatUpstream(seen) {
  return createServer(async (req, res) => {
    if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-local', object: 'model' }] }));
    const body = await readJson(req);
    seen.push(body);
    const p = plan(body.messages, (body.tools ?? []).map((t) => t.function?.name));
    const chunk = (delta, finish = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk({ role: 'assistant', content: '' }));
    if (p.tool) {
      res.write(chunk({ tool_calls: [{ index: 0, id: 'call_live1', type: 'function', function: { name: p.tool, arguments: '' } }] }));
      for (const piece of p.args.match(/.{1,7}/gs)) res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
      res.write(chunk({}, 'tool_calls'));
    } else {
      for (const piece of p.text.match(/.{1,7}/gs)) res.write(chunk({ content: piece }));
      res.write(chunk({}, 'stop'));
    }
    res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [], usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 } })}\n\n`);
    res.end('data: [DONE]\n\n');
  });
}

/** An Anthropic Messages upstream that streams what `plan` says. */
function anthropicUpstream(seen) {
  return createServer(async (req, res) => {
    if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: 'claude-local', type: 'model' }], has_more: false }));
    const body = await readJson(req);
    seen.push(body);
    const p = plan(body.messages, (body.tools ?? []).map((t) => t.name));
    const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(ev('message_start', { message: { id: 'msg_live', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 100, output_tokens: 1 } } }));
    if (p.tool) {
      res.write(ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_live1', name: p.tool, input: {} } }));
      for (const piece of p.args.match(/.{1,7}/gs)) res.write(ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: piece } }));
    } else {
      res.write(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
      for (const piece of p.text.match(/.{1,7}/gs)) res.write(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }));
    }
    res.write(ev('content_block_stop', { index: 0 }));
    res.write(ev('message_delta', { delta: { stop_reason: p.tool ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 10 } }));
    res.end(ev('message_stop', {}));
  });
}

const listen = (server) => new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));

function run(cmd, args, env, cwd) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const codex = process.env.CODEX ? [process.env.CODEX] : ['npx', '-y', '@openai/codex@latest'];
const recorded = [];
let failed = 0;
for (const [name, makeUpstream, providerType, model] of [
  ['chat-completions', chatUpstream, 'openai', 'gpt-local'],
  ['anthropic', anthropicUpstream, 'anthropic', 'claude-local'],
]) {
  const seen = [];
  const upstream = makeUpstream(seen);
  const upPort = await listen(upstream);
  const requests = [];
  const proxy = createProxy({
    providers: [{ name: 'up', type: providerType, baseURL: providerType === 'openai' ? `http://127.0.0.1:${upPort}/v1` : `http://127.0.0.1:${upPort}`, apiKey: 'local', models: [model] }],
    hooks: [{ beforeAttempt: (req) => void requests.push(structuredClone(req.body)) }],
  });
  await proxy.ready();
  const server = createProxyServer(proxy);
  const port = await listen(server);
  const home = mkdtempSync(join(tmpdir(), 'codex-home-'));
  const work = mkdtempSync(join(tmpdir(), 'codex-work-'));
  writeFileSync(
    join(home, 'config.toml'),
    `model_provider = "ones"\nmodel = "${model}"\n\n[model_providers.ones]\nname = "ones"\nbase_url = "http://127.0.0.1:${port}/v1"\nwire_api = "responses"\nenv_key = "ONES_KEY"\n`,
  );
  const env = { ...process.env, CODEX_HOME: home, ONES_KEY: 'local-dummy-key', NO_COLOR: '1' };
  const prompt = `Run the command \`${COMMAND}\` in the shell and tell me what it printed.`;
  const r = await run(codex[0], [...codex.slice(1), 'exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', prompt], env, work);
  const outputSeen = seen.slice(1).some((b) => JSON.stringify(b.messages).includes(MARK) && /"role":"tool"|tool_result/.test(JSON.stringify(b.messages)));
  const answered = r.out.includes(`The command printed ${MARK}`);
  const ok = r.code === 0 && outputSeen && answered;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} codex exec → proxy (Responses) → ${name} upstream: exit ${r.code}, ${requests.length} Responses requests, ${seen.length} upstream calls, tool output reached the upstream: ${outputSeen}, answer printed: ${answered}`);
  if (!ok) console.log(`--- stdout\n${r.out.slice(-3000)}\n--- stderr\n${r.err.slice(-3000)}`);
  if (process.env.RECORD) recorded.push(...requests.map((body, i) => ({ name: `${name}-${i + 1}`, body })));
  await new Promise((done) => server.close(done));
  server.closeAllConnections?.();
  upstream.closeAllConnections();
  await new Promise((done) => upstream.close(done));
  await proxy.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

if (process.env.RECORD) {
  const dir = join(root, 'tests/fixtures/codex');
  mkdirSync(dir, { recursive: true });
  for (const { name, body } of recorded) writeFileSync(join(dir, `${name}.json`), JSON.stringify(body, null, 2) + '\n');
  console.log(`recorded ${recorded.length} requests in tests/fixtures/codex/`);
}
process.exit(failed ? 1 : 0);
