import type { Observation } from '../observe.js';
import type { ClientSpec } from '../protocols/types.js';
import type { CoreRequest, CoreResponse } from './types.js';

/** A route's handler; `params` holds the values of its `:name` segments; `observation` the request's record when it is observed. */
export type Handler = (req: CoreRequest, params: Readonly<Record<string, string>>, observation: Observation | null) => Promise<CoreResponse> | CoreResponse;

export interface Route {
  /** the protocol errors on this route are written in */
  protocol: ClientSpec;
  /** open routes skip TOKEN auth */
  open?: boolean;
  /** HEAD is answered by GET's handler (adapters send no body for HEAD) */
  methods: Partial<Record<'GET' | 'POST' | 'DELETE', Handler>>;
}

export interface Match {
  route: Route;
  /** the path as the route was added ("/api/v1/session/:id"): a bounded name for logs and metrics */
  pattern: string;
  params: Readonly<Record<string, string>>;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

interface ParamRoute {
  /** the path's segments; a `:name` segment takes any one non-empty segment, a last `*name` the rest of the path */
  segments: string[];
  pattern: string;
  route: Route;
}

/**
 * The route table: exact paths in a Map (one lookup, the chat routes'
 * case), paths with `:name` segments tried in order after it.
 */
export class RouteTable {
  private readonly exact = new Map<string, Route>();
  private readonly withParams: ParamRoute[] = [];

  add(paths: readonly string[], route: Route): this {
    for (const p of paths) {
      if (p.includes('/:') || p.includes('/*')) this.withParams.push({ segments: p.split('/'), pattern: p, route });
      else this.exact.set(p, route);
    }
    return this;
  }

  match(path: string): Match | undefined {
    let route = this.exact.get(path);
    if (route) return { route, pattern: path, params: NO_PARAMS };
    if (path.length > 1 && path.endsWith('/')) route = this.exact.get(path.slice(0, -1));
    if (route) return { route, pattern: path.slice(0, -1), params: NO_PARAMS };
    return this.withParams.length ? this.matchParams(path) : undefined;
  }

  private matchParams(path: string): Match | undefined {
    const parts = path.split('/');
    for (const { segments, pattern, route } of this.withParams) {
      const rest = segments.at(-1)!.startsWith('*');
      if (rest ? parts.length < segments.length : segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const s = segments[i]!;
        if (s.startsWith('*')) {
          const value = parts.slice(i).join('/');
          if (!value) ok = false;
          else params[s.slice(1)] = safeDecode(value);
        } else if (s.startsWith(':')) {
          if (!parts[i]) ok = false;
          else params[s.slice(1)] = safeDecode(parts[i]!);
        } else ok = s === parts[i];
      }
      if (ok) return { route, pattern, params };
    }
    return undefined;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
