// The Dispatcher with stand-in handlers and a stand-in connection, no sockets: a request decoded
// and handed to its handler with the request's context, the response encoded under the right
// header version, unsupported versions (ApiVersions answered in its v0 layout, others closed),
// malformed requests and failing handlers closing the connection with a log line, and the
// request metrics of each outcome.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestMetrics } from '../../../src/metrics/requests.js';
import { decodeMessage, type Message } from '../../../src/protocol/codec.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { decodeResponseHeader, responseHeaderVersion } from '../../../src/protocol/headers.js';
import { API_MESSAGES, ApiKey } from '../../../src/protocol/messages/index.js';
import { Reader } from '../../../src/protocol/primitives/reader.js';
import { CLOSE, type Reply } from '../../../src/server/connection.js';
import { Dispatcher, handler, type RequestContext, type ResponseOf } from '../../../src/server/dispatcher.js';
import { encodeRequest } from '../../helpers/raw-client.js';
import { FakeConnection, memoryOf, services } from '../stand-ins.js';

/** What the stand-in handlers saw. */
const seen: { ctx: RequestContext; req: unknown }[] = [];

const deleteRecords = handler('DeleteRecords', {
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req): ResponseOf<'DeleteRecords'> {
    seen.push({ ctx, req });
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: p.offset, errorCode: ErrorCode.NONE })) })),
    };
  },
});

/** Answers by the group id: an error, nothing, CLOSE, or a throw. */
const heartbeat = handler('Heartbeat', {
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req): Promise<ResponseOf<'Heartbeat'> | null | typeof CLOSE> {
    seen.push({ ctx, req });
    switch (req.groupId) {
      case 'throws': throw new Error('the coordinator fell over');
      case 'silent': return null;
      case 'close': return ctx.conn.reject('the handler closes');
      default: return { throttleTimeMs: 0, errorCode: ErrorCode.REBALANCE_IN_PROGRESS };
    }
  },
});

const apiVersions = handler('ApiVersions', {
  minVersion: 0,
  maxVersion: 4,
  handle: (ctx) => ({ errorCode: ErrorCode.NONE, apiKeys: ctx.apiVersions(), throttleTimeMs: 0 }),
});

function setUp() {
  seen.length = 0;
  const requests = new RequestMetrics();
  const rooms = services({ apiVersions: () => dispatcher.apiVersions() });
  const dispatcher: Dispatcher = new Dispatcher([heartbeat, deleteRecords, apiVersions], rooms, requests);
  const conn = new FakeConnection();
  const send = (frame: Buffer): Promise<Reply> => dispatcher.dispatch(conn, memoryOf(frame));
  const request = (apiKey: number, version: number, body: Message, correlationId = 42) => send(encodeRequest(apiKey, version, correlationId, body).subarray(4));
  return { dispatcher, requests, conn, send, request };
}

/** A reply's correlation id and body, read as a client reads them (the header version from the api and version). */
function readReply(reply: Reply, apiKey: number, version: number, bodyVersion = version): { correlationId: number; body: Message; headerBytes: number } {
  assert.ok(Array.isArray(reply), `expected response chunks, got ${String(reply)}`);
  const reader = new Reader(Buffer.concat(reply));
  const { correlationId } = decodeResponseHeader(reader, responseHeaderVersion(apiKey, version));
  const headerBytes = reader.offset;
  const body = decodeMessage(API_MESSAGES.get(apiKey)!.response, bodyVersion, reader);
  assert.equal(reader.remaining(), 0, 'the whole reply was read');
  return { correlationId, body, headerBytes };
}

/** A request encoded at a version the codec knows, its header then saying `version` (one the dispatcher does not serve). */
function atVersion(apiKey: number, known: number, version: number, body: Message, correlationId = 42): Buffer {
  const frame = encodeRequest(apiKey, known, correlationId, body).subarray(4);
  frame.writeInt16BE(version, 2);
  return frame;
}

const deleteRequest = { topics: [{ name: 'logs', partitions: [{ partitionIndex: 2, offset: 17 }] }], timeoutMs: 500 };

describe('Dispatcher', () => {
  test('decodes the request, runs its handler with the request\'s context, and encodes the response under its correlation id', async () => {
    const { request, conn } = setUp();
    const reply = await request(ApiKey.DeleteRecords, 2, deleteRequest, 1234);
    assert.equal(seen.length, 1);
    const { ctx, req } = seen[0]!;
    assert.deepEqual(req, deleteRequest);
    assert.deepEqual(ctx.header, { apiKey: ApiKey.DeleteRecords, apiVersion: 2, correlationId: 1234, clientId: 'samsa-test' });
    assert.equal(ctx.conn, conn);
    assert.equal(ctx.clusterId, 'unit-test-cluster-id', 'the rooms are reached through the context');
    const { correlationId, body } = readReply(reply, ApiKey.DeleteRecords, 2);
    assert.equal(correlationId, 1234);
    assert.deepEqual(body, { throttleTimeMs: 0, topics: [{ name: 'logs', partitions: [{ partitionIndex: 2, lowWatermark: 17, errorCode: 0 }] }] });
    assert.deepEqual(conn.rejected, []);
  });

  test('fields a version lacks are decoded as their defaults', async () => {
    const { request } = setUp();
    await request(ApiKey.Heartbeat, 0, { groupId: 'g', generationId: 3, memberId: 'm' });
    assert.deepEqual(seen[0]!.req, { groupId: 'g', generationId: 3, memberId: 'm', groupInstanceId: null });
  });

  test('response header v1 (tagged fields) for flexible versions, v0 before them, and always v0 for ApiVersions', async () => {
    const { request } = setUp();
    assert.equal(readReply(await request(ApiKey.Heartbeat, 3, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }), ApiKey.Heartbeat, 3).headerBytes, 4);
    assert.equal(readReply(await request(ApiKey.Heartbeat, 4, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null }), ApiKey.Heartbeat, 4).headerBytes, 5);
    assert.equal(readReply(await request(ApiKey.DeleteRecords, 2, deleteRequest), ApiKey.DeleteRecords, 2).headerBytes, 5);
    const versions = readReply(await request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'unit', clientSoftwareVersion: '1' }), ApiKey.ApiVersions, 3);
    assert.equal(versions.headerBytes, 4);
  });

  test('apiVersions(): the registry\'s ranges by api key, as the ApiVersions handler answers them', async () => {
    const { dispatcher, request } = setUp();
    const ranges = [
      { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 },
      { apiKey: ApiKey.DeleteRecords, minVersion: 0, maxVersion: 2 },
      { apiKey: ApiKey.Heartbeat, minVersion: 0, maxVersion: 4 },
    ].sort((a, b) => a.apiKey - b.apiKey);
    assert.deepEqual(dispatcher.apiVersions(), ranges);
    const { body } = readReply(await request(ApiKey.ApiVersions, 0, {}), ApiKey.ApiVersions, 0);
    assert.deepEqual(body.apiKeys, ranges);
  });

  test('ApiVersions at a version not served: UNSUPPORTED_VERSION with the ranges, in the v0 layout', async () => {
    const { send, conn } = setUp();
    const reply = await send(atVersion(ApiKey.ApiVersions, 3, 9, { clientSoftwareName: 'unit', clientSoftwareVersion: '1' }, 77));
    const { correlationId, body } = readReply(reply, ApiKey.ApiVersions, 0);
    assert.equal(correlationId, 77);
    assert.equal(body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.equal(body.apiKeys.length, 3);
    assert.deepEqual(conn.rejected, []);
  });

  test('ApiVersions at an unknown version whose header cannot be read is answered from its first 8 bytes', async () => {
    const { send } = setUp();
    const prefix = Buffer.alloc(8);
    prefix.writeInt16BE(ApiKey.ApiVersions, 0);
    prefix.writeInt16BE(127, 2);
    prefix.writeInt32BE(5, 4);
    const { correlationId, body } = readReply(await send(prefix), ApiKey.ApiVersions, 0);
    assert.deepEqual([correlationId, body.errorCode], [5, ErrorCode.UNSUPPORTED_VERSION]);
  });

  test('another api at a version not served, or an api not served, closes the connection', async () => {
    const { request, send, conn } = setUp();
    assert.equal(await send(atVersion(ApiKey.DeleteRecords, 2, 3, deleteRequest)), CLOSE);
    assert.equal(await request(ApiKey.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 1, topicData: [] }), CLOSE);
    assert.deepEqual(conn.rejected, ['unsupported version 3 of DeleteRecords (serves 0-2)', 'unknown or unserved api key 0']);
    assert.equal(seen.length, 0);
    assert.ok(conn.lines.every((l) => l.msg === 'closing connection: bad request'));
  });

  test('a malformed body or header closes the connection without running the handler', async () => {
    const { send, conn } = setUp();
    const whole = encodeRequest(ApiKey.DeleteRecords, 1, 9, deleteRequest).subarray(4);
    assert.equal(await send(whole.subarray(0, whole.length - 3)), CLOSE);
    assert.equal(await send(Buffer.from([0, 21, 0])), CLOSE);
    assert.deepEqual(conn.rejected, ['malformed DeleteRecords v1 request body', 'malformed request header']);
    assert.equal(seen.length, 0);
    assert.match(String(conn.lines[0]!.err), /truncated/);
  });

  test('a handler that throws: the connection is closed and the failure logged with the request', async () => {
    const { request, conn } = setUp();
    assert.equal(await request(ApiKey.Heartbeat, 2, { groupId: 'throws', generationId: 1, memberId: 'm', groupInstanceId: null }, 31), CLOSE);
    const failed = conn.lines.find((l) => l.msg === 'request handler failed; closing connection');
    assert.equal(failed?.level, 50);
    assert.equal(failed?.api, 'Heartbeat');
    assert.deepEqual(failed?.header, { apiKey: ApiKey.Heartbeat, apiVersion: 2, correlationId: 31, clientId: 'samsa-test' });
    assert.match(JSON.stringify(failed?.err), /the coordinator fell over/);
    assert.deepEqual(conn.rejected, ['the request could not be handled']);
  });

  test('a handler\'s null is no response, its CLOSE closes; nothing is written on a closed connection', async () => {
    const { request, conn } = setUp();
    const body = (groupId: string) => ({ groupId, generationId: 1, memberId: 'm', groupInstanceId: null });
    assert.equal(await request(ApiKey.Heartbeat, 2, body('silent')), null);
    assert.equal(await request(ApiKey.Heartbeat, 2, body('close')), CLOSE);
    assert.deepEqual(conn.rejected, ['the handler closes']);
    conn.onClose();
    assert.equal(await request(ApiKey.Heartbeat, 2, body('answers')), null);
  });

  test('request metrics: each api and version counted, with the response\'s first error or why it was refused', async () => {
    const { request, send, requests } = setUp();
    await request(ApiKey.Heartbeat, 2, { groupId: 'answers', generationId: 1, memberId: 'm', groupInstanceId: null });
    await request(ApiKey.DeleteRecords, 2, deleteRequest);
    await send(atVersion(ApiKey.DeleteRecords, 2, 7, deleteRequest));
    await send(Buffer.from([0, 21, 0]));
    const counted = [...requests.all()].map((s) => [s.api, s.version, s.count, Object.fromEntries(s.errors)]);
    assert.deepEqual(counted, [
      ['unknown', 'unknown', 1, { [ErrorCode.INVALID_REQUEST]: 1 }],
      ['Heartbeat', '2', 1, { [ErrorCode.REBALANCE_IN_PROGRESS]: 1 }],
      ['DeleteRecords', '2', 1, {}],
      ['DeleteRecords', 'unsupported', 1, { [ErrorCode.UNSUPPORTED_VERSION]: 1 }],
    ]);
    assert.equal(requests.inFlight, 0);
  });
});
