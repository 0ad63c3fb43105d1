import { readFileSync } from 'node:fs';
import { ConfigError, mergeOptions, parseOptions, type ProxyConfig, type ProxyOptionsInput } from '@ones-proxy/core';
import type { CliArgs } from './args.js';

type Env = Record<string, string | undefined>;

/** Reads the JSON config file; a missing or malformed file is a configuration error naming it. */
export function readConfigFile(path: string): ProxyOptionsInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as ProxyOptionsInput;
  } catch (e) {
    throw new ConfigError(`config file ${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** flags > environment > config file > defaults, validated by the one schema. */
export function loadConfig(args: CliArgs, env: Env): { config: ProxyConfig; file?: string } {
  const file = args.config ?? env.ONES_CONFIG;
  const fromFile = file ? readConfigFile(file) : {};
  const merged = mergeOptions(fromFile, env, { token: args.token, debug: args.debug || undefined });
  return { config: parseOptions(merged), file };
}
