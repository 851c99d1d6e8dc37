// FindCoordinator (10), versions 0-6: key type 0 (group) and 1 (transaction), batched keys from
// v4. Key type 2 (share, v6, KIP-932) is INVALID_REQUEST: share groups are not served, as in Kafka
// with them disabled. A single broker coordinates everything, so the answer is always this broker's endpoint on
// the listener the client came in on; the first lookup creates __consumer_offsets or
// __transaction_state.
import { ErrorCode } from '../../protocol/errors.js';
import type { FindCoordinatorResponseData } from '../../protocol/messages/index.js';
import { handler, type RequestContext, type ResponseOf } from '../dispatcher.js';
import { advertisedEndpoint } from './common.js';

const GROUP = 0;
const TRANSACTION = 1;
const SHARE = 2;

async function lookup(ctx: RequestContext, key: string, keyType: number): Promise<FindCoordinatorResponseData.Coordinator> {
  const { nodeId, host, port } = advertisedEndpoint(ctx);
  const answer = (errorCode: number, errorMessage: string | null) => ({ key, nodeId, host, port, errorCode, errorMessage });
  const none = (errorCode: number, errorMessage: string | null) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (keyType === SHARE) return none(ErrorCode.INVALID_REQUEST, 'Share groups are not enabled.');
  if (keyType !== GROUP && keyType !== TRANSACTION) return none(ErrorCode.INVALID_REQUEST, `Unknown coordinator key type ${keyType}`);
  // The first lookup creates the coordinator's internal topic, as Kafka does.
  const errorCode = await (keyType === GROUP ? ctx.groups.log : ctx.transactions.log).ensure();
  if (errorCode !== ErrorCode.NONE) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  return answer(ErrorCode.NONE, null);
}

export const findCoordinator = handler('FindCoordinator', {
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req): Promise<ResponseOf<'FindCoordinator'>> {
    const v = ctx.header.apiVersion;
    const keyType = v >= 1 ? req.keyType : GROUP;
    if (v >= 4) {
      return { throttleTimeMs: 0, coordinators: await Promise.all(req.coordinatorKeys.map((k) => lookup(ctx, k, keyType))) };
    }
    const c = await lookup(ctx, req.key, keyType);
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port };
  },
});
