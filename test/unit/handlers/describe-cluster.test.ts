// DescribeCluster and ApiVersions run directly over stand-ins: the one broker as the listener the
// client came on advertises it, the endpoint types served, and the version ranges advertised.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/config/index.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ApiKey } from '../../../src/protocol/messages/index.js';
import type { RequestOf } from '../../../src/server/dispatcher.js';
import { apiVersions } from '../../../src/server/handlers/api-versions.js';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED } from '../../../src/server/handlers/common.js';
import { describeCluster } from '../../../src/server/handlers/describe-cluster.js';
import { answered, FakeConnection, requestContext, services, call } from '../stand-ins.js';

const rooms = services({
  config: {
    ...defaultConfig(),
    nodeId: 5,
    advertisedListeners: [{ name: 'INTERNAL', host: 'broker.internal', port: 9093 }, { name: 'EXTERNAL', host: 'kafka.example.com', port: 19092 }],
  },
  apiVersions: () => [{ apiKey: ApiKey.Produce, minVersion: 0, maxVersion: 11 }, { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 }],
});

const request = (endpointType = 1, includeClusterAuthorizedOperations = false): RequestOf<'DescribeCluster'> => ({ endpointType, includeClusterAuthorizedOperations });

async function describeOn(listener: string, version: number, req: RequestOf<'DescribeCluster'>) {
  const ctx = { ...requestContext(rooms, ApiKey.DescribeCluster, version), conn: new FakeConnection(listener) };
  return answered('DescribeCluster', await call(describeCluster, ctx, req));
}

describe('DescribeCluster handler', () => {
  test('the one broker, as the listener the request came on advertises it; it is the controller', async () => {
    const res = await describeOn('EXTERNAL', 1, request());
    assert.deepEqual([res.errorCode, res.errorMessage, res.clusterId, res.controllerId, res.endpointType], [ErrorCode.NONE, null, 'unit-test-cluster-id', 5, 1]);
    assert.deepEqual(res.brokers, [{ brokerId: 5, host: 'kafka.example.com', port: 19092, rack: null }]);
    assert.equal(res.clusterAuthorizedOperations, OPERATIONS_NOT_REQUESTED);
  });

  test('a listener that advertises nothing gets the first advertised one', async () => {
    const res = await describeOn('OTHER', 0, request());
    assert.deepEqual(res.brokers, [{ brokerId: 5, host: 'broker.internal', port: 9093, rack: null }]);
  });

  test('cluster authorized operations when asked', async () => {
    assert.equal((await describeOn('INTERNAL', 0, request(1, true))).clusterAuthorizedOperations, CLUSTER_OPERATIONS);
  });

  test('v1: the controllers endpoint type is UNSUPPORTED_ENDPOINT_TYPE with no brokers; v0 always means brokers', async () => {
    const res = await describeOn('INTERNAL', 1, request(2));
    assert.deepEqual([res.errorCode, res.brokers, res.endpointType], [ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, [], 2]);
    assert.equal(res.errorMessage, 'Only the brokers endpoint type is served');
    const v0 = await describeOn('INTERNAL', 0, request(2));
    assert.deepEqual([v0.errorCode, v0.endpointType, v0.brokers.length], [ErrorCode.NONE, 1, 1]);
  });
});

describe('ApiVersions handler', () => {
  test('answers the ranges the broker serves, from its registry', async () => {
    const req: RequestOf<'ApiVersions'> = { clientSoftwareName: 'unit', clientSoftwareVersion: '1' };
    const res = answered('ApiVersions', await call(apiVersions, requestContext(rooms, ApiKey.ApiVersions, 3), req));
    assert.equal(res.errorCode, ErrorCode.NONE);
    assert.equal(res.throttleTimeMs, 0);
    assert.deepEqual(res.apiKeys, rooms.apiVersions());
  });
});
