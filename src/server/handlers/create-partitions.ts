// CreatePartitions (37), versions 0-3: grows topics to the partition count asked for, validate-only
// included; the new partitions are opened on their shards before the answer, and producers and
// consumers see them in their next Metadata. Manual assignments may name only this broker. A topic
// named twice in one request is INVALID_REQUEST.
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { eachTopicOnce } from './common.js';

export const createPartitions = handler('CreatePartitions', {
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req): Promise<ResponseOf<'CreatePartitions'>> {
    const { validateOnly } = req;
    const results = await eachTopicOnce(req.topics, async (t) => {
      const before = ctx.topics.get(t.name)?.partitions;
      const outcome = await ctx.cluster.createPartitions(t.name, t.count, t.assignments?.map((a) => a.brokerIds) ?? null, validateOnly);
      if (outcome.errorCode === ErrorCode.NONE && !validateOnly) ctx.conn.log.info({ topic: t.name, from: before, partitions: t.count }, 'partitions added');
      return { name: t.name, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage };
    }, (t, error) => ({ name: t.name, ...error }));
    return { throttleTimeMs: 0, results };
  },
});
