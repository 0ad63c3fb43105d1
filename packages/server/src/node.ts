import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, ClientSignal, startKeepAlive, type AbortSignalLike, type CoreRequest, type CoreResponse, type Proxy } from '@ones-proxy/core';

/** Reads a node request body, refusing past the limit without buffering the excess. */
function bodyReader(req: IncomingMessage, preread?: Uint8Array): (limit: number) => Promise<Uint8Array> {
  return (limit) => {
    if (preread) return preread.byteLength > limit ? Promise.reject(new BodyTooLarge(limit)) : Promise.resolve(preread);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume(); // drain so the connection can answer 413
      return Promise.reject(new BodyTooLarge(limit));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          req.removeAllListeners('data');
          req.resume();
          reject(new BodyTooLarge(limit));
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
      req.on('error', reject);
    });
  };
}

export function toCoreRequest(req: IncomingMessage, res: ServerResponse, url: string, preread?: Uint8Array, onClose?: () => void): CoreRequest {
  const q = url.indexOf('?');
  const signal = new ClientSignal();
  // the client going away (before the answer is complete) aborts the upstream call; one listener does all
  res.on('close', () => {
    if (!res.writableFinished) signal.abort();
    onClose?.();
  });
  return {
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    search: q < 0 ? '' : url.slice(q),
    headers: req.headers,
    readBody: bodyReader(req, preread),
    signal,
  };
}

/** Writes a core response to a node response, honouring back-pressure on streams. */
export async function writeResponse(res: ServerResponse, out: CoreResponse, signal: AbortSignalLike): Promise<void> {
  if (res.destroyed) return;
  if (!out.stream) {
    res.writeHead(out.status, out.headers);
    res.end(out.body);
    return;
  }
  // no flushHeaders(): it costs a write of its own; the headers leave with the first chunk or keep-alive
  res.writeHead(out.status, out.headers);
  const it = out.stream[Symbol.asyncIterator]();
  const keepAlive = startKeepAlive(out.heartbeat, (frame) => {
    if (!res.destroyed) res.write(frame);
  });
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      if (res.destroyed || signal.aborted) break;
      const chunk = r.value;
      if (out.complete?.()) {
        // the last client bytes: end with them, so they and the chunked terminator leave in one write;
        // the pump still reads the upstream to its end (keep-alive, outcome), with nothing more to write
        res.end(chunk);
        while (!(await it.next()).done);
        return;
      }
      keepAlive.wrote(chunk);
      if (!res.write(chunk)) await drained(res);
    }
  } finally {
    keepAlive.stop();
    await it.return?.();
    if (!res.destroyed && !res.writableEnded) res.end();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Serves one node request with the proxy; `url` is the path below any mount
 * prefix, `preread` a body some earlier middleware already consumed, `onClose`
 * runs when the response is over (finished or cut).
 */
export async function serveNode(
  proxy: Proxy,
  req: IncomingMessage,
  res: ServerResponse,
  url = req.url ?? '/',
  preread?: Uint8Array,
  onClose?: () => void,
): Promise<void> {
  const core = toCoreRequest(req, res, url, preread, onClose);
  const out = await proxy.handle(core);
  await writeResponse(res, out, core.signal);
}
