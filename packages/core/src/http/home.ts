import type { CoreResponse } from './types.js';

/** What the home page lists: each route's paths and what it is. */
export type HomeRoute = [method: string, paths: readonly string[], what: string];

/** A small page saying what this is and where the API lives. */
export function homePage(version: string, routes: readonly HomeRoute[], models: number): CoreResponse {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const items = routes.flatMap(([method, paths, what]) => paths.map((p) => `<li><code>${method} ${esc(p)}</code> ${what}</li>`)).join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>ones-proxy</title></head><body>
<h1>ones-proxy ${esc(version)}</h1><p>One endpoint in front of many LLM providers. ${models} models available.</p><ul>
${items}
</ul></body></html>`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}
