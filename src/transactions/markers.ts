// Transaction markers from the broker side, for the transaction coordinator: writes a COMMIT or
// ABORT marker for one producer to each of a transaction's partitions through the shards that own
// them (shard op 'writeTxnMarkers', PartitionLog.writeTxnMarker); the shard pool reports each marker
// as an append, which wakes the fetches waiting there (a marker moves the last stable offset). Answers an error code per
// "topic-partition": NONE, UNKNOWN_TOPIC_OR_PARTITION, INVALID_PRODUCER_EPOCH (an epoch older than
// the partition knows for the producer), TRANSACTION_COORDINATOR_FENCED, KAFKA_STORAGE_ERROR.
import { hasPartition, type TopicRegistry } from '../cluster/topics.js';
import { ErrorCode } from '../protocol/errors.js';
import type { WriteTxnMarkersItem } from '../workers/messages.js';
import { partitionKey, type ShardPool } from '../workers/pool.js';

/** What writing markers needs: the topics, and the shards that own them. */
export interface MarkerWriters {
  topics: Pick<TopicRegistry, 'get'>;
  shards: Pick<ShardPool, 'scatter' | 'shardFor'>;
}

export async function writeTxnMarkers(
  broker: MarkerWriters,
  producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number,
  partitions: { topic: string; partition: number }[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const items: WriteTxnMarkersItem[] = [];
  const shards: number[] = [];
  for (const { topic, partition } of partitions) {
    const key = partitionKey(topic, partition);
    const info = broker.topics.get(topic);
    if (!hasPartition(info, partition)) {
      out.set(key, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      continue;
    }
    if (out.has(key)) continue;
    out.set(key, ErrorCode.NONE);
    items.push({ key, producerId, producerEpoch, commit, coordinatorEpoch });
    shards.push(broker.shards.shardFor(topic, partition));
  }
  const results = await broker.shards.scatter(
    items, (_, i) => shards[i]!, (list) => ({ op: 'writeTxnMarkers', items: list }),
  );
  results.forEach((r, i) => {
    const { key } = items[i]!;
    out.set(key, r.errorCode);
  });
  return out;
}
