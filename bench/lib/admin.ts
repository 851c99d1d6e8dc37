// Set-up calls the benchmarks make over a raw connection: the broker's API versions, creating a
// fresh topic per run and waiting until every partition has a leader, the leaders' addresses (so
// the load goes straight to them on a multi-broker Kafka), log end offsets, deleting the topic.
import { ErrorCode, errorName } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { KafkaConn } from './kafka-conn.js';
import { sleep } from './report.js';

export interface PartitionLeader { partition: number; host: string; port: number }

export class Admin {
  private constructor(readonly conn: KafkaConn) {}

  static async connect(host: string, port: number): Promise<Admin> {
    return new Admin(await KafkaConn.connect(host, port));
  }

  /** api key -> [min, max] version the broker advertises. */
  async apiVersions(): Promise<Map<number, [number, number]>> {
    const res = await this.conn.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'samsa-bench', clientSoftwareVersion: '1' });
    return new Map((res.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]).map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
  }

  /** Whether the broker serves consumer groups (what kafkajs's consumer needs). */
  async servesGroups(): Promise<boolean> {
    const versions = await this.apiVersions();
    return [ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.OffsetCommit, ApiKey.OffsetFetch].every((k) => versions.has(k));
  }

  async createTopic(name: string, partitions: number): Promise<PartitionLeader[]> {
    const res = await this.conn.request(ApiKey.CreateTopics, 5, {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    const t = (res.topics as { errorCode: number; errorMessage: string | null }[])[0]!;
    if (t.errorCode !== ErrorCode.NONE && t.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      throw new Error(`CreateTopics ${name}: ${errorName(t.errorCode)} ${t.errorMessage ?? ''}`);
    }
    return this.leaders(name, partitions);
  }

  /** Polls Metadata until all `partitions` partitions of `topic` have a leader. */
  async leaders(topic: string, partitions: number, timeoutMs = 30_000): Promise<PartitionLeader[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const md = await this.conn.request(ApiKey.Metadata, 9, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      const brokers = new Map((md.brokers as { nodeId: number; host: string; port: number }[]).map((b) => [b.nodeId, b]));
      const t = (md.topics as { errorCode: number; partitions: { errorCode: number; partitionIndex: number; leaderId: number }[] }[])[0];
      const found: PartitionLeader[] = [];
      for (const p of t?.partitions ?? []) {
        const b = brokers.get(p.leaderId);
        if (p.errorCode === ErrorCode.NONE && b !== undefined) found.push({ partition: p.partitionIndex, host: b.host, port: b.port });
      }
      if (found.length >= partitions) return found.sort((a, b) => a.partition - b.partition);
      if (Date.now() > deadline) throw new Error(`topic ${topic}: no leader for every partition after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** The log end offset of each partition (on its leader: ListOffsets must go to the leader). */
  async logEndOffsets(topic: string, leaders: PartitionLeader[]): Promise<number[]> {
    const out: number[] = [];
    for (const l of leaders) {
      const conn = await KafkaConn.connect(l.host, l.port);
      try {
        const res = await conn.request(ApiKey.ListOffsets, 6, {
          replicaId: -1, isolationLevel: 0,
          topics: [{ name: topic, partitions: [{ partitionIndex: l.partition, currentLeaderEpoch: -1, timestamp: -1 }] }],
        });
        const p = (res.topics as { partitions: { errorCode: number; offset: number }[] }[])[0]!.partitions[0]!;
        if (p.errorCode !== ErrorCode.NONE) throw new Error(`ListOffsets ${topic}-${l.partition}: ${errorName(p.errorCode)}`);
        out.push(p.offset);
      } finally {
        conn.close();
      }
    }
    return out;
  }

  /** Deletes the topic; errors are reported, not thrown (clean-up only). */
  async deleteTopic(name: string): Promise<void> {
    try {
      const res = await this.conn.request(ApiKey.DeleteTopics, 4, { topicNames: [name], timeoutMs: 30_000 });
      const code = (res.responses as { errorCode: number }[])[0]?.errorCode ?? 0;
      if (code !== ErrorCode.NONE) console.error(`DeleteTopics ${name}: ${errorName(code)}`);
    } catch (err) {
      console.error(`DeleteTopics ${name}: ${String(err)}`);
    }
  }

  close(): void {
    this.conn.close();
  }
}

/** A topic name unique to this run. */
export function runTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
