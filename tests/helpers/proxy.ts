import type { AddressInfo } from 'node:net';
import { createProxy, type Proxy, type ProxyOptions } from '@ones-proxy/core';
import { createServer, type ProxyServer } from '@ones-proxy/server';

export interface RunningProxy {
  proxy: Proxy;
  server: ProxyServer;
  /** http://127.0.0.1:port */
  url: string;
  close(): Promise<void>;
}

/** A proxy behind the node server on a free loopback port, model lists loaded. */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const proxy = createProxy(options);
  await proxy.ready();
  const server = createServer(proxy);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { proxy, server, url, close: () => server.shutdown(1000) };
}
