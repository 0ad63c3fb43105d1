import cluster from 'node:cluster';
import { workerMetrics } from './cluster-metrics.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptFailure, Logger, Observer, Proxy, RequestRecord } from '@ones-proxy/core';

export interface OpsOptions {
  /** where the access log goes (one info line per request); none: no access log */
  logger?: Logger;
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
    const requests = new Counter({ name: 'ones_requests_total', help: 'requests answered, by route, client protocol, provider, model and status', labelNames: ['route', 'client_protocol', 'provider', 'model', 'status'], registers: [reg] });
    const duration = new Histogram({ name: 'ones_request_duration_seconds', help: 'time from a request\'s arrival to the end of its answer (a stream\'s end)', labelNames: ['route', 'provider', 'model'], buckets: SECONDS, registers: [reg] });
    const ttfb = new Histogram({ name: 'ones_time_to_first_byte_seconds', help: 'time from a request\'s arrival to the first byte of its answer', labelNames: ['route', 'provider', 'model'], buckets: SECONDS, registers: [reg] });
    const failures = new Counter({ name: 'ones_upstream_failures_total', help: 'failed upstream calls, by kind: connect, timeout, status, invalid_answer', labelNames: ['provider', 'model', 'kind'], registers: [reg] });
    const tokens = new Counter({ name: 'ones_tokens_total', help: 'tokens the upstreams reported, by direction (in, out)', labelNames: ['provider', 'model', 'direction'], registers: [reg] });
    const failovers = new Counter({ name: 'ones_failovers_total', help: 'times a request went on to another candidate after a failed one, in answered requests', registers: [reg] });
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
      requests.inc({ route: r.route, client_protocol: r.client ?? 'none', provider, model, status: String(r.status) });
      const l = { route: r.route, provider, model };
      duration.observe(l, r.durationMs / 1000);
      if (r.ttfbMs !== null) ttfb.observe(l, r.ttfbMs / 1000);
      if (r.tokensIn) tokens.inc({ provider, model, direction: 'in' }, r.tokensIn);
      if (r.tokensOut) tokens.inc({ provider, model, direction: 'out' }, r.tokensOut);
      if (r.attempts > 1) failovers.inc(r.attempts - 1);
    };
    failed = (f) => failures.inc({ provider: f.provider, model: f.model, kind: f.kind });
    streams = (d) => inFlight.inc(d);
  }

  const observer: Observer = {
    request(r) {
      record?.(r);
      if (log) log.info(accessLine(r), 'request');
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
