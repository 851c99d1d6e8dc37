// What several handlers share: this broker's endpoint as a client on a given listener sees it,
// the one-replica partition layout of a single-node cluster, the authorized-operations
// bit fields (no ACLs: everything a topic or cluster supports is allowed), and the walk over the
// topics of CreateTopics and CreatePartitions that refuses a topic named twice.
import type { TopicInfo } from '../../cluster/topics.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { MetadataResponseData } from '../../protocol/messages/index.js';
import type { RequestContext } from '../dispatcher.js';
import { LEADER_EPOCH } from '../../storage/leader-epoch.js';

/** Kafka's "not requested" value for authorized-operations fields. */
export const OPERATIONS_NOT_REQUESTED = -2147483648;
// AclOperation codes: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12 (CREATE_TOKENS 13 and DESCRIBE_TOKENS 14
// apply to users only). With no authorizer every operation that applies to the resource type is
// allowed, the bit set Kafka answers then (AclEntry.supportedOperations).
const bits = (ops: number[]): number => ops.reduce((acc, op) => acc | (1 << op), 0);
export const TOPIC_OPERATIONS = bits([3, 4, 5, 6, 7, 8, 10, 11]);
export const CLUSTER_OPERATIONS = bits([5, 7, 8, 9, 10, 11, 12]);
export const GROUP_OPERATIONS = bits([3, 6, 8]);

/** The leader epoch every partition has on a single broker that never changes leaders. */
export { LEADER_EPOCH };

/** The names a request lists more than once (Kafka answers each such entry INVALID_REQUEST). */
export function repeated(names: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const n of names) (seen.has(n) ? twice : seen).add(n);
  return twice;
}

/** An error in the answer for one topic. */
export interface TopicError { errorCode: number; errorMessage: string }

/**
 * Acts on each topic of a request that creates or grows topics, one after another in the
 * request's order; a topic named more than once is refused INVALID_REQUEST each time and left
 * alone, as Kafka answers CreateTopics and CreatePartitions.
 */
export async function eachTopicOnce<T extends { name: string }, R>(
  topics: readonly T[], act: (topic: T) => Promise<R>, refuse: (topic: T, error: TopicError) => R,
): Promise<R[]> {
  const twice = repeated(topics.map((t) => t.name));
  const results: R[] = [];
  for (const t of topics) {
    results.push(twice.has(t.name)
      ? refuse(t, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate topic name ${t.name} in the request.` })
      : await act(t));
  }
  return results;
}

/** A broker as Metadata lists it (DescribeCluster names nodeId brokerId). */
export function advertisedEndpoint(ctx: RequestContext): Required<MetadataResponseData.MetadataResponseBroker> {
  const { config } = ctx;
  const l = config.advertisedListeners.find((a) => a.name === ctx.conn.listenerName) ?? config.advertisedListeners[0]!;
  return { nodeId: config.nodeId, host: l.host, port: l.port, rack: null };
}

/** The topic's partitions as Metadata (and DescribeTopicPartitions) describe them: all led by this broker. */
export function partitionLayout(ctx: RequestContext, topic: TopicInfo): Required<MetadataResponseData.MetadataResponsePartition>[] {
  const node = ctx.config.nodeId;
  return Array.from({ length: topic.partitions }, (_, p) => ({
    errorCode: 0, partitionIndex: p, leaderId: node, leaderEpoch: LEADER_EPOCH,
    replicaNodes: [node], isrNodes: [node], offlineReplicas: [],
  }));
}
