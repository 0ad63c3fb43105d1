import { header, type CoreRequest, type CoreResponse } from './types.js';

export interface CorsOptions {
  /** allowed origins, or ["*"] */
  origins: string[];
}

const ALLOW_HEADERS = 'authorization, content-type, x-api-key, anthropic-version, anthropic-beta, x-session-id, x-ones-strict';
const EXPOSE_HEADERS = 'x-ones-model, x-ones-provider, x-ones-attempts, retry-after';

/** CORS is off unless configured; when on, only the listed origins get the headers. */
export function makeCors(opts: CorsOptions | undefined) {
  if (!opts) return null;
  const any = opts.origins.includes('*');
  const allowed = new Set(opts.origins);
  const originFor = (req: CoreRequest): string | null => {
    const origin = header(req.headers, 'origin');
    if (!origin) return null;
    return any ? '*' : allowed.has(origin) ? origin : null;
  };
  return {
    /** answers a preflight, or null when the origin is not allowed */
    preflight(req: CoreRequest, methods: string): CoreResponse | null {
      const origin = originFor(req);
      if (!origin) return null;
      return {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': methods,
          'access-control-allow-headers': ALLOW_HEADERS,
          'access-control-max-age': '600',
          vary: 'origin',
        },
      };
    },
    decorate(req: CoreRequest, res: CoreResponse): CoreResponse {
      const origin = originFor(req);
      if (origin) Object.assign(res.headers, { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSE_HEADERS, vary: 'origin' });
      return res;
    },
  };
}
