// CreateTopics (19), versions 0-7, validate-only (v1+) included. Each topic is checked (name,
// partitions, replication factor against one broker, manual assignments, topic configs) and
// created with its partitions opened on their shards before the answer goes out. A topic named
// twice in one request is INVALID_REQUEST.
import type { CreateTopicsResponseData } from '../../protocol/messages/index.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { eachTopicOnce } from './common.js';

export const createTopics = handler('CreateTopics', {
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, req): Promise<ResponseOf<'CreateTopics'>> {
    const { validateOnly } = req;
    const topics = await eachTopicOnce(req.topics, async (spec): Promise<CreateTopicsResponseData.CreatableTopicResult> => {
      const outcome = await ctx.cluster.createTopic(spec, validateOnly);
      const topic = outcome.topic;
      if (topic !== undefined && !validateOnly) ctx.conn.log.info({ topic: topic.name, partitions: topic.partitions }, 'topic created');
      return {
        name: spec.name,
        topicId: topic?.topicId,
        errorCode: outcome.errorCode,
        errorMessage: outcome.errorMessage,
        numPartitions: topic?.partitions ?? -1,
        replicationFactor: topic === undefined ? -1 : 1,
        configs: topic === undefined ? null : Object.entries(topic.configs).map(([name, value]) => ({ name, value, readOnly: false, configSource: 1, isSensitive: false })),
      };
    }, (spec, error) => ({ name: spec.name, ...error, numPartitions: -1, replicationFactor: -1, configs: null }));
    return { throttleTimeMs: 0, topics };
  },
});
