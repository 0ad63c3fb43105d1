import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const HELP = `Usage: ones-proxy [options]

One endpoint in front of many LLM providers (OpenAI and Anthropic protocols).

Options:
  -p, --port <n>       port to listen on (env PORT, default 7860)
  -H, --host <addr>    address to bind (env HOST, default 0.0.0.0)
  -c, --config <file>  JSON config file (env ONES_CONFIG); watched, and reloaded on SIGHUP
  -t, --token <token>  require this token on every API route (env TOKEN)
  -d, --debug          verbose logs (env DEBUG)
  -w, --workers <n>    worker processes on one port (env WORKERS; default 1, or
                       min(2 x CPUs + 1, 8) with redis storage)
  -h, --help           show this help
  -v, --version        show the version

Providers come from OPENAI_API_KEY / OPENAI_BASE_URL, ANTHROPIC_API_KEY /
ANTHROPIC_BASE_URL, DEGPT_* and the config file's "providers" array.
Logs are JSON lines; LOG_FORMAT=pretty for a terminal. /metrics needs the
token unless METRICS_PUBLIC=true.
`;

export interface CliArgs {
  port?: number;
  host?: string;
  config?: string;
  token?: string;
  debug?: boolean;
  workers?: number;
  help?: boolean;
  version?: boolean;
}

export function parsePort(v: string, from: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`${from}: expected a port number 0-65535, got "${v}"`);
  return Number(v);
}

export function parseWorkers(v: string, from: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) throw new UsageError(`${from}: expected a number of workers from 1 to 64, got "${v}"`);
  return Number(v);
}

export function parseCliArgs(argv: string[]): CliArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string', short: 'H' },
        config: { type: 'string', short: 'c' },
        token: { type: 'string', short: 't' },
        debug: { type: 'boolean', short: 'd' },
        workers: { type: 'string', short: 'w' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const out: CliArgs = { debug: values.debug, help: values.help, version: values.version };
  if (values.port !== undefined) out.port = parsePort(values.port, '--port');
  if (values.host !== undefined) {
    if (!values.host.trim()) throw new UsageError('--host: must not be empty');
    out.host = values.host;
  }
  if (values.config !== undefined) out.config = values.config;
  if (values.workers !== undefined) out.workers = parseWorkers(values.workers, '--workers');
  if (values.token !== undefined) {
    if (!values.token) throw new UsageError('--token: must not be empty');
    out.token = values.token;
  }
  return out;
}
