import { describe, expect, it } from 'vitest';
import { mergeOptions, resolveOptions, chatPathsFromEnv, DEFAULT_CHAT_PATHS } from '../src/config/env.js';
import { parseOptions, ConfigError, headerValueProblem } from '../src/config/schema.js';

describe('options schema', () => {
  it('fills defaults', () => {
    const c = parseOptions({});
    expect(c.cacheDurationSeconds).toBe(3600);
    expect(c.router).toEqual({ cooldownSeconds: 300, maxAttempts: 3 });
    expect(c.limits.maxBodyBytes).toBe(32 * 1024 * 1024);
    expect(c.timeouts).toEqual({ connectMs: 10_000, firstByteMs: 120_000, idleMs: 120_000 });
    expect(c.session.storage).toBe('memory');
  });

  it('names every bad field by its path', () => {
    expect(() => parseOptions({ providers: [{ name: 'a', type: 'openai', baseURL: 'nope' }] })).toThrow(/providers\.0\.baseURL/);
    expect(() => parseOptions({ providers: [{ name: 'a', type: 'gemini', baseURL: 'http://x' }] })).toThrow(/providers\.0\.type/);
    expect(() => parseOptions({ router: { maxAttempts: 0 } })).toThrow(/router\.maxAttempts/);
    expect(() => parseOptions({ chatPaths: ['no-slash'] })).toThrow(/chatPaths\.0/);
    expect(() => parseOptions({ bogus: 1 })).toThrow(ConfigError);
    expect(() => parseOptions({ providers: [{ name: 'a b', type: 'openai', baseURL: 'http://x' }] })).toThrow(/providers\.0\.name/);
  });

  it('takes per-model images and reasoning flags in a static model list', () => {
    const models = ['plain', { id: 'o3-mini', reasoning: true }, { id: 'gpt-4o-mini', images: true, reasoning: false }];
    expect(parseOptions({ providers: [{ name: 'a', type: 'openai', baseURL: 'http://x', models }] }).providers[0]!.models).toEqual(models);
    expect(() => parseOptions({ providers: [{ name: 'a', type: 'openai', baseURL: 'http://x', models: [{ id: 'm', reasoning: 'yes' }] }] })).toThrow(/providers\.0\.models\.0/);
  });

  it('refuses header-bound values HTTP cannot carry, saying why without quoting them', () => {
    expect(headerValueProblem('sk-ant-…')).toBe('contains the non-ASCII character "…" (U+2026) at character 8; a header value must be printable ASCII');
    expect(headerValueProblem('sk-abc\n')).toBe('ends with a line break; remove it');
    expect(headerValueProblem('a\r\nb')).toMatch(/^contains a line break \(CR\/LF\) at character 2/);
    expect(headerValueProblem('a\u0000b')).toMatch(/^contains the control character U\+0000/);
    expect(headerValueProblem(' x')).toMatch(/whitespace/);
    expect(headerValueProblem('"Chromium";v="142", "Not_A Brand";v="99"')).toBeUndefined();
    const p = (extra: object) => ({ providers: [{ name: 'a', type: 'openai', baseURL: 'http://x', ...extra }] });
    expect(() => parseOptions(p({ apiKey: 'sk-…' }))).toThrow(/providers\.0\.apiKey: contains the non-ASCII/);
    expect(() => parseOptions(p({ headers: { 'x-a': 'v\n' } }))).toThrow(/providers\.0\.headers\.x-a: ends with a line break/);
    expect(() => parseOptions(p({ headers: { 'x a': 'v' } }))).toThrow(/providers\.0\.headers\.x a: not a valid header name/);
    expect(() => parseOptions({ token: 'tok\n' })).toThrow(/token: ends with a line break/);
    expect(() => parseOptions({ providers: [{ name: 'd', type: 'degpt', baseURL: 'http://x', authId: 'i', userAgent: 'u\r\n', authCookie: 'c' }] })).toThrow(/providers\.0\.userAgent/);
    expect(() => parseOptions({ providers: [{ name: 'd', type: 'degpt', baseURL: 'http://x', authId: 'i', userAgent: 'u', authCookie: 'c…' }] })).toThrow(/providers\.0\.authCookie/);
  });

  it('refuses two providers with the same name, naming it', () => {
    const two = { providers: [{ name: 'a', type: 'openai', baseURL: 'http://x' }, { name: 'b', type: 'openai', baseURL: 'http://y' }, { name: 'a', type: 'anthropic', baseURL: 'http://z' }] };
    expect(() => parseOptions(two)).toThrow('providers.2.name: provider name "a" is used twice; names must be unique');
  });
});

describe('sources: errors and warnings name what the user set', () => {
  it('zod paths become the variable, the flag or the file field', () => {
    const file = { cacheDurationSeconds: -1, providers: [{ name: 'd', type: 'degpt' as const, baseURL: 'http://d', authId: 'i', userAgent: 'u' }, { name: 'x', type: 'openai' as const, baseURL: 'nope' }] };
    const env = { OPENAI_BASE_URL: 'not-a-url', DEGPT_ENABLED: 'false', COOLDOWN: '1' };
    const { options, sources } = resolveOptions(file, env, { token: 't\n' }, { file: 'config file c.json', overrides: { token: '--token' } });
    expect(() => parseOptions(options, sources)).toThrow(
      'invalid configuration: --token: ends with a line break; remove it; config file c.json: providers.1.baseURL: Invalid URL; OPENAI_BASE_URL: Invalid URL; config file c.json: cacheDurationSeconds: Too small: expected number to be >=0',
    );
    // without sources, the merged paths as before
    expect(() => parseOptions(options)).toThrow(/providers\.0\.baseURL: Invalid URL; providers\.1\.baseURL/);
  });

  it('keys from apiKeyEnv and DeGPT variables are named', () => {
    const { options, sources } = resolveOptions({ providers: [{ name: 'g', type: 'openai', baseURL: 'http://g/v1', apiKeyEnv: 'G_KEY' }] }, { G_KEY: 'k…', DEGPT_ENABLED: 'true', DEGPT_PROXY_ORIGIN: 'o\r\nx' });
    expect(() => parseOptions(options, sources)).toThrow(/G_KEY \(named by config file: providers\.0\.apiKeyEnv\): contains.*; DEGPT_PROXY_ORIGIN: contains a line break/);
  });

  it('warns about chat path variables that are ignored, not about session settings', () => {
    expect(resolveOptions({}, { APPEND_CHAT: '/a' }).warnings).toEqual([]);
    expect(resolveOptions({}, { PREFIX_CHAT: '/p', APPEND_CHAT: '/a' }).warnings).toEqual([expect.stringMatching(/^APPEND_CHAT is ignored: PREFIX_CHAT is set/)]);
    expect(resolveOptions({}, { SESSION_STORAGE_TYPE: 'redis' }).warnings).toEqual([]);
    expect(resolveOptions({ session: { timeoutSeconds: 5 } }, {}, {}, { file: 'f.json' }).warnings).toEqual([]);
  });

  it('says when DeGPT is the default rather than chosen', () => {
    expect(resolveOptions({}, {}).defaultDegpt).toBe(true);
    expect(resolveOptions({}, { DEGPT_ENABLED: 'true' }).defaultDegpt).toBe(false);
    expect(resolveOptions({}, { OPENAI_API_KEY: 'k' }).defaultDegpt).toBe(false);
    expect(resolveOptions({ providers: [{ name: 'd', type: 'degpt', baseURL: 'http://d', authId: 'i', userAgent: 'u' }] }, {}).defaultDegpt).toBe(false);
  });
});

describe('environment', () => {
  it('chat path rules: REPLACE, else PREFIX, else APPEND', () => {
    expect(chatPathsFromEnv({})).toBeUndefined();
    expect(chatPathsFromEnv({ REPLACE_CHAT: '/a,/b/', PREFIX_CHAT: '/x' })).toEqual(['/a', '/b']);
    expect(chatPathsFromEnv({ PREFIX_CHAT: '/x,/y' })).toEqual(['/x/api/v1/chat/completions', '/y/api/v1/chat/completions']);
    expect(chatPathsFromEnv({ APPEND_CHAT: '/c' })).toEqual([...DEFAULT_CHAT_PATHS, '/c']);
    expect(() => chatPathsFromEnv({ APPEND_CHAT: 'c' })).toThrow(/APPEND_CHAT: path "c" must start with "\/"/);
    expect(() => chatPathsFromEnv({ REPLACE_CHAT: ',' })).toThrow(/REPLACE_CHAT/);
  });

  it('env providers, DeGPT only when nothing else is configured', () => {
    const none = mergeOptions({}, {});
    expect(none.providers!.map((p) => p.type)).toEqual(['degpt']);
    const oa = mergeOptions({}, { OPENAI_API_KEY: 'k' });
    expect(oa.providers).toEqual([{ type: 'openai', name: 'openai', baseURL: 'https://api.openai.com/v1', apiKey: 'k' }]);
    const both = mergeOptions({}, { OPENAI_API_KEY: 'k', DEGPT_ENABLED: 'true' });
    expect(both.providers!.map((p) => p.name)).toEqual(['openai', 'degpt']);
    const off = mergeOptions({}, { DEGPT_ENABLED: 'false' });
    expect(off.providers).toEqual([]);
    expect(() => mergeOptions({}, { DEGPT_ENABLED: 'maybe' })).toThrow(/DEGPT_ENABLED/);
  });

  it('precedence: overrides > env > file', () => {
    const file = { token: 'from-file', cacheDurationSeconds: 10, providers: [{ name: 'openai', type: 'openai' as const, baseURL: 'http://file/v1' }] };
    const m = mergeOptions(file, { TOKEN: 'from-env', COOLDOWN: '7', OPENAI_BASE_URL: 'http://env/v1' }, { token: 'from-flag' });
    expect(m.token).toBe('from-flag');
    expect(m.cacheDurationSeconds).toBe(10);
    expect(m.router).toEqual({ cooldownSeconds: 7 });
    expect(m.providers).toHaveLength(1);
    expect(m.providers![0]).toMatchObject({ baseURL: 'http://env/v1' });
    expect(mergeOptions(file, { TOKEN: 'from-env' }).token).toBe('from-env');
    expect(() => mergeOptions({}, { CACHE_DURATION: 'soon' })).toThrow(/CACHE_DURATION/);
  });

  it('apiKeyEnv is resolved from the environment', () => {
    const m = mergeOptions({ providers: [{ name: 'g', type: 'openai', baseURL: 'http://g/v1', apiKeyEnv: 'G_KEY' }] }, { G_KEY: 'secret', DEGPT_ENABLED: 'no' });
    expect(m.providers![0]).toMatchObject({ apiKey: 'secret' });
  });
});
