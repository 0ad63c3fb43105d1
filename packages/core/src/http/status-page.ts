import type { ModelReport } from '../router/router.js';
import type { CoreResponse } from './types.js';

/** What the status page shows; `detail` only to a caller holding the token (or when none is set). */
export interface StatusView {
  version: string;
  health: { status: 'ok' | 'degraded'; reason?: string };
  /** null: the caller did not show the token; the page offers a form for it */
  detail: {
    uptimeSeconds: number;
    workers: number;
    storage: { kind: string; up: boolean | null };
    providers: { provider: string; models: number; error?: string }[];
    models: readonly ModelReport[];
    chatPaths: readonly string[];
    routes: readonly [method: string, paths: readonly string[], what: string][];
  } | null;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function duration(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h ${m}m` : h ? `${h}h ${m}m` : `${m}m ${Math.floor(s % 60)}s`;
}

const CSS = `body{font:16px/1.45 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:.75rem;color:#222}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
.ok{color:#17702f}.degraded,.err{color:#a12a1a}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{padding:.3rem .4rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.scroll{overflow-x:auto}code{font-size:.9em;overflow-wrap:anywhere}td code{white-space:nowrap}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem}dt{font-weight:600}
form{margin:1rem 0}input{font:inherit;padding:.3rem;max-width:60%}button{font:inherit;padding:.3rem .7rem}`;

/** GET /: a plain server-rendered page, readable on a phone. */
export function statusPage(v: StatusView): CoreResponse {
  const health = `<p>Health: <strong class="${v.health.status}" id="health">${v.health.status}</strong>${v.health.reason ? ` — ${esc(v.health.reason)}` : ''}</p>`;
  let body: string;
  if (!v.detail) {
    body = `${health}
<form method="get" action=""><label>Token <input type="password" name="token" autocomplete="current-password"></label> <button type="submit">Show status</button></form>`;
  } else {
    const d = v.detail;
    const storage = `${esc(d.storage.kind)}${d.storage.up === null ? '' : d.storage.up ? ' (up)' : ' <span class="err">(down)</span>'}`;
    const providers = d.providers
      .map((p) => `<tr><td>${esc(p.provider)}</td><td>${p.models}</td><td class="${p.error ? 'err' : ''}">${p.error ? esc(p.error) : '—'}</td></tr>`)
      .join('');
    const now = Date.now();
    const models = d.models
      .map((m) => {
        const until = m.coolingUntil !== null && m.coolingUntil > now ? new Date(m.coolingUntil).toISOString() : null;
        // the time of day (UTC) fits a phone's column; the whole date is in the title
        const cooling = until ? `<time datetime="${until}" title="${until}">${until.slice(11, 19)} UTC</time>` : '—';
        const rate = m.successRate === null ? '—' : `${(m.successRate * 100).toFixed(1)} %`;
        const latency = m.latencyMs === null ? '—' : `${Math.round(m.latencyMs)} ms`;
        return `<tr><td><code>${esc(m.provider)}/</code><wbr><code>${esc(m.model)}</code></td><td>${m.calls}</td><td>${rate}</td><td>${latency}</td><td>${cooling}</td></tr>`;
      })
      .join('');
    const routes = d.routes.flatMap(([method, paths, what]) => paths.map((p) => `<li><code>${method} ${esc(p)}</code> ${what}</li>`)).join('');
    body = `${health}
<dl><dt>Uptime</dt><dd id="uptime">${duration(d.uptimeSeconds)}</dd><dt>Workers</dt><dd id="workers">${d.workers}</dd><dt>Storage</dt><dd id="storage">${storage}</dd></dl>
<h2>Providers</h2><div class="scroll"><table id="providers"><thead><tr><th>provider</th><th>models</th><th>last list error</th></tr></thead><tbody>${providers || '<tr><td colspan="3">none configured</td></tr>'}</tbody></table></div>
<h2>Models</h2><div class="scroll"><table id="models"><thead><tr><th>model</th><th>calls</th><th>success</th><th>latency</th><th>cooling down until</th></tr></thead><tbody>${models || '<tr><td colspan="5">no models</td></tr>'}</tbody></table></div>
<h2>Chat routes</h2><ul id="chat-routes">${d.chatPaths.map((p) => `<li><code>POST ${esc(p)}</code></li>`).join('')}</ul>
<h2>API</h2><ul>${routes}</ul>`;
  }
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><title>ones-proxy status</title><style>${CSS}</style></head><body>
<h1>ones-proxy <span id="version">${esc(v.version)}</span></h1>
${body}
</body></html>`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: html };
}
