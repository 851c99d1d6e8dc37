// DescribeCluster (60), versions 0-1: the cluster id, the controller (this broker) and the one
// broker. Endpoint type 2 (controllers) is not served: a combined node answers as a broker.
import { ApiKey } from '../../protocol/messages/index.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { ApiHandler } from '../dispatcher.js';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED, advertisedEndpoint } from './common.js';

const BROKERS_ENDPOINT = 1;

export const describeCluster: ApiHandler = {
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const endpointType = ctx.header.apiVersion >= 1 ? (req.endpointType as number) : BROKERS_ENDPOINT;
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
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations === true ? CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
};
