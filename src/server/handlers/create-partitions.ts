// CreatePartitions (37), versions 0-3: grows topics to the partition count asked for, validate-only
// included; the new partitions are opened on their shards before the answer, and producers and
// consumers see them in their next Metadata. Manual assignments may name only this broker. A topic
// named twice in one request is INVALID_REQUEST.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import type { ApiHandler } from '../dispatcher.js';
import { repeated } from './common.js';

interface RequestTopic { name: string; count: number; assignments: { brokerIds: number[] }[] | null }

export const createPartitions: ApiHandler = {
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const topics = req.topics as RequestTopic[];
    const twice = repeated(topics.map((t) => t.name));
    const results = [];
    for (const t of topics) {
      if (twice.has(t.name)) {
        results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Duplicate topic name ${t.name} in the request.` });
        continue;
      }
      const before = ctx.topics.get(t.name)?.partitions;
      const outcome = await ctx.cluster.createPartitions(t.name, t.count, t.assignments?.map((a) => a.brokerIds) ?? null, req.validateOnly === true);
      if (outcome.errorCode === ErrorCode.NONE && req.validateOnly !== true) ctx.conn.log.info({ topic: t.name, from: before, partitions: t.count }, 'partitions added');
      results.push({ name: t.name, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
    }
    return { throttleTimeMs: 0, results };
  },
};
