// ConsumerGroupHeartbeat (68), versions 0-1: KIP-848's one request for joining, heartbeating,
// reconciling and leaving a consumer group; the assignment is computed here, on the broker
// (groups/consumer-group.ts). v0 has the broker make the member id; v1 the client.
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import type { AssignorTopic } from '../../groups/assignors.js';
import type { TopicInfo } from '../../cluster/topics.js';
import type { ApiHandler } from '../dispatcher.js';
import { clientHost, groupRequestError } from './group-common.js';

function view(t: TopicInfo): AssignorTopic {
  return { topicId: t.topicId, name: t.name, partitions: t.partitions };
}

export const consumerGroupHeartbeat: ApiHandler = {
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const { groups, topics, config } = ctx;
    const memberId = req.memberId as string;
    const memberEpoch = req.memberEpoch as number;
    const fail = (errorCode: number, errorMessage: string | null = null) => ({
      throttleTimeMs: 0, errorCode, errorMessage, memberId, memberEpoch, heartbeatIntervalMs: config.groupConsumerHeartbeatIntervalMs, assignment: null,
    });
    const groupId = req.groupId as string;
    const problem = groupRequestError(ctx, groupId);
    if (problem === ErrorCode.INVALID_GROUP_ID) return fail(ErrorCode.INVALID_REQUEST, 'GroupId can\'t be empty.');
    if (problem !== ErrorCode.NONE) return fail(problem);
    const group = groups.consumerGroup(groupId, memberEpoch === 0);
    if (typeof group === 'number') {
      return fail(group, group === ErrorCode.GROUP_ID_NOT_FOUND ? `Group ${groupId} is not a consumer group.` : null);
    }
    const out = group.heartbeat({
      memberId,
      memberEpoch,
      instanceId: req.instanceId as string | null,
      rackId: req.rackId as string | null,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs as number,
      subscribedTopicNames: req.subscribedTopicNames as string[] | null,
      subscribedTopicRegex: v >= 1 ? req.subscribedTopicRegex as string | null : null,
      serverAssignor: req.serverAssignor as string | null,
      topicPartitions: req.topicPartitions as { topicId: string; partitions: number[] }[] | null,
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
};
