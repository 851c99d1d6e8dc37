// SyncGroup (14), versions 0-5: the leader hands in the assignment, every member waits for its
// share; the group is written to __consumer_offsets before anyone is answered.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import type { ApiHandler } from '../dispatcher.js';
import { groupRequestError, own } from './group-common.js';

export const syncGroup: ApiHandler = {
  apiKey: ApiKey.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const fail = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    const problem = groupRequestError(ctx, req.groupId as string);
    if (problem !== ErrorCode.NONE) return fail(problem);
    const group = ctx.groups.classicGroup(req.groupId as string, false);
    if (typeof group === 'number') return fail(group === ErrorCode.GROUP_ID_NOT_FOUND ? ErrorCode.UNKNOWN_MEMBER_ID : group);
    ctx.memory.park();
    const result = await group.sync(
      req.memberId as string,
      v >= 3 ? req.groupInstanceId as string | null : null,
      req.generationId as number,
      v >= 5 ? req.protocolType as string | null : null,
      v >= 5 ? req.protocolName as string | null : null,
      (req.assignments as { memberId: string; assignment: Buffer }[]).map((a) => ({ memberId: a.memberId, assignment: own(a.assignment) })),
    );
    if (ctx.conn.closed) return null;
    return { throttleTimeMs: 0, ...result };
  },
};
