import { ConfigError, type ProxyOptionsInput } from './schema.js';

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

/** REPLACE_CHAT, else PREFIX_CHAT, else APPEND_CHAT: the first rule set wins. */
export function chatPathsFromEnv(env: Env): string[] | undefined {
  if (env.REPLACE_CHAT) return paths('REPLACE_CHAT', env.REPLACE_CHAT);
  if (env.PREFIX_CHAT) return paths('PREFIX_CHAT', env.PREFIX_CHAT).map((p) => `${p === '/' ? '' : p}/api/v1/chat/completions`);
  if (env.APPEND_CHAT) return [...DEFAULT_CHAT_PATHS, ...paths('APPEND_CHAT', env.APPEND_CHAT)];
  return undefined;
}

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

/**
 * Merges a config file's options (lowest), the environment, then explicit
 * overrides (CLI flags, highest). The result still goes through parseOptions.
 */
export function mergeOptions(file: ProxyOptionsInput = {}, env: Env = {}, overrides: Partial<ProxyOptionsInput> = {}): ProxyOptionsInput {
  const out: ProxyOptionsInput = { ...file };
  const set = <K extends keyof ProxyOptionsInput>(k: K, v: ProxyOptionsInput[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('token', env.TOKEN || undefined);
  set('debug', bool('DEBUG', env.DEBUG));
  set('cacheDurationSeconds', num('CACHE_DURATION', env.CACHE_DURATION));
  const cooldown = num('COOLDOWN', env.COOLDOWN);
  if (cooldown !== undefined) out.router = { ...file.router, cooldownSeconds: cooldown };
  const session = {
    ...file.session,
    ...(env.SESSION_STORAGE_TYPE ? { storage: env.SESSION_STORAGE_TYPE as 'memory' | 'redis' } : {}),
    ...(env.SESSION_TIMEOUT ? { timeoutSeconds: num('SESSION_TIMEOUT', env.SESSION_TIMEOUT) } : {}),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  };
  if (Object.keys(session).length) out.session = session;
  set('chatPaths', chatPathsFromEnv(env));

  // Providers: the file's list, then the env-named ones (an env provider replaces a file provider of the same name).
  const providers: ProviderInput[] = [...(file.providers ?? [])];
  const put = (p: ProviderInput) => {
    const i = providers.findIndex((q) => q.name === p.name);
    if (i >= 0) providers[i] = p;
    else providers.push(p);
  };
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL)
    put({ type: 'openai', name: 'openai', baseURL: env.OPENAI_BASE_URL || 'https://api.openai.com/v1', apiKey: env.OPENAI_API_KEY || undefined });
  if (env.ANTHROPIC_API_KEY || env.ANTHROPIC_BASE_URL)
    put({ type: 'anthropic', name: 'anthropic', baseURL: env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com', apiKey: env.ANTHROPIC_API_KEY || undefined });
  // DeGPT is the default provider: on when nothing else is configured, unless turned off.
  const degpt = bool('DEGPT_ENABLED', env.DEGPT_ENABLED) ?? !providers.some((p) => p.type !== 'degpt');
  if (degpt && !providers.some((p) => p.type === 'degpt')) put(degptFromEnv(env));
  if (!degpt) providers.splice(0, providers.length, ...providers.filter((p) => p.type !== 'degpt'));
  // Keys named by apiKeyEnv are resolved here so the schema only ever sees values.
  out.providers = providers.map((p) => (p.apiKeyEnv && !p.apiKey && env[p.apiKeyEnv] ? { ...p, apiKey: env[p.apiKeyEnv] } : p));

  return { ...out, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}
