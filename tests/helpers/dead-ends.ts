import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback port with nothing listening on it (connect is refused). */
export async function deadPort(): Promise<number> {
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  const port = (tmp.address() as AddressInfo).port;
  await new Promise((r) => tmp.close(r));
  return port;
}

/** A server that accepts requests and never answers them. */
export async function hangingServer(): Promise<Server> {
  const s = createServer(() => {});
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}
