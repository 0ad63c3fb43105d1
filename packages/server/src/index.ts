export { createServer, type ProxyServer, type ServerOptions } from './server.js';
export { createMiddleware, type Middleware, type NextFunction } from './middleware.js';
export { serveNode, toCoreRequest, writeResponse } from './node.js';
export { createOps, type Ops, type OpsOptions } from './ops.js';
export { aggregateWorkerMetrics } from './cluster-metrics.js';
