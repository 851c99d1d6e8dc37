// What the group handlers share: the checks every group request starts with (a usable group id,
// a loaded coordinator) and the client's host as Kafka reports it ("/127.0.0.1").
import { ErrorCode } from '../../protocol/errors.js';
import type { RequestContext } from '../dispatcher.js';

/** INVALID_GROUP_ID for an empty id, COORDINATOR_LOAD_IN_PROGRESS while loading, else NONE. */
export function groupRequestError(ctx: RequestContext, groupId: string | null): number {
  if (groupId === null || groupId === '') return ErrorCode.INVALID_GROUP_ID;
  return ctx.groups.status;
}

export function clientHost(ctx: RequestContext): string {
  return `/${ctx.conn.socket.remoteAddress ?? ''}`;
}

/** A copy: request bytes live in a pooled frame that is reused once the reply is written. */
export function own(buf: Buffer | null): Buffer {
  return buf === null ? Buffer.alloc(0) : Buffer.from(buf);
}
