import pino from 'pino';
import { createProxy, ConfigError, VERSION, type Logger } from '@ones-proxy/core';
import { createServer, type ProxyServer } from '@ones-proxy/server';
import cluster from 'node:cluster';
import { HELP, parseCliArgs, parsePort, parseWorkers, UsageError, type CliArgs } from './args.js';
import { defaultWorkers, type ListeningMessage, runPrimary } from './cluster.js';
import { loadConfig } from './load-config.js';
import { describeProvider, startupWarnings } from './warnings.js';

export interface Started {
  server: ProxyServer;
  url: string;
  log: Logger;
  stop(): Promise<void>;
}

type Env = Record<string, string | undefined>;

/** Secrets never reach a log line, whatever object is logged. */
const REDACT = ['token', 'apiKey', 'authorization', 'headers.authorization', 'headers["x-api-key"]', 'headers.cookie', '*.apiKey', '*.token'];

/** JSON lines on stdout, levels by name ("info", "warn") rather than pino's numbers. */
function makeLogger(debug: boolean): Logger {
  return pino({
    level: debug ? 'debug' : 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { pid: process.pid },
    formatters: { level: (label) => ({ level: label }) },
  }) as unknown as Logger;
}

/**
 * Starts the proxy server from argv and env. Returns null after --help/--version.
 * Throws UsageError (exit 2) or ConfigError (exit 2) on bad input.
 * Once the configuration is valid everything goes through the logger, in a
 * fixed order: configuration warnings, then the listening line.
 */
export async function main(argv: string[], env: Env = process.env, print: (line: string) => void = console.log): Promise<Started | null> {
  const args = parseCliArgs(argv);
  if (args.help) {
    print(HELP);
    return null;
  }
  if (args.version) {
    print(VERSION);
    return null;
  }
  const port = args.port ?? (env.PORT ? parsePort(env.PORT, 'PORT') : 7860);
  const host = args.host ?? (env.HOST || '0.0.0.0');
  const { config, warnings, defaultDegpt } = loadConfig(args, env);
  const log = makeLogger(config.debug);
  // in a cluster the primary said the warnings already, and says the start-up line for all workers
  const worker = cluster.isWorker;
  if (!worker) for (const w of [...warnings, ...startupWarnings(config, host, env)]) log.warn({}, w);

  const proxy = createProxy({ ...config, logger: log });
  const server = createServer(proxy, { logger: log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // the first model discovery is awaited briefly so the start-up line can say what was found
  await Promise.race([proxy.ready(), new Promise((r) => setTimeout(r, 5000).unref())]);
  const addr = server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  const status = proxy.status();
  const total = status.reduce((n, s) => n + s.models, 0);
  const providers = status.map((s) => describeProvider(config, s, defaultDegpt)).join(', ') || 'none';
  const chat = config.chatPaths ? `; chat paths: ${config.chatPaths.join(', ')}` : '';
  const fields = { url, providers: status, models: total, tokenRequired: !!config.token, storage: config.session.storage };
  const line = `ones-proxy ${VERSION} listening on ${url}; providers: ${providers}; ${total} models${config.token ? '; token required' : ''}${chat}`;
  if (worker) process.send?.({ type: 'ones:listening', line, fields } satisfies ListeningMessage);
  else log.info(fields, line);
  return { server, url, log, stop: () => server.shutdown() };
}

/** A repeat of the stop signal within this long is the same request (a terminal signals the whole process group). */
const SAME_SIGNAL_MS = 1000;

/**
 * The worker count: --workers, WORKERS, else the storage's default. Several workers with memory
 * storage work, but each keeps its own sessions and routing stats: said once.
 */
function workersFor(args: CliArgs, env: Env, storage: 'memory' | 'redis', log: Logger): number {
  const n = args.workers ?? (env.WORKERS ? parseWorkers(env.WORKERS, 'WORKERS') : defaultWorkers(storage));
  if (n > 1 && storage === 'memory') log.warn({ workers: n }, `${n} workers with memory storage: each worker keeps its own sessions and routing stats (use redis storage to share them)`);
  return n;
}

/** The primary of a cluster: validates the configuration (so a bad one exits 2 once), says its warnings, forks the workers. */
function primary(argv: string[], env: Env): boolean {
  const args = parseCliArgs(argv);
  if (args.help || args.version) return false;
  const { config, warnings } = loadConfig(args, env);
  const log = makeLogger(config.debug);
  const workers = workersFor(args, env, config.session.storage, log);
  if (workers <= 1) return false;
  const host = args.host ?? (env.HOST || '0.0.0.0');
  for (const w of [...warnings, ...startupWarnings(config, host, env)]) log.warn({}, w);
  runPrimary(workers, log);
  return true;
}

export async function run(argv: string[]): Promise<void> {
  let started: Started | null;
  try {
    if (cluster.isPrimary && primary(argv, process.env)) return;
    started = await main(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      console.error(`ones-proxy: ${e.message}`);
      if (e instanceof UsageError) console.error('Try "ones-proxy --help".');
      process.exit(2);
    }
    console.error(`ones-proxy: could not start: ${(e as Error).message}`);
    process.exit(1);
  }
  if (!started) return;
  const { stop, log } = started;
  let stoppingSince = 0;
  const onSignal = (sig: string) => {
    if (stoppingSince) {
      // a launcher passing the signal on, plus the terminal's own: only a later one means "stop now"
      if (Date.now() - stoppingSince > SAME_SIGNAL_MS) process.exit(1);
      return;
    }
    stoppingSince = Date.now();
    log.info({ signal: sig }, `${sig} received, finishing requests in flight`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}
