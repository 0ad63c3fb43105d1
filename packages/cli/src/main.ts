import pino from 'pino';
import pretty from 'pino-pretty';
import cluster from 'node:cluster';
import {
  createProxy,
  ConfigError,
  FallbackRouterStore,
  MemoryRouterStore,
  MemorySessionStore,
  RedisConnection,
  RedisRouterStore,
  RedisSessionStore,
  VERSION,
  type Logger,
  type ProxyConfig,
  type RouterStore,
  type SessionStore,
} from '@ones-proxy/core';
import { aggregateWorkerMetrics, createOps, createServer, type ProxyServer } from '@ones-proxy/server';
import { HELP, parseCliArgs, parsePort, parseWorkers, UsageError, type CliArgs } from './args.js';
import { defaultWorkers, type ListeningMessage, runPrimary } from './cluster.js';
import { loadConfig } from './load-config.js';
import { SwappableProxy, watchConfigFile } from './reload.js';
import { describeProvider, startupWarnings } from './warnings.js';

export interface Started {
  server: ProxyServer;
  url: string;
  log: Logger;
  /** reads the config file again and serves it; an invalid file is refused (false) and the old config goes on */
  reload(): Promise<boolean>;
  stop(): Promise<void>;
}

type Env = Record<string, string | undefined>;

/** Secrets never reach a log line, whatever object is logged. */
const REDACT = ['token', 'apiKey', 'authorization', 'headers.authorization', 'headers["x-api-key"]', 'headers.cookie', '*.apiKey', '*.token', '*.authCookie', 'authCookie'];

/**
 * JSON lines on stdout, levels by name ("info", "warn") rather than pino's numbers; LOG_FORMAT=pretty for a
 * person at a terminal. `write` puts a finished JSON line on the same destination (the access log).
 */
function makeLogger(debug: boolean, format: string | undefined): { log: Logger; write: (line: string) => void } {
  if (format !== undefined && format !== '' && format !== 'json' && format !== 'pretty') throw new ConfigError(`LOG_FORMAT: expected "json" or "pretty", got "${format}"`);
  const options = {
    level: debug ? 'debug' : 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { pid: process.pid },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  // pino-pretty reads the level by pino's numbers
  if (format === 'pretty') {
    const dest = pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
    const { formatters: _, ...plain } = options;
    return { log: pino(plain, dest) as unknown as Logger, write: (line) => void dest.write(line.replace('"level":"info"', '"level":30')) };
  }
  // as pino's own default: written asynchronously, flushed at exit
  const dest = pino.destination({ dest: 1, sync: false });
  return { log: pino(options, dest) as unknown as Logger, write: (line) => void dest.write(line) };
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
  const { config, warnings, defaultDegpt, file } = loadConfig(args, env);
  const { log, write } = makeLogger(config.debug, env.LOG_FORMAT);
  // in a cluster the primary said the warnings already, and says the start-up line for all workers
  const worker = cluster.isWorker;
  if (!worker) for (const w of [...warnings, ...startupWarnings(config, host, env)]) log.warn({}, w);

  // what a reload keeps: what the router learnt, the conversations, the metrics
  const ops = createOps({ logger: log, accessLog: write, debug: config.debug });
  // the stores (and their Redis connection) are built here, once: every reloaded config goes on with them
  const s = config.session;
  const redis = s.storage === 'redis' ? new RedisConnection({ url: s.redisUrl, prefix: s.redisPrefix, commandTimeoutMs: s.redisCommandTimeoutMs, options: s.redisOptions as never }, log) : null;
  void redis?.redis();
  const routerStore: RouterStore = redis ? new FallbackRouterStore(new RedisRouterStore(redis), log) : new MemoryRouterStore();
  const ttlMs = s.timeoutSeconds * 1000;
  const sessionStore: SessionStore | undefined = !s.enabled ? undefined : redis ? new RedisSessionStore(redis, ttlMs) : new MemorySessionStore({ ttlMs, maxSessions: s.maxSessions, maxBytes: s.maxStoreBytes });
  const statusInfo = { workers: Number(env.ONES_WORKERS ?? 1), ...(redis ? { storageUp: async () => redis.up } : {}) };
  const build = (c: ProxyConfig) => createProxy({ ...c, logger: log, observer: ops.observer, routerStore, sessionStore, statusInfo });
  const proxy = new SwappableProxy(build(config));
  ops.attach(proxy);
  const server = createServer(proxy, { logger: log });
  // the environment is the one read at start: a reload reads the file again, flags and variables as they were
  const startEnv = { ...env };
  const reload = async (): Promise<boolean> => {
    let next;
    try {
      next = build(loadConfig(args, startEnv).config);
    } catch (e) {
      log.error({ file }, `config reload refused, the running config goes on: ${(e as Error).message}`);
      return false;
    }
    await proxy.swap(next);
    void next.ready();
    log.info({ file, providers: next.providers.map((p) => p.name), chatPaths: next.config.chatPaths ?? null }, 'config reloaded');
    return true;
  };
  const stopWatching = file ? watchConfigFile(file, () => void reload(), log) : () => {};
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
  return {
    server,
    url,
    log,
    reload,
    stop: async () => {
      stopWatching();
      await server.shutdown();
      await redis?.close();
    },
  };
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
  const { log } = makeLogger(config.debug, env.LOG_FORMAT);
  const workers = workersFor(args, env, config.session.storage, log);
  if (workers <= 1) return false;
  const host = args.host ?? (env.HOST || '0.0.0.0');
  for (const w of [...warnings, ...startupWarnings(config, host, env)]) log.warn({}, w);
  // each worker's /metrics answers with every worker's figures, gathered here
  aggregateWorkerMetrics();
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
  const { stop, log, reload } = started;
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
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP' }, 'SIGHUP received, reloading the config file');
    void reload();
  });
}
