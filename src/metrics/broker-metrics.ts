// The counters the main thread keeps for /metrics as requests pass: per api and version
// (requests.ts), and the record bytes that Fetch responses carried per topic. What the shard
// workers count comes with their snapshots (shard-stats.ts); the rest is read when scraped.
import { RequestMetrics } from './requests.js';

export class BrokerMetrics {
  readonly requests = new RequestMetrics();
  /** topic -> record bytes sent in Fetch responses. */
  readonly fetched = new Map<string, { bytesOut: number }>();

  /** A Fetch response carries `bytes` bytes of the topic's records. */
  countFetched(topic: string, bytes: number): void {
    const t = this.fetched.get(topic);
    if (t === undefined) this.fetched.set(topic, { bytesOut: bytes });
    else t.bytesOut += bytes;
  }
}
