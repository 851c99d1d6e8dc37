// ConsumerGroupHeartbeat (68), versions 0-1: KIP-848's one request for joining, heartbeating,
// reconciling and leaving a consumer group; the assignment is computed here, on the broker
// (groups/consumer-group.ts). v0 has the broker make the member id; v1 the client.
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import type { AssignorTopic } from '../../groups/assignors.js';
import type { TopicInfo } from '../../cluster/topics.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { clientHost, groupRequestError } from './group-common.js';

function view(t: TopicInfo): AssignorTopic {
  return { topicId: t.topicId, name: t.name, partitions: t.partitions };
}

export const consumerGroupHeartbeat = handler('ConsumerGroupHeartbeat', {
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req): ResponseOf<'ConsumerGroupHeartbeat'> {
    const v = ctx.header.apiVersion;
    const { groups, topics, config } = ctx;
    const { groupId, memberId, memberEpoch } = req;
    const fail = (errorCode: number, errorMessage: string | null = null): ResponseOf<'ConsumerGroupHeartbeat'> => ({
      throttleTimeMs: 0, errorCode, errorMessage, memberId, memberEpoch, heartbeatIntervalMs: config.groupConsumerHeartbeatIntervalMs, assignment: null,
    });
    const problem = groupRequestError(ctx, groupId);
    if (problem === ErrorCode.INVALID_GROUP_ID) return fail(ErrorCode.INVALID_REQUEST, 'GroupId can\'t be empty.');
    if (problem !== ErrorCode.NONE) return fail(problem);
    const group = groups.consumerGroup(groupId, memberEpoch === 0);
    if (typeof group === 'number') {
      return fail(group, group === ErrorCode.GROUP_ID_NOT_FOUND ? `Group ${groupId} is not a consumer group.` : null);
    }
    const out = group.heartbeat({
      ...req,
      subscribedTopicRegex: v >= 1 ? req.subscribedTopicRegex : null,
      clientId: ctx.header.clientId ?? '',
      clientHost: clientHost(ctx),
      apiVersion: v,
    }, {
      nowMs: Date.now(),
      topicsByName: (name) => {
        const t = topics.get(name);
        return t === undefined ? undefined : view(t);
      },
      allTopics: () => [...topics.all()].filter((t) => !t.internal).map(view),
      newMemberId: () => randomUUID().replace(/-/g, '').slice(0, 22),
    });
    groups.armExpiry(group);
    return { throttleTimeMs: 0, ...out };
  },
});
