import type { ModelReport } from '../router/router.js';
import { json } from './respond.js';
import type { CoreResponse } from './types.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const round = (x: number | null, digits: number) => (x === null ? null : Number(x.toFixed(digits)));

/** GET /api/v1/stats: what the router knows per (provider, model), in `auto`'s order of preference. */
export function statsResponse(reports: readonly ModelReport[]): CoreResponse {
  const data = reports.map((r) => ({
    id: r.id,
    provider: r.provider,
    model: r.model,
    calls: r.calls,
    successes: r.successes,
    failures: r.failures,
    success_rate: round(r.successRate, 4),
    score: round(r.score, 4),
    latency_ms: round(r.latencyMs, 0),
    last_failure_at: iso(r.lastFailureAt),
    cooling_until: iso(r.coolingUntil),
  }));
  return json(200, { object: 'list', data });
}
