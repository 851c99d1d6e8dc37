// ConsumerGroupDescribe (69), version 0: KIP-848 groups with their members, current and target
// assignments, and when asked the operations allowed on each (all of a group's, no authorizer).
// A classic group, or none, is GROUP_ID_NOT_FOUND.
import { ErrorCode } from '../../protocol/errors.js';
import { ConsumerGroup, type DescribedGroup } from '../../groups/consumer-group.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { GROUP_OPERATIONS, OPERATIONS_NOT_REQUESTED } from './common.js';
import { groupRequestError } from './group-common.js';

export const consumerGroupDescribe = handler('ConsumerGroupDescribe', {
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req): ResponseOf<'ConsumerGroupDescribe'> {
    const { groups, topics } = ctx;
    const described = req.groupIds.map((groupId): DescribedGroup => {
      const fail = (errorCode: number, errorMessage: string | null): DescribedGroup => ({
        errorCode, errorMessage, groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED,
      });
      const problem = groupRequestError(ctx, groupId);
      if (problem !== ErrorCode.NONE) return fail(problem, null);
      const group = groups.groups.get(groupId);
      if (!(group instanceof ConsumerGroup)) return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
      const d = group.describe((topicId) => topics.getById(topicId)?.name ?? '');
      return { ...d, authorizedOperations: req.includeAuthorizedOperations ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED };
    });
    return { throttleTimeMs: 0, groups: described };
  },
});
