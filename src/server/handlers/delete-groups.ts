// DeleteGroups (42), versions 0-2: deletes empty groups with their committed offsets (tombstones
// in __consumer_offsets); a group with members is NON_EMPTY_GROUP.
import { ErrorCode } from '../../protocol/errors.js';
import type { DeleteGroupsResponseData } from '../../protocol/messages/index.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';

export const deleteGroups = handler('DeleteGroups', {
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req): Promise<ResponseOf<'DeleteGroups'>> {
    const results: DeleteGroupsResponseData.DeletableGroupResult[] = [];
    for (const groupId of req.groupsNames) {
      const problem = groupRequestError(ctx, groupId);
      results.push({ groupId, errorCode: problem !== ErrorCode.NONE ? problem : await ctx.groups.deleteGroup(groupId) });
    }
    return { throttleTimeMs: 0, results };
  },
});
