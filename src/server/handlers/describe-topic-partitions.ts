// DescribeTopicPartitions (75), version 0: topics (all when none are named) and their
// partitions, in name order, paged by response_partition_limit with a cursor.
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeTopicPartitionsResponseData } from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/primitives/reader.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { OPERATIONS_NOT_REQUESTED, TOPIC_OPERATIONS, partitionLayout } from './common.js';

export const describeTopicPartitions = handler('DescribeTopicPartitions', {
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req): ResponseOf<'DescribeTopicPartitions'> {
    const { topics } = ctx;
    const names = req.topics.length > 0
      ? [...new Set(req.topics.map((t) => t.name))].sort()
      : [...topics.all()].map((t) => t.name).sort();
    const { cursor } = req;
    let budget = Math.max(1, req.responsePartitionLimit);
    const out: DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic[] = [];
    let nextCursor: DescribeTopicPartitionsResponseData.Cursor | null = null;
    for (const name of names) {
      if (cursor !== null && name < cursor.topicName) continue;
      const topic = topics.get(name);
      if (topic === undefined) {
        out.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED });
        continue;
      }
      const first = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
      const layout = partitionLayout(ctx, topic).slice(first);
      const taken = layout.slice(0, budget).map((p) => ({ ...p, eligibleLeaderReplicas: [], lastKnownElr: [] }));
      budget -= taken.length;
      out.push({ errorCode: ErrorCode.NONE, name, topicId: topic.topicId, isInternal: topic.internal, partitions: taken, topicAuthorizedOperations: TOPIC_OPERATIONS });
      if (taken.length < layout.length) {
        nextCursor = { topicName: name, partitionIndex: first + taken.length };
        break;
      }
      if (budget === 0) {
        const rest = names.slice(names.indexOf(name) + 1);
        if (rest.length > 0) nextCursor = { topicName: rest[0]!, partitionIndex: 0 };
        break;
      }
    }
    return { throttleTimeMs: 0, topics: out, nextCursor };
  },
});
