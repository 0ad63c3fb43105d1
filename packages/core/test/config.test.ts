import { describe, expect, it } from 'vitest';
import { mergeOptions, chatPathsFromEnv, DEFAULT_CHAT_PATHS } from '../src/config/env.js';
import { parseOptions, ConfigError } from '../src/config/schema.js';

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
