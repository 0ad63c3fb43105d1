// The packages as npm users get them: the tarballs `pnpm pack` writes
// (scripts/pack.mjs), installed with npm into a project outside the monorepo,
// then loaded from ESM and from CommonJS, type-checked, asked to serve a real
// request, and the cli run through npx. Uses the built dist/ of each package.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = { core: '@ones-proxy/core', server: '@ones-proxy/server', cli: 'ones-proxy' } as const;

let dir: string;
let consumer: string;
let app: string;
let tarballs: Record<keyof typeof PACKAGES, string>;
let mock: MockUpstream;

/** A script that serves one chat request through the installed packages and prints what it got. */
function serveScript(kind: 'esm' | 'cjs'): string {
  const load =
    kind === 'esm'
      ? `import { createProxy } from '@ones-proxy/core';\nimport { createServer } from '@ones-proxy/server';\nconst resolved = import.meta.resolve('@ones-proxy/core');`
      : `const { createProxy } = require('@ones-proxy/core');\nconst { createServer } = require('@ones-proxy/server');\nconst resolved = require.resolve('@ones-proxy/core');`;
  return `${load}
const proxy = createProxy({ providers: [{ name: 'mock', type: 'openai', baseURL: process.env.UPSTREAM, models: ['m1'] }] });
const server = createServer(proxy);
server.listen(0, '127.0.0.1', async () => {
  const r = await fetch('http://127.0.0.1:' + server.address().port + '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = await r.json();
  console.log(JSON.stringify({ resolved, status: r.status, text: body.choices?.[0]?.message?.content }));
  await server.shutdown(1000);
});
`;
}

/** Exercises the public types; the @ts-expect-error lines fail the check if the declarations were `any`. */
const TYPES_CHECK = `import { createProxy, ConfigError, type ProxyOptions } from '@ones-proxy/core';
import { createServer, createMiddleware } from '@ones-proxy/server';
const options: ProxyOptions = { providers: [{ name: 'a', type: 'openai', baseURL: 'http://127.0.0.1:1/v1' }] };
const proxy = createProxy(options);
const server = createServer(proxy);
server.listen(0);
const mw = createMiddleware(proxy);
const err: Error = new ConfigError('x');
// @ts-expect-error: providers is an array
createProxy({ providers: 5 });
// @ts-expect-error: shutdown takes a number of ms
void server.shutdown('soon');
export { mw, err };
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ones-packages-'));
  app = join(dir, 'app');
  const packed = await exec(process.execPath, [join(root, 'scripts/pack.mjs'), join(dir, 'pkgs'), '--app', app], { cwd: root });
  const files = packed.stdout.split('\n').filter((l) => l.endsWith('.tgz'));
  const find = (re: RegExp) => files.find((f) => re.test(f))!;
  tarballs = { core: find(/ones-proxy-core-[\d.]+\.tgz$/), server: find(/ones-proxy-server-[\d.]+\.tgz$/), cli: find(/\/ones-proxy-[\d.]+\.tgz$/) };

  consumer = join(dir, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // @types/node: the optional peer a TypeScript user of core brings
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '@types/node@^20.19.0', ...Object.values(tarballs)], { cwd: consumer });
  writeFileSync(join(consumer, 'serve.mjs'), serveScript('esm'));
  writeFileSync(join(consumer, 'serve.cjs'), serveScript('cjs'));
  writeFileSync(join(consumer, 'check.mts'), TYPES_CHECK);
  writeFileSync(join(consumer, 'check.cts'), TYPES_CHECK);
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['check.mts', 'check.cts'] }),
  );
  mock = await startMockUpstream({ protocol: 'openai', models: ['m1'] });
}, 120_000);

afterAll(async () => {
  await mock?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('packed packages', () => {
  it('each tarball holds dist, README.md, the repository LICENSE and versions instead of workspace:* ranges', async () => {
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    for (const [pkg, tarball] of Object.entries(tarballs)) {
      const list = (await exec('tar', ['-tzf', tarball])).stdout.split('\n');
      expect(list, pkg).toEqual(expect.arrayContaining(['package/package.json', 'package/README.md', 'package/LICENSE', 'package/dist/index.js']));
      expect((await exec('tar', ['-xzOf', tarball, 'package/LICENSE'])).stdout, pkg).toBe(license);
      const manifest = (await exec('tar', ['-xzOf', tarball, 'package/package.json'])).stdout;
      expect(manifest, pkg).not.toContain('workspace:');
      expect(JSON.parse(manifest).license, pkg).toBe('MIT');
    }
  });

  it('core and server load from ESM (dist/index.js) and serve a request', async () => {
    const { stdout } = await exec(process.execPath, ['serve.mjs'], { cwd: consumer, env: { ...process.env, UPSTREAM: mock.baseURL } });
    const r = JSON.parse(stdout);
    expect(r).toMatchObject({ status: 200, text: 'Hello from the mock.' });
    expect(r.resolved).toMatch(/node_modules\/@ones-proxy\/core\/dist\/index\.js$/);
  });

  it('core and server load from CommonJS (dist/index.cjs) and serve a request', async () => {
    const { stdout } = await exec(process.execPath, ['serve.cjs'], { cwd: consumer, env: { ...process.env, UPSTREAM: mock.baseURL } });
    const r = JSON.parse(stdout);
    expect(r).toMatchObject({ status: 200, text: 'Hello from the mock.' });
    expect(r.resolved).toMatch(/node_modules\/@ones-proxy\/core\/dist\/index\.cjs$/);
  });

  it('TypeScript consumers type-check against both declaration files (.d.ts for import, .d.cts for require)', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const r = await exec(process.execPath, [tsc, '-p', consumer, '--listFiles'], { cwd: consumer }).catch((e) => e);
    expect(r.stderr ?? '', r.stdout).toBe('');
    const listed: string[] = r.stdout.split('\n');
    expect(listed.some((f) => f.endsWith('@ones-proxy/core/dist/index.d.ts'))).toBe(true);
    expect(listed.some((f) => f.endsWith('@ones-proxy/core/dist/index.d.cts'))).toBe(true);
    expect(listed.some((f) => f.endsWith('@ones-proxy/server/dist/index.d.cts'))).toBe(true);
  }, 60_000);

  it('npx ones-proxy runs the installed cli', async () => {
    const help = await exec('npx', ['ones-proxy', '--help'], { cwd: consumer });
    expect(help.stdout).toContain('Usage: ones-proxy [options]');
    const version = await exec('npx', ['ones-proxy', '--version'], { cwd: consumer });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version);
  });

  it('the Docker image layout (pack.mjs --app) is the cli package with real versions and its production dependencies', async () => {
    const manifest = readFileSync(join(app, 'package.json'), 'utf8');
    expect(manifest).not.toContain('workspace:');
    expect(JSON.parse(manifest).dependencies).toMatchObject({ '@ones-proxy/core': expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    const { stdout } = await exec(process.execPath, ['dist/cli.js', '--version'], { cwd: app });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
