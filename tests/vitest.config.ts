import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`../packages/${p}`, import.meta.url));

export default defineProject({
  // tests run against the sources; the CLI tests run the built bin
  resolve: {
    alias: {
      '@ones-proxy/core': src('core/src/index.ts'),
      '@ones-proxy/server': src('server/src/index.ts'),
    },
  },
  // one file at a time: the timing assertions (abort reaching the upstream, keep-alives) measure the proxy, not CPU contention
  test: { name: 'e2e', include: ['e2e/**/*.test.ts'], testTimeout: 20000, hookTimeout: 20000, poolOptions: { forks: { singleFork: true } } },
});
