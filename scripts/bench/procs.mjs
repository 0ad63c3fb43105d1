// Child processes for the benchmark: the mock upstream, the proxy, Portkey's
// gateway. Every child is tracked and stopped at the end, on SIGINT/SIGTERM,
// and (SIGKILL) when this process exits for any other reason.
import { fork, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

const children = new Set();

export function track(cp, name) {
  cp.benchName = name;
  children.add(cp);
  cp.once('exit', () => children.delete(cp));
  return cp;
}

/** SIGTERM (or the given signal), then SIGKILL after `graceMs`; resolves when the child is gone. */
export function stop(cp, { signal = 'SIGTERM', graceMs = 5000 } = {}) {
  if (!cp || cp.exitCode !== null || cp.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => cp.kill('SIGKILL'), graceMs);
    cp.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    cp.kill(signal);
  });
}

export async function stopAll() {
  await Promise.all([...children].map((c) => stop(c)));
}

let handlersInstalled = false;
export function installSignalHandlers(onStop = () => {}) {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const bye = (sig) => {
    console.error(`\n${sig}: stopping the benchmark's processes`);
    onStop();
    stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => bye('SIGINT'));
  process.once('SIGTERM', () => bye('SIGTERM'));
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: not ready after ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

/** Forks a script that reports { ready, port } over IPC; resolves with { proc, port, url, pid }. */
async function forkReady(script, options, name) {
  const proc = track(fork(script, ['--json', JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }), name);
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      proc.once('message', (m) => (m?.ready ? resolve(m.port) : reject(new Error(`${name}: unexpected message ${JSON.stringify(m)}`))));
      proc.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    }),
    10_000,
    name,
  );
  return { proc, port, pid: proc.pid, url: `http://127.0.0.1:${port}` };
}

/** Forks the mock upstream (scripts/bench/mock.mjs). */
export function startMock(root, options) {
  return forkReady(join(root, 'scripts/bench/mock.mjs'), options, 'mock');
}

/** Forks the yardstick proxy (scripts/bench/reference-proxy.mjs) in front of `upstream`. */
export function startReference(root, upstream) {
  return forkReady(join(root, 'scripts/bench/reference-proxy.mjs'), { upstream }, 'reference');
}

/** The proxy's environment: nothing inherited that could add providers, a token or DeGPT. */
function proxyEnv() {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', DEGPT_ENABLED: 'false', NODE_ENV: 'production' };
  return env;
}

/**
 * Starts the built CLI (one process) with a generated config; resolves once it
 * prints its "listening on" line. `nodeArgs` go before the script (e.g. --cpu-prof).
 */
export async function startProxy(root, { config, nodeArgs = [], workDir, name = 'proxy' }) {
  const cli = join(root, 'packages/cli/dist/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (pnpm bench builds it, or pnpm build)`);
  mkdirSync(workDir, { recursive: true });
  const cfgPath = join(workDir, `${name}.config.json`);
  writeFileSync(cfgPath, JSON.stringify(config, null, 2));
  const proc = track(
    spawn(process.execPath, [...nodeArgs, cli, '--port', '0', '--host', '127.0.0.1', '--config', cfgPath], {
      cwd: workDir,
      env: proxyEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    name,
  );
  const log = { lines: [], warnings: 0, errors: 0 };
  const keep = (line) => {
    if (!line) return;
    if (line.includes('"level":"warn"')) log.warnings++;
    else if (line.includes('"level":"error"') || line.includes('"level":"fatal"')) log.errors++;
    log.lines.push(line);
    if (log.lines.length > 200) log.lines.splice(0, 100);
  };
  let buf = '';
  const url = await withTimeout(
    new Promise((resolve, reject) => {
      const onData = (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          keep(line);
          const m = /listening on (http:\/\/[^;\s]+)/.exec(line);
          if (m) resolve(m[1]);
        }
      };
      proc.stdout.setEncoding('utf8').on('data', onData);
      proc.stderr.setEncoding('utf8').on('data', onData);
      proc.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening:\n${log.lines.slice(-20).join('\n')}`)));
    }),
    20_000,
    name,
  );
  return { proc, url, log, pid: proc.pid };
}

export const PORTKEY_VERSION = '1.15.2';

/** Installs @portkey-ai/gateway under .bench/portkey once; returns its server entry. */
export function ensurePortkey(root) {
  const dir = join(root, '.bench/portkey');
  const pkgDir = join(dir, 'node_modules/@portkey-ai/gateway');
  const entry = join(pkgDir, 'build/start-server.js');
  const installed = existsSync(entry) && JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version === PORTKEY_VERSION;
  if (!installed) {
    mkdirSync(dir, { recursive: true });
    console.error(`> installing @portkey-ai/gateway@${PORTKEY_VERSION} into .bench/portkey (once)`);
    const r = spawnSync('npm', ['install', '--prefix', dir, `@portkey-ai/gateway@${PORTKEY_VERSION}`, '--no-audit', '--no-fund', '--loglevel=error'], {
      stdio: 'inherit',
      cwd: root,
    });
    if (r.status !== 0 || !existsSync(entry)) throw new Error('could not install @portkey-ai/gateway');
  }
  return { entry, dir, version: PORTKEY_VERSION };
}

/**
 * Starts Portkey's Node server (its package's bin, build/start-server.js:
 * a Hono app on @hono/node-server, `--port=N`, `--headless` skips the log UI).
 * Its output goes to .bench/portkey.log. It listens on all interfaces (the
 * package has no host flag); every request this benchmark sends goes to 127.0.0.1.
 */
export async function startPortkey(root) {
  const { entry, dir, version } = ensurePortkey(root);
  const port = await freePort();
  const out = openSync(join(root, '.bench/portkey.log'), 'w');
  const proc = track(
    spawn(process.execPath, [entry, `--port=${port}`, '--headless'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production' },
      stdio: ['ignore', out, out],
    }),
    'portkey',
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`portkey exited with ${proc.exitCode}; see .bench/portkey.log`);
    try {
      await fetch(url + '/', { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('portkey: not answering after 30 s; see .bench/portkey.log');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { proc, url, pid: proc.pid, version };
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssOf(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(s);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU time (user+sys) a process has used so far, in seconds (Linux /proc). */
export function cpuOf(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Busy and steal time of the whole machine so far, in seconds (all cores summed). */
export function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return { busy: (user + nice + system + irq + softirq + steal) / 100, steal: (steal ?? 0) / 100 };
}

/**
 * Measures, between start() and end(), the cores each of `pids` used, this
 * process's own use, and what the rest of the machine used ("other"): another
 * job on the same cores skews every figure, so it is reported next to them.
 */
export function cpuMeter(pids) {
  const uniq = [...new Set(Object.values(pids))];
  let t0;
  let m0;
  let p0;
  let b0;
  return {
    start() {
      t0 = performance.now();
      m0 = machineCpu();
      p0 = new Map(uniq.map((p) => [p, cpuOf(p)]));
      b0 = process.cpuUsage();
    },
    end() {
      const secs = (performance.now() - t0) / 1000;
      const m1 = machineCpu();
      const b = process.cpuUsage(b0);
      const used = new Map(uniq.map((p) => [p, cpuOf(p) - p0.get(p)]));
      const self = (b.user + b.system) / 1e6;
      const ours = [...used.values()].reduce((x, y) => x + y, 0) + self;
      const out = { bench: self / secs, other: Math.max(0, (m1.busy - m0.busy - ours) / secs), steal: (m1.steal - m0.steal) / secs };
      for (const [k, p] of Object.entries(pids)) out[k] = used.get(p) / secs;
      return out;
    },
  };
}

/**
 * Waits (at most `maxSeconds`) until the rest of the machine has been quiet
 * (< `threshold` cores busy) for one second; call it while the benchmark's own
 * processes are idle. Resolves with { waited, load } (load of the last window).
 */
export async function waitQuiet(maxSeconds, threshold = 0.15) {
  const t0 = performance.now();
  let load = NaN;
  for (;;) {
    const a = machineCpu().busy;
    const b0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1000));
    const b = process.cpuUsage(b0);
    load = Math.max(0, machineCpu().busy - a - (b.user + b.system) / 1e6);
    const waited = (performance.now() - t0) / 1000;
    if (load < threshold || waited >= maxSeconds) return { waited, load };
  }
}
