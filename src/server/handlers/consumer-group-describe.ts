// ConsumerGroupDescribe (69), version 0: KIP-848 groups with their members, current and target
// assignments, and when asked the operations allowed on each (all of a group's, no authorizer).
// A classic group, or none, is GROUP_ID_NOT_FOUND.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import { ConsumerGroup } from '../../groups/consumer-group.js';
import type { ApiHandler } from '../dispatcher.js';
import { GROUP_OPERATIONS, OPERATIONS_NOT_REQUESTED } from './common.js';
import { groupRequestError } from './group-common.js';

export const consumerGroupDescribe: ApiHandler = {
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const { groups, topics } = ctx;
    const described = (req.groupIds as string[]).map((groupId) => {
      const fail = (errorCode: number, errorMessage: string | null) => ({
        errorCode, errorMessage, groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED,
      });
      const problem = groupRequestError(ctx, groupId);
      if (problem !== ErrorCode.NONE) return fail(problem, null);
      const group = groups.groups.get(groupId);
      if (!(group instanceof ConsumerGroup)) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
      const d = group.describe((topicId) => topics.getById(topicId)?.name ?? '');
      return { ...d, authorizedOperations: req.includeAuthorizedOperations === true ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED };
    });
    return { throttleTimeMs: 0, groups: described };
  },
};
