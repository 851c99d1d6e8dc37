// SyncGroup (14), versions 0-5: the leader hands in the assignment, every member waits for its
// share; the group is written to __consumer_offsets before anyone is answered.
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { groupRequestError, own } from './group-common.js';

export const syncGroup = handler('SyncGroup', {
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req): Promise<ResponseOf<'SyncGroup'> | null> {
    const v = ctx.header.apiVersion;
    const fail = (errorCode: number): ResponseOf<'SyncGroup'> => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    const problem = groupRequestError(ctx, req.groupId);
    if (problem !== ErrorCode.NONE) return fail(problem);
    const group = ctx.groups.classicGroup(req.groupId, false);
    if (typeof group === 'number') return fail(group === ErrorCode.GROUP_ID_NOT_FOUND ? ErrorCode.UNKNOWN_MEMBER_ID : group);
    ctx.memory.park();
    const result = await group.sync(
      req.memberId,
      v >= 3 ? req.groupInstanceId : null,
      req.generationId,
      v >= 5 ? req.protocolType : null,
      v >= 5 ? req.protocolName : null,
      req.assignments.map((a) => ({ memberId: a.memberId, assignment: own(a.assignment) })),
    );
    if (ctx.conn.closed) return null;
    return { throttleTimeMs: 0, ...result };
  },
});
