// What the transactional handlers share: PRODUCER_FENCED is only known to clients from the
// versions KIP-588 added it in; older versions are told INVALID_PRODUCER_EPOCH instead.
import { ErrorCode } from '../../protocol/errors.js';

export function fencedAs(errorCode: number, version: number, fencedFrom: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < fencedFrom ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}
