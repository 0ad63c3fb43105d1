import cluster from 'node:cluster';
import { workerMetrics } from './cluster-metrics.js';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.js';
import { plainText, type AttemptFailure, type Logger, type Observer, type Proxy, type RequestRecord } from '@ones-proxy/core';

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
    // one slot per (route, client protocol, provider, model), holding the series a request of that kind counts
    // into: a request finds its slot in four Map lookups on strings V8 has hashed, not one walk per metric
    type Cell = { n: number };
    interface Slot {
      ok: Cell | null;
      byStatus: Map<number, Cell>;
      duration: ReturnType<FastHistogram['at']>;
      ttfb: ReturnType<FastHistogram['at']>;
      tokensIn: Cell | null;
      tokensOut: Cell | null;
    }
    const slots = new Map<string, Map<string, Map<string, Map<string, Slot>>>>();
    const slotOf = (route: string, client: string, provider: string, model: string): Slot => {
      let byClient = slots.get(route);
      if (!byClient) slots.set(route, (byClient = new Map()));
      let byProvider = byClient.get(client);
      if (!byProvider) byClient.set(client, (byProvider = new Map()));
      let byModel = byProvider.get(provider);
      if (!byModel) byProvider.set(provider, (byModel = new Map()));
      let slot = byModel.get(model);
      if (!slot) {
        const lv = [route, provider, model];
        byModel.set(model, (slot = { ok: null, byStatus: new Map(), duration: duration.at(lv), ttfb: ttfb.at(lv), tokensIn: null, tokensOut: null }));
      }
      return slot;
    };
    // most requests are of the kind the one before was: that slot is tried first, by identity
    let last: Slot | null = null;
    let lastKey: [string, string, string, string] = ['', '', '', ''];
    record = (r) => {
      const provider = r.provider ?? 'none';
      const model = r.modelLabel;
      const client = r.client ?? 'none';
      const k = lastKey;
      let slot = last;
      if (slot === null || k[0] !== r.route || k[1] !== client || k[2] !== provider || k[3] !== model) {
        slot = last = slotOf(r.route, client, provider, model);
        lastKey = [r.route, client, provider, model];
      }
      let count = r.status === 200 ? slot.ok : slot.byStatus.get(r.status);
      if (!count) {
        count = requests.at([r.route, client, provider, model, r.status]);
        if (r.status === 200) slot.ok = count;
        else slot.byStatus.set(r.status, count);
      }
      count.n++;
      duration.observeIn(slot.duration, r.durationMs / 1000);
      if (r.ttfbMs !== null) ttfb.observeIn(slot.ttfb, r.ttfbMs / 1000);
      if (r.tokensIn) (slot.tokensIn ??= tokens.at([provider, model, 'in'])).n += r.tokensIn;
      if (r.tokensOut) (slot.tokensOut ??= tokens.at([provider, model, 'out'])).n += r.tokensOut;
      if (r.attempts > 1) failovers.inc([], r.attempts - 1);
    };
    failed = (f) => failures.inc([f.provider, f.model, f.kind]);
    streams = (d) => inFlight.inc(d);
  }

  const accessLog = options.accessLog;
  const observer: Observer = {
    request(r) {
      record?.(r);
      if (accessLog) accessLog(accessJson(r));
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

/** a JSON string, as it is between quotes when nothing in it needs escaping (a request id never does: see RequestRecord.id) */
const quote = (s: string | null) => (s === null ? 'null' : plainText(s) ? '"' + s + '"' : JSON.stringify(s));
/**
 * A JSON string, remembered: for the few values a line repeats (methods, routes, protocols, providers, models),
 * whose string objects V8 has hashed; a bounded number, past which they are quoted each time.
 */
const quoted = new Map<string, string>();
function name(s: string | null): string {
  if (s === null) return 'null';
  let q = quoted.get(s);
  if (q === undefined) {
    q = quote(s);
    if (quoted.size < 4096) quoted.set(s, q);
  }
  return q;
}

// a line is joined from as few pieces as its values allow: each join of strings is a call of its own
/** ".0" to ".9" */
const TENTHS = Array.from({ length: 10 }, (_, k) => '.' + k);
/** milliseconds with one decimal, from integers (a fraction's shortest form costs far more to print) */
function ms(v: number): string {
  const tenths = Math.round(v * 10);
  const whole = Math.trunc(tenths / 10);
  return whole + TENTHS[tenths - whole * 10]!;
}

// the line's start up to its request id, with the time, made again only when the millisecond changed
const HEAD = [`{"level":"info","time":`, `,"pid":${process.pid},"requestId":"`];
let lastTime = 0;
let lastHead = HEAD[0] + '0' + HEAD[1];
function head(at: number): string {
  const t = Math.floor(at);
  if (t !== lastTime) lastHead = HEAD[0] + (lastTime = t) + HEAD[1];
  return lastHead;
}
// the part of a line from the request id's closing quote to the duration's name, kept while the requests are of one kind
let kind: { method: string; route: string; client: string | null; asked: string | null; model: string | null; provider: string | null; attempts: number; status: number; text: string } | null = null;
function kindText(r: RequestRecord): string {
  const k = kind;
  if (
    k !== null && k.status === r.status && k.attempts === r.attempts && k.method === r.method && k.route === r.route &&
    k.client === r.client && k.asked === r.modelAsked && k.model === r.model && k.provider === r.provider
  ) return k.text;
  const text =
    '","method":' + name(r.method) + ',"route":' + name(r.route) + ',"clientProtocol":' + name(r.client) + ',"modelAsked":' + name(r.modelAsked) +
    ',"modelServed":' + name(r.model) + ',"provider":' + name(r.provider) + ',"attempts":' + r.attempts + ',"status":' + r.status + ',"durationMs":';
  kind = { method: r.method, route: r.route, client: r.client, asked: r.modelAsked, model: r.model, provider: r.provider, attempts: r.attempts, status: r.status, text };
  return text;
}
const END = ',"msg":"request"}\n';
/** the line's end for a whole answer without a session, the most common */
const TAIL = ',"sessionId":null' + END;

/** The access line as pino writes a record (level by name, time, pid, the fields, msg last), built directly. */
function accessJson(r: RequestRecord): string {
  const duration = ms(r.durationMs);
  const ttfb = r.ttfbMs === null ? 'null' : r.ttfbMs === r.durationMs ? duration : ms(r.ttfbMs);
  const tail = r.sessionId === null && !r.stream ? TAIL : ',"sessionId":' + quote(r.sessionId) + (r.stream ? ',"stream":' + name(r.outcome) : '') + END;
  return head(r.endedAt) + r.id + kindText(r) + duration + ',"ttfbMs":' + ttfb + ',"tokensIn":' + r.tokensIn + ',"tokensOut":' + r.tokensOut + tail;
}
