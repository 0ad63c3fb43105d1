import { z } from 'zod';
import { describeSource, type OptionSources } from './sources.js';

const path = z.string().regex(/^\/[^\s?#]*$/, 'must start with "/" and hold no spaces, "?" or "#"');
const seconds = z.number().finite().nonnegative();
const ms = z.number().int().positive();

const timeouts = z.strictObject({
  /** TCP/TLS connect */
  connectMs: ms.default(10_000),
  /** request sent → response headers (the upstream's time to first byte) */
  firstByteMs: ms.default(120_000),
  /** longest quiet gap between two body chunks */
  idleMs: ms.default(120_000),
});

/**
 * Why a string cannot go into an HTTP header as it is, or undefined when it can.
 * Checked at start-up: the HTTP client would refuse it on every request instead.
 * The value itself is never quoted (it is usually a secret).
 */
export function headerValueProblem(v: string): string | undefined {
  const bad = /[^\t\x20-\x7e]/u.exec(v);
  if (bad) {
    const c = bad[0];
    const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    if ((c === '\n' || c === '\r') && /^[\r\n]+$/.test(v.slice(bad.index))) return 'ends with a line break; remove it';
    const what = c === '\n' || c === '\r' ? 'a line break (CR/LF)' : c < ' ' || c === '\x7f' ? `the control character ${code}` : `the non-ASCII character "${c}" (${code})`;
    return `contains ${what} at character ${[...v.slice(0, bad.index)].length + 1}; a header value must be printable ASCII`;
  }
  if (/^\s|\s$/.test(v)) return 'starts or ends with whitespace; remove it';
  return undefined;
}

/** A string sent in an HTTP header (a key, a token, a cookie, a header value). */
const headerValue = z.string().check((ctx) => {
  const problem = headerValueProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid header name (letters, digits and !#$%&\'*+.^_`|~- only)');

const modelEntry = z.union([
  z.string().min(1),
  z.strictObject({ id: z.string().min(1), images: z.boolean().optional(), reasoning: z.boolean().optional() }),
]);

const providerBase = {
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "-" and "." only'),
  baseURL: z.url({ protocol: /^https?$/ }),
  apiKey: headerValue.min(1).optional(),
  /** name of an environment variable holding the key (read at start-up) */
  apiKeyEnv: z.string().min(1).optional(),
  /** extra headers sent upstream on every call */
  headers: z.record(headerName, headerValue).optional(),
  /** static model list; absent → discovered from the models endpoint */
  models: z.array(modelEntry).optional(),
  timeouts: timeouts.partial().optional(),
  /** concurrent chat requests to this provider before queueing */
  maxConcurrent: z.number().int().positive().optional(),
  /** requests queued for a slot before further ones are refused with 429 */
  maxQueue: z.number().int().nonnegative().optional(),
};

export const providerSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...providerBase, type: z.literal('openai') }),
  /** an endpoint of the OpenAI Responses API (`…/v1/responses`) */
  z.strictObject({ ...providerBase, type: z.literal('openai-responses') }),
  z.strictObject({ ...providerBase, type: z.literal('anthropic') }),
  z.strictObject({
    ...providerBase,
    type: z.literal('degpt'),
    baseModel: z.string().min(1).default('gpt-4o-mini'),
    authId: z.string().min(1),
    authCookie: headerValue.optional(),
    userAgent: headerValue.min(1),
  }),
]);

export const optionsSchema = z.strictObject({
  /** when set, every API route needs it as Bearer token or x-api-key */
  token: headerValue.min(1).optional(),
  providers: z
    .array(providerSchema)
    .default([])
    .check((ctx) => {
      const seen = new Set<string>();
      ctx.value.forEach((p, i) => {
        if (seen.has(p.name)) ctx.issues.push({ code: 'custom', message: `provider name "${p.name}" is used twice; names must be unique`, input: p.name, path: [i, 'name'] });
        seen.add(p.name);
      });
    }),
  /** seconds a discovered model list is kept */
  cacheDurationSeconds: seconds.default(3600),
  router: z
    .strictObject({
      /** seconds a (provider, model) that failed stays out of `auto` */
      cooldownSeconds: seconds.default(300),
      /** candidates tried for one request before its error is answered */
      maxAttempts: z.number().int().min(1).max(20).default(3),
      /** seconds from a request's arrival after which no further candidate is tried; unset = the first-byte timeout */
      deadlineSeconds: z.number().finite().positive().optional(),
    })
    .prefault({}),
  session: z
    .strictObject({
      /** false: session fields are ignored and nothing is stored */
      enabled: z.boolean().default(true),
      storage: z.enum(['memory', 'redis']).default('memory'),
      /** seconds since last use after which a session is gone */
      timeoutSeconds: seconds.default(1800),
      /** a session's history: messages and bytes (of its JSON) kept at most, the oldest turns dropped first */
      maxMessages: z.number().int().positive().default(200),
      maxBytes: z.number().int().positive().default(8 * 1024 * 1024),
      /** the memory store as a whole: sessions and bytes, the least recently used evicted first */
      maxSessions: z.number().int().positive().default(10_000),
      maxStoreBytes: z.number().int().positive().default(512 * 1024 * 1024),
      /** redis://, rediss:// (TLS), with password and db: `redis://:pw@host:6379/2` */
      redisUrl: z.string().default('redis://127.0.0.1:6379'),
      /** prefix of every key, so several deployments can share one Redis */
      redisPrefix: z.string().default('ones:'),
      /** longest a Redis command may take before a request goes on without it */
      redisCommandTimeoutMs: ms.default(200),
      /** passed to ioredis as they are: Sentinel (`sentinels`, `name`), TLS details and the like */
      redisOptions: z.record(z.string(), z.unknown()).optional(),
    })
    .prefault({}),
  /** OpenAI chat completion paths; the defaults are /v1/chat/completions and /api/v1/chat/completions */
  chatPaths: z.array(path).min(1).optional(),
  limits: z
    .strictObject({
      maxBodyBytes: z.number().int().positive().default(32 * 1024 * 1024),
      /** most bytes of one upstream answer read whole (non-stream answers, error bodies, model lists, count_tokens) */
      maxAnswerBytes: z.number().int().positive().default(64 * 1024 * 1024),
    })
    .prefault({}),
  timeouts: timeouts.prefault({}),
  /** SSE keep-alive interval while a stream is quiet */
  heartbeatMs: ms.default(15_000),
  /** max_tokens sent to Anthropic upstreams when the client gave none */
  defaultMaxTokens: z.number().int().positive().default(4096),
  debug: z.boolean().default(false),
  /** /metrics answers without TOKEN (for a scraper on a private network) */
  metricsPublic: z.boolean().default(false),
  /** off unless set: origins allowed to call from a browser, or ["*"] */
  cors: z.strictObject({ origins: z.array(z.string().min(1)).min(1) }).optional(),
});

export type ProviderConfig = z.infer<typeof providerSchema>;
export type ProxyConfig = z.infer<typeof optionsSchema>;
export type ProxyOptionsInput = z.input<typeof optionsSchema>;

/**
 * Validates options; the error names every bad field by its path, or, given
 * the sources resolveOptions kept, by the variable, flag or file field set.
 */
export function parseOptions(input: unknown, sources?: OptionSources): ProxyConfig {
  const r = optionsSchema.safeParse(input);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => `${describeSource(i.path, sources)}: ${issueMessage(i)}`).join('; '));
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // a bad record key (a header name) carries its reason inside
  if (issue.code === 'invalid_key' && issue.issues[0]) return issue.issues[0].message;
  return issue.message;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(`invalid configuration: ${message}`);
    this.name = 'ConfigError';
  }
}
