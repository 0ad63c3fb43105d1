import type { Dispatcher } from 'undici';
import { DEFAULT_CHAT_PATHS } from './config/env.js';
import { parseOptions, type ProxyConfig, type ProxyOptionsInput } from './config/schema.js';
import { ProxyError } from './errors.js';
import { makeTokenCheck } from './http/auth.js';
import { countTokens } from './http/count-tokens.js';
import { statusPage, type StatusView } from './http/status-page.js';
import { Observation, observed, observerHooks, type Observer } from './observe.js';
import { modelResponse, modelsResponse } from './http/models.js';
import { statsResponse } from './http/stats.js';
import { clearSession, getSession } from './http/sessions.js';
import { sessionHooks } from './sessions/feature.js';
import { MemorySessionStore } from './sessions/memory.js';
import { RedisSessionStore } from './sessions/redis.js';
import { answerKey, continuationHooks, MemoryAnswerStore, RedisAnswerStore } from './sessions/responses.js';
import { RedisConnection } from './redis/connection.js';
import { FallbackRouterStore, RedisRouterStore } from './router/redis-store.js';
import type { RedisOptions } from 'ioredis';
import type { SessionStore } from './sessions/store.js';
import { errorResponse, json } from './http/respond.js';
import { RouteTable } from './http/routes.js';
import { type ChatHooks, Hooks, type PipelineDeps, runChat } from './pipeline/index.js';
import { announcedProtocol, CLIENTS } from './protocols/index.js';
import { assertBridges } from './translate/index.js';
import { BodyTooLarge, type CoreRequest, type CoreResponse } from './http/types.js';
import { toWebHandler } from './http/web.js';
import { silentLogger, type Logger } from './logger.js';
import { makeRedactor, makeStreamRedactor, redactingLogger } from './secrets.js';
import { makeCors } from './http/cors.js';
import { Pools, ClientAbort } from './providers/http.js';
import { createProvider } from './providers/index.js';
import type { Provider } from './providers/types.js';
import { Catalog } from './router/catalog.js';
import { Router } from './router/router.js';
import { MemoryRouterStore, type RouterStore } from './router/store.js';
import { VERSION } from './version.js';

export interface ProxyOptions extends ProxyOptionsInput {
  /** pino or anything with its debug/info/warn/error methods */
  logger?: Logger;
  /** replaces the per-origin undici pools (tests, custom agents) */
  dispatcher?: Dispatcher;
  /**
   * where call stats and cooldowns live; default: this process's memory.
   * Pass one store to several proxies (workers, a reloaded config) to share what they learn.
   */
  routerStore?: RouterStore;
  /** features plugged into the chat pipeline (see ChatHooks); more with `proxy.use()` */
  hooks?: readonly ChatHooks[];
  /** where conversations live; default: this process's memory, bounded by `session` */
  sessionStore?: SessionStore;
  /** operations (metrics, access log): sees each request at its end, serves /metrics; one observer may outlive several proxies */
  observer?: Observer;
  /** what the status page says of the process: worker count, whether the shared store answers */
  statusInfo?: { workers?: number; storageUp?: () => Promise<boolean> };
}

export interface Proxy {
  /** the internal handler adapters drive without web Request/Response objects */
  handle(req: CoreRequest): Promise<CoreResponse>;
  /** web-standard handler (Hono, Bun, Deno, workers…) */
  fetch(request: Request): Promise<Response>;
  /** loads every provider's model list once (the proxy also works before it finishes) */
  ready(): Promise<void>;
  /** providers and how many models each listed */
  status(): { provider: string; models: number; error?: string }[];
  /** liveness: degraded (with the reason) when no provider lists a model */
  health(): { status: 'ok' | 'degraded'; reason?: string };
  /** per-model routing figures, `auto`'s order of preference */
  stats(): ReturnType<Router['stats']>;
  /** how many sessions are stored; null when sessions are off */
  sessionCount(): Promise<number | null>;
  /** whether a path is one of the proxy's routes (a middleware passes the others on) */
  matches(path: string): boolean;
  readonly config: ProxyConfig;
  readonly providers: readonly Provider[];
  /** where sessions and routing state live, and whether that store answers */
  storage(): { kind: 'memory' | 'redis'; up: boolean };
  /** plugs a feature into the chat pipeline: its hooks run from the next request on */
  use(hooks: ChatHooks): Proxy;
  /** stops background work and closes upstream pools */
  close(): Promise<void>;
}

const MESSAGES_PATHS = ['/v1/messages', '/api/v1/messages'];
const RESPONSES_PATHS = ['/v1/responses', '/api/v1/responses'];
const COUNT_PATHS = ['/v1/messages/count_tokens', '/api/v1/messages/count_tokens'];
const MODELS_PATHS = ['/v1/models', '/api/v1/models'];
const MODEL_PATHS = ['/v1/models/*id', '/api/v1/models/*id'];
const STATS_PATHS = ['/api/v1/stats'];
const SESSION_CLEAR_PATHS = ['/api/v1/session/clear'];
const SESSION_PATHS = ['/api/v1/session/:id'];
const RESPONSE_PATHS = ['/v1/responses/:id', '/api/v1/responses/:id'];
const started = Date.now();
type HomeRoute = [method: string, paths: readonly string[], what: string];

export function createProxy(options: ProxyOptions = {}): Proxy {
  const { logger, dispatcher, routerStore, hooks: features, sessionStore, observer, statusInfo, ...rest } = options;
  const config = parseOptions(rest);
  const secrets = [config.token, ...config.providers.flatMap((p) => [p.apiKey, p.type === 'degpt' ? p.authCookie : undefined])];
  const redact = makeRedactor(secrets);
  const log = logger ? redactingLogger(logger, redact) : silentLogger;
  const cors = makeCors(config.cors);
  const pools = new Pools(dispatcher);
  const upstreams = { pools, timeouts: config.timeouts, maxAnswerBytes: config.limits.maxAnswerBytes };
  const providers = config.providers.map((p) => createProvider(p, upstreams, log));
  // every client protocol served here must reach every configured provider's protocol
  assertBridges(Object.keys(CLIENTS) as (keyof typeof CLIENTS)[], providers.map((p) => p.protocol));
  const catalog = new Catalog(providers, config.cacheDurationSeconds * 1000, log);
  const s = config.session;
  // one connection for the sessions and the routing state; connecting starts now, so an unreachable Redis is said at start-up
  // (only for the stores not given: a caller that passes both keeps its own connection)
  const needsRedis = s.storage === 'redis' && (!routerStore || (s.enabled && !sessionStore));
  const redis = needsRedis ? new RedisConnection({ url: s.redisUrl, prefix: s.redisPrefix, commandTimeoutMs: s.redisCommandTimeoutMs, options: s.redisOptions as RedisOptions | undefined }, log) : null;
  void redis?.redis();
  const router = new Router(catalog, {
    store: routerStore ?? (redis ? new FallbackRouterStore(new RedisRouterStore(redis), log) : new MemoryRouterStore()),
    cooldownMs: config.router.cooldownSeconds * 1000,
    log,
  });
  const tokenOk = config.token ? makeTokenCheck(config.token) : null;
  const chatPaths = config.chatPaths ?? DEFAULT_CHAT_PATHS;
  const hooks = new Hooks();
  const ttlMs = s.timeoutSeconds * 1000;
  const sessions = s.enabled
    ? (sessionStore ?? (redis ? new RedisSessionStore(redis, ttlMs) : new MemorySessionStore({ ttlMs, maxSessions: s.maxSessions, maxBytes: s.maxStoreBytes })))
    : null;
  if (sessions) hooks.add(sessionHooks({ store: sessions, limits: { maxMessages: s.maxMessages, maxBytes: s.maxBytes }, tokenSet: tokenOk !== null, log }));
  // answers kept for `previous_response_id`: in the sessions' store, for their TTL
  const answers = redis ? new RedisAnswerStore(redis, ttlMs) : new MemoryAnswerStore({ ttlMs, maxEntries: s.maxSessions, maxBytes: s.maxStoreBytes });
  hooks.add(continuationHooks({ store: answers, tokenSet: tokenOk !== null, log }));
  for (const f of features ?? []) hooks.add(f);
  if (observer) hooks.add(observerHooks(observer));
  const deps: PipelineDeps = {
    router,
    log,
    hooks,
    noReasoning: new Set(),
    maxAttempts: config.router.maxAttempts,
    deadlineMs: config.router.deadlineSeconds !== undefined ? config.router.deadlineSeconds * 1000 : config.timeouts.firstByteMs,
    maxBodyBytes: config.limits.maxBodyBytes,
    tokenSet: tokenOk !== null,
    heartbeatMs: config.heartbeatMs,
    defaultMaxTokens: config.defaultMaxTokens,
    redact,
    streamRedactor: makeStreamRedactor(secrets),
  };

  const sessionsOn = (): SessionStore => {
    if (!sessions) throw new ProxyError(404, 'sessions are turned off here (session.enabled is false)');
    return sessions;
  };
  const { openai, anthropic, responses } = CLIENTS;
  const home: HomeRoute[] = [
    ['POST', chatPaths, 'OpenAI Chat Completions'],
    ['POST', MESSAGES_PATHS, 'Anthropic Messages'],
    ['POST', RESPONSES_PATHS, 'OpenAI Responses'],
    ['GET', RESPONSE_PATHS.map((p) => p.replace(':id', '{id}')), 'a stored response (also DELETE)'],
    ['POST', COUNT_PATHS, 'Anthropic token count'],
    ['GET', MODELS_PATHS, 'models, including <code>auto</code>'],
    ['GET', MODEL_PATHS.map((p) => p.replace('*id', '{id}')), 'one model'],
    ['GET', STATS_PATHS, 'routing figures per model'],
    ['POST', SESSION_CLEAR_PATHS, 'forget a session'],
    ['GET', SESSION_PATHS.map((p) => p.replace(':id', '{id}')), 'a session\'s stored history'],
    ['GET', ['/health'], 'liveness'],
    ['GET', ['/metrics'], 'Prometheus metrics'],
  ];
  const health = (): { status: 'ok' | 'degraded'; reason?: string } => {
    if (!catalog.loaded) return { status: 'ok' };
    if (providers.length === 0) return { status: 'degraded', reason: 'no provider is configured' };
    const status = catalog.status();
    if (status.some((p) => p.models > 0)) return { status: 'ok' };
    const errors = status.filter((p) => p.error).map((p) => `${p.provider}: ${p.error}`);
    return { status: 'degraded', reason: `no provider lists a model${errors.length ? ` (${errors.join('; ')})` : ''}` };
  };
  const statusView = async (req: CoreRequest): Promise<StatusView> => {
    const h = health();
    const shown = !tokenOk || tokenOk(req.headers) || tokenOk({ authorization: `Bearer ${new URLSearchParams(req.search).get('token') ?? ''}` });
    if (!shown) return { version: VERSION, health: h, detail: null };
    const up = statusInfo?.storageUp ? await statusInfo.storageUp().catch(() => false) : redis ? redis.up : null;
    return {
      version: VERSION,
      health: h,
      detail: {
        uptimeSeconds: (Date.now() - started) / 1000,
        workers: statusInfo?.workers ?? 1,
        storage: { kind: s.storage, up },
        providers: catalog.status(),
        models: await router.stats(),
        chatPaths,
        routes: home,
      },
    };
  };
  const routes = new RouteTable()
    .add(chatPaths, { protocol: openai, methods: { POST: (r, _p, o) => runChat(openai, r, deps, o) } })
    .add(MESSAGES_PATHS, { protocol: anthropic, methods: { POST: (r, _p, o) => runChat(anthropic, r, deps, o) } })
    .add(RESPONSES_PATHS, { protocol: responses, methods: { POST: (r, _p, o) => runChat(responses, r, deps, o) } })
    .add(COUNT_PATHS, { protocol: anthropic, methods: { POST: (r) => countTokens(r, router, deps.maxBodyBytes, deps.tokenSet, log) } })
    .add(MODELS_PATHS, {
      protocol: openai,
      methods: {
        GET: async (r) => {
          await catalog.whenLoaded();
          return modelsResponse(r, catalog.entries());
        },
      },
    })
    .add(MODEL_PATHS, {
      protocol: openai,
      methods: {
        GET: async (r, params) => {
          await catalog.whenLoaded();
          return modelResponse(r, catalog.entries(), params.id!);
        },
      },
    })
    .add(STATS_PATHS, { protocol: openai, methods: { GET: async () => statsResponse(await router.stats()) } })
    .add(SESSION_CLEAR_PATHS, { protocol: openai, methods: { POST: (r) => clearSession(r, sessionsOn(), tokenOk !== null, deps.maxBodyBytes) } })
    .add(RESPONSE_PATHS, {
      protocol: responses,
      methods: {
        GET: async (r, p) => {
          const kept = await answers.get(answerKey(p.id!, r, tokenOk !== null));
          if (!kept) throw new ProxyError(404, `response "${p.id}" is not stored here`, 'response_id', 'not_found');
          return json(200, kept.answer);
        },
        DELETE: async (r, p) => {
          if (!(await answers.delete(answerKey(p.id!, r, tokenOk !== null)))) throw new ProxyError(404, `response "${p.id}" is not stored here`, 'response_id', 'not_found');
          return json(200, responses.continuation!.deleted(p.id!));
        },
      },
    })
    .add(SESSION_PATHS, { protocol: openai, methods: { GET: (r, p) => getSession(r, sessionsOn(), tokenOk !== null, p.id!) } })
    .add(['/health'], { protocol: openai, open: true, methods: { GET: () => json(200, { ...health(), version: VERSION }) } })
    .add(['/metrics'], {
      protocol: openai,
      open: config.metricsPublic,
      methods: {
        GET: async () => {
          if (!observer?.metrics) throw new ProxyError(404, 'metrics are not collected here (no observer with metrics was given)');
          const m = await observer.metrics();
          return { status: 200, headers: { 'content-type': m.contentType }, body: m.body };
        },
      },
    })
    .add(['/'], { protocol: openai, open: true, methods: { GET: async (r) => statusPage(await statusView(r)) } });

  let knownOf: { entries: readonly unknown[]; ids: Set<string> } | null = null;
  const known = (model: string) => {
    const entries = catalog.entries();
    if (knownOf?.entries !== entries) knownOf = { entries, ids: new Set(entries.flatMap((e) => [e.model.id, e.key])) };
    return knownOf.ids.has(model);
  };
  async function handle(req: CoreRequest): Promise<CoreResponse> {
    // the access line is the observer's (createProxy({ observer })): without one the request path logs nothing
    const observation = observer ? new Observation(req) : null;
    const res = await dispatch(req, observation);
    if (observation) observed(observation, res, observer!, known);
    // error texts can quote what an upstream echoed back, including the key it was sent
    if (res.status >= 400 && typeof res.body === 'string') res.body = redact(res.body);
    return cors ? cors.decorate(req, res) : res;
  }

  async function dispatch(req: CoreRequest, observation: Observation | null): Promise<CoreResponse> {
    const match = routes.match(req.path);
    if (!match) return errorResponse(announcedProtocol(req), new ProxyError(404, `no route for ${req.method} ${req.path}`));
    const { route, params } = match;
    if (observation) observation.route = match.pattern;
    const handler = route.methods[(req.method === 'HEAD' ? 'GET' : req.method) as 'GET' | 'POST' | 'DELETE'];
    if (!handler) {
      const preflight = req.method === 'OPTIONS' && cors?.preflight(req, Object.keys(route.methods).join(', '));
      if (preflight) return preflight;
      const allow = Object.keys(route.methods).join(', ');
      return errorResponse(route.protocol, new ProxyError(405, `method ${req.method} is not allowed on ${req.path}; use ${allow}`, null, null, { allow }));
    }
    if (tokenOk && !route.open && !tokenOk(req.headers)) {
      return errorResponse(route.protocol, new ProxyError(401, 'missing or invalid API token: send it as "Authorization: Bearer <token>" or "x-api-key: <token>"'));
    }
    try {
      return await handler(req, params, observation);
    } catch (e) {
      if (e instanceof ProxyError) return errorResponse(route.protocol, e);
      if (e instanceof BodyTooLarge) return errorResponse(route.protocol, new ProxyError(413, e.message));
      if (e instanceof ClientAbort || req.signal.aborted) return { status: 499, headers: {}, body: '' };
      log.error({ err: (e as Error).message, stack: (e as Error).stack, path: req.path }, 'unexpected error');
      return errorResponse(route.protocol, new ProxyError(500, 'internal error in the proxy'));
    }
  }

  catalog.start();
  const proxy: Proxy = {
    handle,
    fetch: toWebHandler(handle),
    matches: (path) => routes.match(path) !== undefined,
    ready: () => catalog.refresh(),
    status: () => catalog.status(),
    health,
    stats: () => router.stats(),
    sessionCount: async () => (sessions ? sessions.size() : null),
    config,
    providers,
    storage: () => ({ kind: redis ? 'redis' : 'memory', up: redis?.up ?? true }),
    use(h) {
      hooks.add(h);
      return proxy;
    },
    async close() {
      catalog.stop();
      // a store the caller gave outlives this proxy (a reloaded config goes on with it)
      if (!sessionStore) await sessions?.close();
      await redis?.close();
      await pools.close();
    },
  };
  return proxy;
}
