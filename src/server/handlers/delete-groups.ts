// DeleteGroups (42), versions 0-2: deletes empty groups with their committed offsets (tombstones
// in __consumer_offsets); a group with members is NON_EMPTY_GROUP.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import type { ApiHandler } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';

export const deleteGroups: ApiHandler = {
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const results = [];
    for (const groupId of req.groupsNames as string[]) {
      const problem = groupRequestError(ctx, groupId);
      results.push({ groupId, errorCode: problem !== ErrorCode.NONE ? problem : await ctx.groups.deleteGroup(groupId) });
    }
    return { throttleTimeMs: 0, results };
  },
};
