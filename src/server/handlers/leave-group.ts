// LeaveGroup (13), versions 0-5: one member (v0-2) or a batch of them, static members by
// instance id (v3+), each answered with its own error code.
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type RequestOf, type ResponseOf } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';

type Leaving = Pick<RequestOf<'LeaveGroup'>['members'][number], 'memberId' | 'groupInstanceId'>;

export const leaveGroup = handler('LeaveGroup', {
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req): ResponseOf<'LeaveGroup'> {
    const batch = ctx.header.apiVersion >= 3;
    const leaving: Leaving[] = batch ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
    const answer = (errorCode: number, codes: number[]): ResponseOf<'LeaveGroup'> => ({
      throttleTimeMs: 0, errorCode,
      members: batch ? leaving.map((m, i) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: codes[i] ?? ErrorCode.NONE })) : [],
    });
    const problem = groupRequestError(ctx, req.groupId);
    if (problem !== ErrorCode.NONE) return answer(problem, []);
    const group = ctx.groups.classicGroup(req.groupId, false);
    if (typeof group === 'number') {
      const code = group === ErrorCode.GROUP_ID_NOT_FOUND ? ErrorCode.UNKNOWN_MEMBER_ID : group;
      return batch ? answer(ErrorCode.NONE, leaving.map(() => code)) : answer(code, []);
    }
    const codes = leaving.map((m) => group.leave(m.memberId, m.groupInstanceId));
    return batch ? answer(ErrorCode.NONE, codes) : answer(codes[0]!, []);
  },
});
