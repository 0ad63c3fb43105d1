#!/usr/bin/env node
// `npx ones-proxy [options]` inside a clone (the root package's bin): the same
// as `npm start -- [options]`, installing and building first when needed.
process.argv.splice(2, 0, 'start');
await import('./run.mjs');
