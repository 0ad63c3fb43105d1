import type { z } from 'zod';
import { badRequest } from '../errors.js';

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

/**
 * Validates a client body against a request schema. Errors become a 400
 * naming the first offending field. Returns the input object itself (typed),
 * not zod's copy, so callers keep sharing the caller's strings and arrays.
 */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return body as z.infer<S>;
  const first = result.error.issues[0];
  if (!first) throw badRequest('invalid request body');
  const [path, message] = mostSpecific(first, []);
  const param = path.map(String).join('.');
  throw badRequest(param ? `${param}: ${message}` : message, param || null);
}
