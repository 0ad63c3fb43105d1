import cluster from 'node:cluster';
import { workerMetrics } from './cluster-metrics.js';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.js';
import type { AttemptFailure, Logger, Observer, Proxy, RequestRecord } from '@ones-proxy/core';

export interface OpsOptions {
  /** where the access log goes (one info line per request); none: no access log */
  logger?: Logger;
  /**
   * writes one finished access line (JSON, newline-terminated, pino's record shape) to the logger's own
   * destination: cheaper than \`logger.info(fields)\`, whose object walk and redaction cost more than the
   * request path itself (the fields are ids, names and numbers: nothing to redact)
   */
  accessLog?: (line: string) => void;
  /** adds each request's upstream summary at debug */
  debug?: boolean;
  /** false: no metrics (and /metrics answers 404) */
  metrics?: boolean;
  /** process metrics (CPU, memory, event loop); default true */
  processMetrics?: boolean;
}

/** Metrics and the access log of one process; hand `observer` to `createProxy` and `attach` the proxy serving now. */
export interface Ops {
  readonly observer: Observer;
  /** the registry /metrics answers from (for a cluster's aggregation, see `aggregatedMetrics`) */
  readonly registry: Registry | null;
  /** the proxy whose cooldowns and sessions the gauges read; the latest one after a reload */
  attach(proxy: Proxy): void;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Operations for a proxy: prom-client metrics (labels bounded: routes are the
 * route table's patterns, models the catalog's or "other") and one pino line
 * per request. Counting is a few map lookups per request; nothing is awaited.
 */
export function createOps(options: OpsOptions = {}): Ops {
  const log = options.logger;
  const debug = options.debug === true;
  let proxy: Proxy | null = null;
  let registry: Registry | null = null;
  let record: ((r: RequestRecord) => void) | null = null;
  let failed: ((f: AttemptFailure) => void) | undefined;
  let streams: ((d: 1 | -1) => void) | undefined;

  if (options.metrics !== false) {
    const reg = (registry = new Registry());
    if (options.processMetrics !== false) collectDefaultMetrics({ register: reg });
    const requests = new FastCounter('ones_requests_total', 'requests answered, by route, client protocol, provider, model and status', ['route', 'client_protocol', 'provider', 'model', 'status'], reg);
    const duration = new FastHistogram('ones_request_duration_seconds', 'time from a request\'s arrival to the end of its answer (a stream\'s end)', ['route', 'provider', 'model'], SECONDS, reg);
    const ttfb = new FastHistogram('ones_time_to_first_byte_seconds', 'time from a request\'s arrival to the first byte of its answer', ['route', 'provider', 'model'], SECONDS, reg);
    const failures = new FastCounter('ones_upstream_failures_total', 'failed upstream calls, by kind: connect, timeout, status, invalid_answer', ['provider', 'model', 'kind'], reg);
    const tokens = new FastCounter('ones_tokens_total', 'tokens the upstreams reported, by direction (in, out)', ['provider', 'model', 'direction'], reg);
    const failovers = new FastCounter('ones_failovers_total', 'times a request went on to another candidate after a failed one, in answered requests', [], reg);
    failovers.inc([], 0);
    const inFlight = new Gauge({ name: 'ones_streams_in_flight', help: 'streams being sent now', registers: [reg] });
    new Gauge({
      name: 'ones_models_cooling_down',
      help: 'models kept out of auto after a failure',
      registers: [reg],
      async collect() {
        const now = Date.now();
        this.set(proxy ? (await proxy.stats()).filter((m) => m.coolingUntil !== null && m.coolingUntil > now).length : 0);
      },
    });
    new Gauge({
      name: 'ones_sessions_stored',
      help: 'conversation sessions stored',
      registers: [reg],
      async collect() {
        this.set((await proxy?.sessionCount().catch(() => null)) ?? 0);
      },
    });
    record = (r) => {
      const provider = r.provider ?? 'none';
      const model = r.modelLabel;
      requests.inc([r.route, r.client ?? 'none', provider, model, r.status]);
      const lv = [r.route, provider, model];
      duration.observe(lv, r.durationMs / 1000);
      if (r.ttfbMs !== null) ttfb.observe(lv, r.ttfbMs / 1000);
      if (r.tokensIn) tokens.inc([provider, model, 'in'], r.tokensIn);
      if (r.tokensOut) tokens.inc([provider, model, 'out'], r.tokensOut);
      if (r.attempts > 1) failovers.inc([], r.attempts - 1);
    };
    failed = (f) => failures.inc([f.provider, f.model, f.kind]);
    streams = (d) => inFlight.inc(d);
  }

  const observer: Observer = {
    request(r) {
      record?.(r);
      if (options.accessLog) options.accessLog(accessJson(r));
      else if (log) log.info(accessLine(r), 'request');
      if (debug && log && r.provider !== null) log.debug({ requestId: r.id, upstream: { provider: r.provider, model: r.model, attempts: r.attempts, status: r.status, stream: r.stream, outcome: r.outcome, tokensIn: r.tokensIn, tokensOut: r.tokensOut } }, 'upstream answer');
    },
    attemptFailed(f) {
      failed?.(f);
      if (debug && log) log.debug({ upstream: f }, 'upstream call failed');
    },
    streams: streams,
    // in a cluster's worker the primary aggregates every worker's (see aggregateWorkerMetrics)
    metrics: !registry ? undefined : cluster.isWorker && process.send ? workerMetrics(registry) : async () => ({ contentType: registry!.contentType, body: await registry!.metrics() }),
  };
  return { observer, registry, attach: (p) => void (proxy = p) };
}

/** The access log's fields: what was asked, who answered, how long it took; never a header or a body. */
function accessLine(r: RequestRecord): Record<string, unknown> {
  return {
    requestId: r.id,
    method: r.method,
    route: r.route,
    clientProtocol: r.client,
    modelAsked: r.modelAsked,
    modelServed: r.model,
    provider: r.provider,
    attempts: r.attempts,
    status: r.status,
    durationMs: Math.round(r.durationMs * 10) / 10,
    ttfbMs: r.ttfbMs === null ? null : Math.round(r.ttfbMs * 10) / 10,
    tokensIn: r.tokensIn,
    tokensOut: r.tokensOut,
    sessionId: r.sessionId,
    ...(r.stream ? { stream: r.outcome } : {}),
  };
}

const str = (s: string | null) => (s === null ? 'null' : JSON.stringify(s));
const num = (n: number | null) => (n === null ? 'null' : String(n));
const round = (ms: number) => Math.round(ms * 10) / 10;

/** The access line as pino writes a record (level by name, time, pid, the fields, msg last), built directly. */
function accessJson(r: RequestRecord): string {
  return (
    `{"level":"info","time":${Date.now()},"pid":${process.pid},"requestId":${str(r.id)},"method":${str(r.method)},"route":${str(r.route)},` +
    `"clientProtocol":${str(r.client)},"modelAsked":${str(r.modelAsked)},"modelServed":${str(r.model)},"provider":${str(r.provider)},` +
    `"attempts":${r.attempts},"status":${r.status},"durationMs":${round(r.durationMs)},"ttfbMs":${r.ttfbMs === null ? 'null' : round(r.ttfbMs)},` +
    `"tokensIn":${num(r.tokensIn)},"tokensOut":${num(r.tokensOut)},"sessionId":${str(r.sessionId)}${r.stream ? `,"stream":${str(r.outcome)}` : ''},"msg":"request"}\n`
  );
}
