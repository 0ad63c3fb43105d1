import { ConfigError, type ProxyOptionsInput } from './schema.js';
import { describeSource, type OptionSource, type OptionSources } from './sources.js';

type Env = Record<string, string | undefined>;
type ProviderInput = NonNullable<ProxyOptionsInput['providers']>[number];

export const DEFAULT_CHAT_PATHS = ['/v1/chat/completions', '/api/v1/chat/completions'];

const DEGPT_DEFAULTS = {
  baseURL: 'https://www.degpt.ai/api',
  authId: 'b39fdee47a6bdbab5bc6827ac954c422',
  userAgent:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
};

const DEGPT_HEADERS: Record<string, [header: string, fallback: string]> = {
  DEGPT_PROXY_HOST: ['host', 'www.degpt.ai'],
  DEGPT_PROXY_ORIGIN: ['origin', 'https://www.degpt.ai'],
  DEGPT_PROXY_REFERER: ['referer', 'https://www.degpt.ai/'],
  DEGPT_PROXY_ACCEPT_LANGUAGE: ['accept-language', 'en-US,en;q=0.9'],
  DEGPT_PROXY_SEC_CH_UA: ['sec-ch-ua', '"Chromium";v="142", "Google Chrome";v="142", "Not_A Brand";v="99"'],
  DEGPT_PROXY_SEC_CH_UA_MOBILE: ['sec-ch-ua-mobile', '?0'],
  DEGPT_PROXY_SEC_CH_UA_PLATFORM: ['sec-ch-ua-platform', '"Windows"'],
};

function bool(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(`${name}: expected true or false, got "${v}"`);
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name}: expected a non-negative number, got "${v}"`);
  return n;
}

function paths(name: string, v: string): string[] {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of list) if (!p.startsWith('/')) throw new ConfigError(`${name}: path "${p}" must start with "/"`);
  if (list.length === 0) throw new ConfigError(`${name}: no paths given`);
  return list.map((p) => (p.length > 1 ? p.replace(/\/+$/, '') : p));
}

/** The chat path variables in precedence order: the first one set wins, the others are ignored. */
const CHAT_VARS = ['REPLACE_CHAT', 'PREFIX_CHAT', 'APPEND_CHAT'] as const;

/** REPLACE_CHAT, else PREFIX_CHAT, else APPEND_CHAT: the first rule set wins. */
export function chatPathsFromEnv(env: Env): string[] | undefined {
  if (env.REPLACE_CHAT) return paths('REPLACE_CHAT', env.REPLACE_CHAT);
  if (env.PREFIX_CHAT) return paths('PREFIX_CHAT', env.PREFIX_CHAT).map((p) => `${p === '/' ? '' : p}/api/v1/chat/completions`);
  if (env.APPEND_CHAT) return [...DEFAULT_CHAT_PATHS, ...paths('APPEND_CHAT', env.APPEND_CHAT)];
  return undefined;
}

/** The DeGPT provider's fields that each DEGPT_* variable sets. */
const DEGPT_FIELDS: Record<string, string> = {
  DEGPT_BASE_URL: 'baseURL',
  DEGPT_BASE_MODEL: 'baseModel',
  DEGPT_AUTH_ID: 'authId',
  DEGPT_AUTH_COOKIE: 'authCookie',
  DEGPT_USER_AGENT: 'userAgent',
  ...Object.fromEntries(Object.entries(DEGPT_HEADERS).map(([k, [h]]) => [k, `headers.${h}`])),
};

function degptFromEnv(env: Env): ProviderInput {
  const headers: Record<string, string> = {};
  for (const [k, [h, d]] of Object.entries(DEGPT_HEADERS)) headers[h] = env[k] || d;
  return {
    type: 'degpt',
    name: 'degpt',
    baseURL: env.DEGPT_BASE_URL || DEGPT_DEFAULTS.baseURL,
    baseModel: env.DEGPT_BASE_MODEL || 'gpt-4o-mini',
    authId: env.DEGPT_AUTH_ID || DEGPT_DEFAULTS.authId,
    authCookie: env.DEGPT_AUTH_COOKIE || undefined,
    userAgent: env.DEGPT_USER_AGENT || DEGPT_DEFAULTS.userAgent,
    headers,
  };
}

export interface ResolvedOptions {
  options: ProxyOptionsInput;
  sources: OptionSources;
  /** settings that are given but have no effect, one sentence each */
  warnings: string[];
  /** the DeGPT provider was added because nothing else is configured and DEGPT_ENABLED is unset */
  defaultDegpt: boolean;
}

export interface SourceLabels {
  /** how to name the file in messages; default "config file" */
  file?: string;
  /** how to name each override (e.g. `{ token: '--token' }`); default "overrides.<key>" */
  overrides?: Partial<Record<keyof ProxyOptionsInput, string>>;
}

/** Settings the proxy accepts but does not act on yet, named as the user set them. */
function ignoredSettings(options: ProxyOptionsInput, sources: OptionSources, env: Env): string[] {
  const warnings: string[] = [];
  const chat = CHAT_VARS.filter((k) => env[k]);
  for (const k of chat.slice(1)) warnings.push(`${k} is ignored: ${chat[0]} is set and takes precedence (REPLACE_CHAT, then PREFIX_CHAT, then APPEND_CHAT; only one applies)`);
  return warnings;
}

/**
 * Merges a config file's options (lowest), the environment, then explicit
 * overrides (CLI flags, highest), keeping where each value came from. The
 * options still go through parseOptions (give it the sources, so its errors
 * name what the user set).
 */
export function resolveOptions(
  file: ProxyOptionsInput = {},
  env: Env = {},
  overrides: Partial<ProxyOptionsInput> = {},
  labels: SourceLabels = {},
): ResolvedOptions {
  const fileLabel = labels.file ?? 'config file';
  const sources: OptionSources = new Map();
  const out: ProxyOptionsInput = { ...file };
  for (const k of Object.keys(file)) if (k !== 'providers') sources.set(k, { label: fileLabel, path: k });
  const fromEnv = (name: string | undefined, path: string) => {
    if (name && env[name]) sources.set(path, { label: name });
  };
  const set = <K extends keyof ProxyOptionsInput>(k: K, v: ProxyOptionsInput[K] | undefined, from: string | undefined) => {
    if (v === undefined) return;
    out[k] = v;
    fromEnv(from, k);
  };
  set('token', env.TOKEN || undefined, 'TOKEN');
  set('debug', bool('DEBUG', env.DEBUG), 'DEBUG');
  set('metricsPublic', bool('METRICS_PUBLIC', env.METRICS_PUBLIC), 'METRICS_PUBLIC');
  set('cacheDurationSeconds', num('CACHE_DURATION', env.CACHE_DURATION), 'CACHE_DURATION');
  const cooldown = num('COOLDOWN', env.COOLDOWN);
  if (cooldown !== undefined) {
    out.router = { ...file.router, cooldownSeconds: cooldown };
    fromEnv('COOLDOWN', 'router.cooldownSeconds');
  }
  const session = {
    ...file.session,
    ...(env.SESSION_STORAGE_TYPE ? { storage: env.SESSION_STORAGE_TYPE as 'memory' | 'redis' } : {}),
    ...(env.SESSION_TIMEOUT ? { timeoutSeconds: num('SESSION_TIMEOUT', env.SESSION_TIMEOUT) } : {}),
    ...(env.SESSION_MAX_MESSAGES ? { maxMessages: num('SESSION_MAX_MESSAGES', env.SESSION_MAX_MESSAGES) } : {}),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    ...(env.REDIS_PREFIX ? { redisPrefix: env.REDIS_PREFIX } : {}),
  };
  if (Object.keys(session).length) out.session = session;
  fromEnv('SESSION_STORAGE_TYPE', 'session.storage');
  fromEnv('SESSION_TIMEOUT', 'session.timeoutSeconds');
  fromEnv('SESSION_MAX_MESSAGES', 'session.maxMessages');
  fromEnv('REDIS_URL', 'session.redisUrl');
  fromEnv('REDIS_PREFIX', 'session.redisPrefix');
  set('chatPaths', chatPathsFromEnv(env), CHAT_VARS.find((k) => env[k]));

  // Providers: the file's list, then the env-named ones (an env provider replaces a file provider of the same name).
  // Each keeps its source by identity, since replacing and filtering move them.
  const origin = new Map<ProviderInput, { src: OptionSource; fields?: Record<string, string> }>();
  const providers: ProviderInput[] = [...(file.providers ?? [])];
  providers.forEach((p, i) => origin.set(p, { src: { label: fileLabel, path: `providers.${i}` } }));
  const put = (p: ProviderInput, label: string, vars: Record<string, string>) => {
    const fields = Object.fromEntries(Object.entries(vars).filter(([name]) => env[name]).map(([name, field]) => [field, name]));
    origin.set(p, { src: { label }, fields });
    const i = providers.findIndex((q) => q.name === p.name);
    if (i >= 0) providers[i] = p;
    else providers.push(p);
  };
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL)
    put({ type: 'openai', name: 'openai', baseURL: env.OPENAI_BASE_URL || 'https://api.openai.com/v1', apiKey: env.OPENAI_API_KEY || undefined }, 'OPENAI_API_KEY/OPENAI_BASE_URL', {
      OPENAI_BASE_URL: 'baseURL',
      OPENAI_API_KEY: 'apiKey',
    });
  if (env.ANTHROPIC_API_KEY || env.ANTHROPIC_BASE_URL)
    put({ type: 'anthropic', name: 'anthropic', baseURL: env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com', apiKey: env.ANTHROPIC_API_KEY || undefined }, 'ANTHROPIC_API_KEY/ANTHROPIC_BASE_URL', {
      ANTHROPIC_BASE_URL: 'baseURL',
      ANTHROPIC_API_KEY: 'apiKey',
    });
  // DeGPT is the default provider: on when nothing else is configured, unless turned off.
  const degptSet = bool('DEGPT_ENABLED', env.DEGPT_ENABLED);
  const degpt = degptSet ?? !providers.some((p) => p.type !== 'degpt');
  const addDegpt = degpt && !providers.some((p) => p.type === 'degpt');
  if (addDegpt) put(degptFromEnv(env), degptSet ? 'DEGPT_ENABLED' : 'the default DeGPT provider', DEGPT_FIELDS);
  if (!degpt) providers.splice(0, providers.length, ...providers.filter((p) => p.type !== 'degpt'));
  // Keys named by apiKeyEnv are resolved here so the schema only ever sees values.
  out.providers = providers.map((p, i) => {
    const { src, fields = {} } = origin.get(p)!;
    sources.set(`providers.${i}`, src);
    for (const [field, name] of Object.entries(fields)) sources.set(`providers.${i}.${field}`, { label: name });
    if (!(p.apiKeyEnv && !p.apiKey && env[p.apiKeyEnv])) return p;
    sources.set(`providers.${i}.apiKey`, { label: `${p.apiKeyEnv} (named by ${describeSource(['providers', i, 'apiKeyEnv'], sources)})` });
    return { ...p, apiKey: env[p.apiKeyEnv] };
  });

  for (const [k, v] of Object.entries(overrides) as [keyof ProxyOptionsInput, unknown][]) {
    if (v === undefined) continue;
    (out as Record<string, unknown>)[k] = v;
    for (const path of [...sources.keys()]) if (path === k || path.startsWith(`${k}.`)) sources.delete(path);
    sources.set(k, { label: labels.overrides?.[k] ?? `overrides.${k}` });
  }
  return { options: out, sources, warnings: ignoredSettings(out, sources, env), defaultDegpt: addDegpt && degptSet === undefined };
}

/** resolveOptions without the bookkeeping: the merged options only. */
export function mergeOptions(file: ProxyOptionsInput = {}, env: Env = {}, overrides: Partial<ProxyOptionsInput> = {}): ProxyOptionsInput {
  return resolveOptions(file, env, overrides).options;
}
