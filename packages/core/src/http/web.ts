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
    const hb = res.heartbeat;
    let timer: ReturnType<typeof setInterval> | undefined;
    let lastWrite = Date.now();
    let atFrameEnd = true;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (!hb) return;
        const frame = enc.encode(hb.frame);
        timer = setInterval(() => {
          if (atFrameEnd && Date.now() - lastWrite >= hb.everyMs - 5) {
            lastWrite = Date.now();
            controller.enqueue(frame);
          }
        }, Math.max(10, Math.floor(hb.everyMs / 3)));
      },
      async pull(controller) {
        const r = await it.next();
        if (r.done) {
          clearInterval(timer);
          controller.close();
          return;
        }
        const chunk = typeof r.value === 'string' ? enc.encode(r.value) : r.value;
        lastWrite = Date.now();
        atFrameEnd = chunk.length >= 2 && chunk[chunk.length - 1] === 10 && chunk[chunk.length - 2] === 10;
        controller.enqueue(chunk);
      },
      async cancel() {
        clearInterval(timer);
        await it.return?.();
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
}
