import type { Protocol } from '../errors.js';
import type { CoreRequest, CoreResponse } from './types.js';

export type Handler = (req: CoreRequest) => Promise<CoreResponse> | CoreResponse;

export interface Route {
  /** protocol errors on this route are written in */
  protocol: Protocol;
  /** open routes skip TOKEN auth */
  open?: boolean;
  /** HEAD is answered by GET's handler (adapters send no body for HEAD) */
  methods: Partial<Record<'GET' | 'POST', Handler>>;
}

/** Exact-path route table: one Map lookup per request. */
export class RouteTable {
  private readonly routes = new Map<string, Route>();

  add(paths: readonly string[], route: Route): this {
    for (const p of paths) this.routes.set(p, route);
    return this;
  }

  match(path: string): Route | undefined {
    return this.routes.get(path) ?? (path.length > 1 && path.endsWith('/') ? this.routes.get(path.slice(0, -1)) : undefined);
  }

  paths(): string[] {
    return [...this.routes.keys()];
  }
}

/** Protocol for an error on an unknown path: Anthropic clients announce themselves. */
export function guessProtocol(req: CoreRequest): Protocol {
  return req.headers['anthropic-version'] !== undefined || req.path.includes('/messages') ? 'anthropic' : 'openai';
}
