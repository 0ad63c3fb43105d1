import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built bin. */
export const CLI = fileURLToPath(new URL('../../packages/cli/dist/cli.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * This process's environment without anything that configures the proxy, nor
 * the marks of the npm script running the tests (run.mjs acts on them).
 */
export const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OPENAI|ANTHROPIC|DEGPT|TOKEN|PORT|HOST|ONES_|SESSION_|REDIS_|WORKERS|REPLACE_CHAT|PREFIX_CHAT|APPEND_CHAT|DEBUG|npm_lifecycle_)/.test(k)));

/** One line of the CLI's stdout: a pino record with its level by name. */
export interface LogRecord {
  level: string;
  msg: string;
  pid: number;
  time: number;
  [k: string]: unknown;
}

/** Every stdout line as a record; a line that is not one JSON object fails the parse. */
export function records(out: string): LogRecord[] {
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogRecord);
}

/** Runs the CLI to its end. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...cleanEnv(), ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

export interface Running {
  proc: ChildProcess;
  /** where it listens, from the listening record */
  url: string;
  /** the start-up record: "ones-proxy <version> listening on …" */
  listening: LogRecord;
  /** stdout so far */
  out(): string;
  err(): string;
  /** resolves with the exit code, or the signal's name */
  exited: Promise<number | string | null>;
}

/**
 * Starts `node <command…> <args…>` (the CLI by default) and resolves at the
 * listening record on its stdout.
 */
export function startCli(args: string[], env: Record<string, string> = {}, command: string[] = [CLI]): Promise<Running> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...command, ...args], { env: { ...cleanEnv(), ...env }, cwd: ROOT });
    let out = '';
    let err = '';
    const exited = new Promise<number | string | null>((r) => proc.on('exit', (code, signal) => r(code ?? signal)));
    proc.stderr!.on('data', (d) => (err += d));
    proc.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"msg":"ones-proxy ') && l.includes(' listening on '));
      if (!line) return;
      const listening = JSON.parse(line) as LogRecord;
      resolve({ proc, url: listening.url as string, listening, out: () => out, err: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening:\n${out}\n${err}`)));
  });
}
