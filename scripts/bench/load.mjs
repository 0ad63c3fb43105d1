// Load drivers: autocannon (throughput at N connections, with exact latency
// percentiles kept from every response) and small undici loops for what
// autocannon cannot measure (µs latency at one connection, SSE chunks/s).
import autocannon from 'autocannon';

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function sortedOf(values) {
  const a = Float64Array.from(values);
  a.sort();
  return a;
}

/**
 * One autocannon run. `target` = { url, path, headers, body } or { url, requests: [...] }.
 * Either `duration` (s) or `amount` (requests). Returns req/s (2xx only), latency
 * percentiles in ms (from every response, not autocannon's integer-ms histogram),
 * errors, non-2xx and the raw result.
 */
export function cannon(target, { connections, duration, amount, maxSeconds = 600 }) {
  return new Promise((resolve, reject) => {
    const lat = [];
    const opts = {
      url: target.url + (target.path ?? ''),
      connections,
      pipelining: 1,
      timeout: 10,
      method: target.method ?? 'POST',
      headers: target.headers,
      body: target.body,
      requests: target.requests,
      ...(amount ? { amount } : { duration }),
    };
    const t0 = performance.now();
    const inst = autocannon(opts, (err, res) => {
      clearTimeout(guard);
      if (err) return reject(err);
      const elapsed = (performance.now() - t0) / 1000;
      const sorted = sortedOf(lat);
      const ok = res['2xx'];
      resolve({
        rps: ok / res.duration,
        total: res.requests.total,
        ok,
        elapsed,
        durationS: res.duration,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        max: sorted.length ? sorted[sorted.length - 1] : NaN,
        errors: res.errors,
        timeouts: res.timeouts,
        non2xx: res.non2xx,
        statusCodes: res.statusCodeStats,
        bytesPerSec: res.throughput.average,
      });
    });
    inst.on('response', (_client, _status, _bytes, responseTime) => lat.push(responseTime));
    // a bounded run whatever happens (amount-based runs have no duration of their own)
    const guard = setTimeout(() => inst.stop(), maxSeconds * 1000);
  });
}

/**
 * Sequential requests on one keep-alive connection for `seconds`; latencies in µs.
 * `client` is an undici Client (one connection).
 */
export async function oneConnection(client, { path, headers, body, method = 'POST' }, seconds) {
  const lat = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = process.hrtime.bigint();
    try {
      const res = await client.request({ path, method, headers, body });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) errors++;
      else lat.push(Number(process.hrtime.bigint() - t0) / 1000);
    } catch {
      errors++;
    }
  }
  return { lat, errors };
}

export function summarizeUs(lat) {
  const s = sortedOf(lat);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

/** Counts occurrences of `marker` in a byte stream fed piece by piece. */
export function markerCounter(marker) {
  let carry = '';
  let n = 0;
  return {
    feed(chunk) {
      const s = carry + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
      let i = 0;
      while ((i = s.indexOf(marker, i)) !== -1) {
        n++;
        i += marker.length;
      }
      carry = s.slice(-(marker.length - 1));
    },
    get count() {
      return n;
    },
  };
}

/**
 * Streams as many answers as fit in `seconds` over `connections` concurrent
 * streams (an undici Pool), counting `marker` (one per content chunk) in what arrives.
 */
export async function streamChunks(pool, { path, headers, body }, marker, { connections, seconds }) {
  let chunks = 0;
  let streams = 0;
  let errors = 0;
  let bytes = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const counter = markerCounter(marker);
      try {
        const res = await pool.request({ path, method: 'POST', headers, body });
        for await (const c of res.body) {
          bytes += c.length;
          counter.feed(c);
        }
        if (res.statusCode !== 200) errors++;
        else streams++;
      } catch {
        errors++;
      }
      chunks += counter.count;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  return { chunks, chunksPerSec: chunks / elapsed, streams, errors, elapsed, mbPerSec: bytes / elapsed / 1e6, chunksPerStream: streams ? chunks / streams : 0 };
}
