import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Proxy } from '@ones-proxy/core';
import { serveNode } from './node.js';

export type NextFunction = (err?: unknown) => void;
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;

/**
 * Connect/Express-style middleware. Mounted under a prefix (`app.use('/llm', mw)`)
 * it sees paths below it; paths that are not the proxy's go to `next()`.
 * A body already read by a body parser (`req.body`) is used as it is.
 */
export function createMiddleware(proxy: Proxy): Middleware {
  return (req, res, next) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if (!proxy.matches(q < 0 ? url : url.slice(0, q))) return next();
    const parsed = (req as { body?: unknown }).body;
    const preread =
      parsed !== undefined && req.readableEnded
        ? Buffer.isBuffer(parsed)
          ? parsed
          : Buffer.from(typeof parsed === 'string' ? parsed : JSON.stringify(parsed))
        : undefined;
    serveNode(proxy, req, res, url, preread).catch(next);
  };
}
