// ConsumerGroupDescribe (69), version 0: KIP-848 groups with their members, current and target
// assignments. A classic group, or none, is GROUP_ID_NOT_FOUND.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import { ConsumerGroup } from '../../groups/consumer-group.js';
import type { ApiHandler } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';

export const consumerGroupDescribe: ApiHandler = {
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const { groups, topics } = ctx.broker;
    const described = (req.groupIds as string[]).map((groupId) => {
      const fail = (errorCode: number, errorMessage: string | null) => ({
        errorCode, errorMessage, groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: -2147483648,
      });
      const problem = groupRequestError(ctx, groupId);
      if (problem !== ErrorCode.NONE) return fail(problem, null);
      const group = groups.groups.get(groupId);
      if (!(group instanceof ConsumerGroup)) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
      return group.describe((topicId) => topics.getById(topicId)?.name ?? '');
    });
    return { throttleTimeMs: 0, groups: described };
  },
};
