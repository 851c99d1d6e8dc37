// DeleteTopics (20), versions 0-6: by name (v0-5) or by name or topic id (v6). Removes the
// topic from the registry, then its partition logs from their shards.
import { ErrorCode } from '../../protocol/errors.js';
import type { DeleteTopicsResponseData } from '../../protocol/messages/index.js';
import { handler, type ResponseOf } from '../dispatcher.js';

export const deleteTopics = handler('DeleteTopics', {
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req): Promise<ResponseOf<'DeleteTopics'>> {
    const { topics } = ctx;
    const wanted: { name: string | null; topicId?: string }[] = ctx.header.apiVersion >= 6
      ? req.topics
      : req.topicNames.map((name) => ({ name }));
    const responses: DeleteTopicsResponseData.DeletableTopicResult[] = [];
    for (const w of wanted) {
      const byId = w.name === null && w.topicId !== undefined ? topics.getById(w.topicId) : undefined;
      const name = w.name ?? byId?.name;
      if (name === undefined) {
        responses.push({ name: null, topicId: w.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' });
        continue;
      }
      const outcome = await ctx.cluster.deleteTopic(name);
      if (outcome.topic !== undefined) ctx.conn.log.info({ topic: name }, 'topic deleted');
      responses.push({ name, topicId: outcome.topic?.topicId ?? w.topicId, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
    }
    return { throttleTimeMs: 0, responses };
  },
});
