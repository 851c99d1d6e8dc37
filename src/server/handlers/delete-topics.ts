// DeleteTopics (20), versions 0-6: by name (v0-5) or by name or topic id (v6). Removes the
// topic from the registry, then its partition logs from their shards.
import { ApiKey } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from '../dispatcher.js';

export const deleteTopics: ApiHandler = {
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req) {
    const { topics } = ctx;
    const wanted: { name: string | null; topicId?: string }[] = ctx.header.apiVersion >= 6
      ? req.topics
      : (req.topicNames as string[]).map((name) => ({ name }));
    const responses = [];
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
};
