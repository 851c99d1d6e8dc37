// CreateTopics (19), versions 0-7, validate-only (v1+) included. Each topic is checked (name,
// partitions, replication factor against one broker, manual assignments, topic configs) and
// created with its partitions opened on their shards before the answer goes out.
import { ApiKey } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { CreateTopicSpec } from '../../cluster/cluster.js';
import type { ApiHandler } from '../dispatcher.js';
import { repeated } from './common.js';

export const createTopics: ApiHandler = {
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, req) {
    const specs = req.topics as CreateTopicSpec[];
    const twice = repeated(specs.map((s) => s.name));
    const results = [];
    for (const spec of specs) {
      if (twice.has(spec.name)) {
        results.push({ name: spec.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate topic name ${spec.name} in the request.`, numPartitions: -1, replicationFactor: -1, configs: null });
        continue;
      }
      const outcome = await ctx.cluster.createTopic(spec, req.validateOnly === true);
      const topic = outcome.topic;
      if (topic !== undefined && req.validateOnly !== true) ctx.conn.log.info({ topic: topic.name, partitions: topic.partitions }, 'topic created');
      results.push({
        name: spec.name,
        topicId: topic?.topicId,
        errorCode: outcome.errorCode,
        errorMessage: outcome.errorMessage,
        numPartitions: topic?.partitions ?? -1,
        replicationFactor: topic === undefined ? -1 : 1,
        configs: topic === undefined ? null : Object.entries(topic.configs).map(([name, value]) => ({ name, value, readOnly: false, configSource: 1, isSensitive: false })),
      });
    }
    return { throttleTimeMs: 0, topics: results };
  },
};
