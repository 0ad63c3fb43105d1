import { readFileSync } from 'node:fs';
import { ConfigError, parseOptions, resolveOptions, type OptionSources, type ProxyConfig, type ProxyOptionsInput } from '@ones-proxy/core';
import type { CliArgs } from './args.js';

type Env = Record<string, string | undefined>;

export interface LoadedConfig {
  config: ProxyConfig;
  /** the config file read, if any */
  file?: string;
  /** where each option came from (see resolveOptions) */
  sources: OptionSources;
  /** settings that are given but have no effect */
  warnings: string[];
  /** DeGPT was added as the keyless default, not chosen */
  defaultDegpt: boolean;
}

/** Flags that set options, as the user typed them. */
const FLAG_NAMES = { token: '--token', debug: '--debug' } as const;

/** Reads the JSON config file; a missing or malformed file is a configuration error naming it. */
export function readConfigFile(path: string): ProxyOptionsInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const got = Array.isArray(data) ? 'an array' : data === null ? 'null' : `a ${typeof data}`;
    throw new ConfigError(`config file ${path}: must hold a JSON object ({ "providers": [...], ... }), got ${got}`);
  }
  return data as ProxyOptionsInput;
}

/** flags > environment > config file > defaults, validated by the one schema; errors name what the user set. */
export function loadConfig(args: CliArgs, env: Env): LoadedConfig {
  const file = args.config ?? env.ONES_CONFIG;
  const fromFile = file ? readConfigFile(file) : {};
  const overrides = { token: args.token, debug: args.debug || undefined };
  const { options, sources, warnings, defaultDegpt } = resolveOptions(fromFile, env, overrides, { file: `config file ${file}`, overrides: FLAG_NAMES });
  return { config: parseOptions(options, sources), file, sources, warnings, defaultDegpt };
}
