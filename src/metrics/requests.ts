// Request metrics of the main thread, where every request is dispatched: per api and version, the
// requests served, those whose response carried an error code (by its Kafka name), and a latency
// histogram (from the whole frame read to the response encoded; a fetch's long poll included),
// plus the requests in flight. One RequestStats per api and version, made the first time it is
// seen; after that a request costs a few additions and no allocation.
import { HistogramCounts, REQUEST_SECONDS_BUCKETS } from './histogram.js';

export class RequestStats {
  count = 0;
  readonly latency = new HistogramCounts(REQUEST_SECONDS_BUCKETS);
  /** error code -> requests answered with it (or closed for it). */
  readonly errors = new Map<number, number>();

  constructor(readonly api: string, readonly version: string) {}
}

export class RequestMetrics {
  inFlight = 0;
  /** Requests of an api key the broker does not serve, or whose header could not be read. */
  readonly unknown = new RequestStats('unknown', 'unknown');
  private readonly byApi = new Map<number, RequestStats[]>();
  /** Per api key: requests for a version outside the served range (one series, whatever the version). */
  private readonly unsupported = new Map<number, RequestStats>();

  /** The stats of a served api and version (versions outside the served range share one). */
  stats(apiKey: number, api: string, version: number, served: boolean): RequestStats {
    if (!served) {
      let s = this.unsupported.get(apiKey);
      if (s === undefined) this.unsupported.set(apiKey, s = new RequestStats(api, 'unsupported'));
      return s;
    }
    let versions = this.byApi.get(apiKey);
    if (versions === undefined) this.byApi.set(apiKey, versions = []);
    let s = versions[version];
    if (s === undefined) versions[version] = s = new RequestStats(api, String(version));
    return s;
  }

  /** A request finished: errorCode NONE, the first error in its response, or why it was refused. */
  done(stats: RequestStats, startedMs: number, errorCode: number): void {
    stats.count++;
    stats.latency.observe((performance.now() - startedMs) / 1000);
    if (errorCode !== 0) stats.errors.set(errorCode, (stats.errors.get(errorCode) ?? 0) + 1);
  }

  *all(): IterableIterator<RequestStats> {
    if (this.unknown.count > 0) yield this.unknown;
    for (const versions of this.byApi.values()) for (const s of versions) if (s !== undefined) yield s;
    yield* this.unsupported.values();
  }
}

/**
 * The first non-zero errorCode in a response: its own, else the first of its topics or partitions
 * (depth first, in order); 0 when there is none. Record data (Buffers) is not walked.
 */
export function firstErrorCode(message: unknown): number {
  if (message === null || typeof message !== 'object' || Buffer.isBuffer(message)) return 0;
  if (Array.isArray(message)) {
    for (let i = 0; i < message.length; i++) {
      const code = firstErrorCode(message[i]);
      if (code !== 0) return code;
    }
    return 0;
  }
  const m = message as Record<string, unknown>;
  const own = m.errorCode;
  if (typeof own === 'number' && own !== 0) return own;
  for (const key in m) {
    const v = m[key];
    if (v !== null && typeof v === 'object') {
      const code = firstErrorCode(v);
      if (code !== 0) return code;
    }
  }
  return 0;
}
