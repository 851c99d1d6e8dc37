// DescribeCluster (60), versions 0-1: the cluster id, the controller (this broker) and the one
// broker. Endpoint type 2 (controllers) is not served: a combined node answers as a broker.
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED, advertisedEndpoint } from './common.js';

const BROKERS_ENDPOINT = 1;

export const describeCluster = handler('DescribeCluster', {
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req): ResponseOf<'DescribeCluster'> {
    const { endpointType } = req; // brokers (its default) in v0, which does not carry it
    const base = { throttleTimeMs: 0, endpointType, clusterId: ctx.clusterId, controllerId: ctx.config.nodeId };
    if (endpointType !== BROKERS_ENDPOINT) {
      return { ...base, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Only the brokers endpoint type is served', brokers: [], clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED };
    }
    const { nodeId, host, port, rack } = advertisedEndpoint(ctx);
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      brokers: [{ brokerId: nodeId, host, port, rack }],
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
});
