import type { z } from 'zod';
import { ProxyError } from '../errors.js';

type Issue = z.core.$ZodIssue;
type Path = PropertyKey[];

/**
 * A union failure ("Invalid input" on `messages.2.content`) says nothing
 * useful; the branch whose first issue reaches deepest usually names the real
 * mistake (`messages.2.content.0.type: Invalid discriminator value…`).
 */
function mostSpecific(issue: Issue, prefix: Path): [Path, string] {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [path, issue.message];
  let best: Issue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && (!best || first.path.length > best.path.length)) best = first;
  }
  return best ? mostSpecific(best, path) : [path, issue.message];
}

/** The first issue as `path: message`, and its path (`messages.2.content`) for the error's `param`. */
function describe(error: z.ZodError): { param: string; message: string } {
  const first = error.issues[0];
  if (!first) return { param: '', message: 'invalid body' };
  const [path, message] = mostSpecific(first, []);
  const param = path.map(String).join('.');
  return { param, message: param ? `${param}: ${message}` : message };
}

/**
 * Validates a client body against a request schema. Errors become a 400
 * naming the first offending field. Returns the input object itself (typed),
 * not zod's copy: request schemas have no transforms or defaults, and the
 * caller keeps sharing the client's strings and arrays.
 */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return body as z.infer<S>;
  const { param, message } = describe(result.error);
  throw new ProxyError(400, message, param || null);
}

/** Validates an upstream's non-stream answer: a shape the translators cannot read is the upstream's fault, a 502. */
export function parseUpstream<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ProxyError(502, `upstream answered an unexpected response (${describe(result.error).message})`);
}
