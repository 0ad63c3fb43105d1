import type { CoreResponse } from './types.js';

/** A small page saying what this is and where the API lives. */
export function homePage(version: string, chatPaths: readonly string[], models: number): CoreResponse {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const li = (m: string, p: string, what: string) => `<li><code>${m} ${esc(p)}</code> ${what}</li>`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>ones-proxy</title></head><body>
<h1>ones-proxy ${esc(version)}</h1><p>One endpoint in front of many LLM providers. ${models} models available.</p><ul>
${chatPaths.map((p) => li('POST', p, 'OpenAI Chat Completions')).join('\n')}
${li('POST', '/v1/messages', 'Anthropic Messages')}
${li('POST', '/v1/messages/count_tokens', 'Anthropic token count')}
${li('GET', '/v1/models', 'models, including <code>auto</code>')}
${li('GET', '/health', 'liveness')}
</ul></body></html>`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}
