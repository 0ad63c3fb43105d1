import { startKeepAlive, type KeepAlive } from './keep-alive.js';
import { BodyTooLarge, type CoreRequest, type CoreResponse, type HeaderMap } from './types.js';

/** Adapts the core handler to the web-standard `fetch(Request) → Response` signature. */
export function toWebHandler(handle: (req: CoreRequest) => Promise<CoreResponse>): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const headers: HeaderMap = {};
    request.headers.forEach((v, k) => (headers[k] = v));
    const res = await handle({
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers,
      signal: request.signal,
      async readBody(limit) {
        const declared = Number(request.headers.get('content-length') ?? 0);
        if (declared > limit) throw new BodyTooLarge(limit);
        const buf = new Uint8Array(await request.arrayBuffer());
        if (buf.byteLength > limit) throw new BodyTooLarge(limit);
        return buf;
      },
    });
    if (!res.stream) return new Response((res.body ?? null) as ConstructorParameters<typeof Response>[0], { status: res.status, headers: res.headers });
    const it = res.stream[Symbol.asyncIterator]();
    const enc = new TextEncoder();
    let keepAlive: KeepAlive | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        keepAlive = startKeepAlive(res.heartbeat, (frame) => controller.enqueue(enc.encode(frame)));
      },
      async pull(controller) {
        const r = await it.next();
        if (r.done) {
          keepAlive?.stop();
          // as the node adapter does: the stream's consumers learn that it is over
          await it.return?.();
          controller.close();
          return;
        }
        keepAlive?.wrote(r.value);
        controller.enqueue(typeof r.value === 'string' ? enc.encode(r.value) : r.value);
      },
      async cancel() {
        keepAlive?.stop();
        await it.return?.();
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
}
