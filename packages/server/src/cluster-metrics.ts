import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const ASK = 'ones-proxy:metrics?';
const ANSWER = 'ones-proxy:metrics';

interface Asked {
  type: typeof ASK;
  id: number;
}
interface Answered {
  type: typeof ANSWER;
  id: number;
  contentType?: string;
  body?: string;
  error?: string;
}

/**
 * In a cluster's primary: answers the workers' /metrics with every worker's
 * metrics aggregated (prom-client's AggregatorRegistry). The one call a
 * primary makes; workers find it on their own. Returns a function that stops it.
 */
export function aggregateWorkerMetrics(): () => void {
  const aggregator = new AggregatorRegistry();
  const onMessage = (worker: { send(m: unknown): boolean; isConnected(): boolean }, m: unknown) => {
    if ((m as Asked | null)?.type !== ASK) return;
    const { id } = m as Asked;
    const answer = (a: Answered) => {
      if (worker.isConnected()) worker.send(a);
    };
    aggregator.clusterMetrics().then(
      (body) => answer({ type: ANSWER, id, contentType: aggregator.contentType, body }),
      (e: Error) => answer({ type: ANSWER, id, error: e.message }),
    );
  };
  cluster.on('message', onMessage);
  return () => void cluster.off('message', onMessage);
}

/**
 * A worker's metrics: its registry is the one the primary aggregates, and
 * /metrics asks the primary for the whole cluster's. A primary that does not
 * answer (it never called aggregateWorkerMetrics) leaves the worker's own.
 */
export function workerMetrics(registry: Registry, waitMs = 3000): () => Promise<{ contentType: string; body: string }> {
  AggregatorRegistry.setRegistries([registry]);
  // constructing one is what makes prom-client answer the primary's requests in a worker
  new AggregatorRegistry();
  let next = 0;
  const pending = new Map<number, (a: Answered | null) => void>();
  process.on('message', (m: unknown) => {
    const a = m as Answered | null;
    if (a?.type === ANSWER) pending.get(a.id)?.(a);
  });
  const own = async () => ({ contentType: registry.contentType, body: await registry.metrics() });
  return async () => {
    const id = next++;
    const answer = await new Promise<Answered | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), waitMs);
      pending.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      process.send!({ type: ASK, id } satisfies Asked);
    });
    pending.delete(id);
    return answer?.body !== undefined ? { contentType: answer.contentType!, body: answer.body } : own();
  };
}
