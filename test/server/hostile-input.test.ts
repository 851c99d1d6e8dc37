// Hostile input on raw sockets against a real broker process: random bytes, absurd, negative and
// tiny frame sizes, truncated frames and headers, hostile lengths inside bodies, garbage bodies
// behind valid and invalid api keys and versions, unknown api keys, unsupported versions (an
// ApiVersions request newer than the broker gets UNSUPPORTED_VERSION with the ranges in the v0
// layout), frames split into single bytes, deep pipelines answered in order, and many
// connections at once. After every case the broker is still running, serves a good client on a
// fresh connection, and has logged the closed connection; no case may log an error-level line.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, ZERO_UUID } from '../../src/protocol/messages/index.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawConnection, decodeResponse, encodeRequest, frame, randomBytes, seededRandom } from '../helpers/raw-socket.js';
import { buildBatch, fixCrc } from '../records/build-batch.js';

const UNSUPPORTED_VERSION = 35;
const CORRUPT_MESSAGE = 2;
const INVALID_RECORD = 87;

interface LogLine { level: number; msg: string; remote?: string; reason?: string; inFlight?: number; [k: string]: unknown }

let broker: BrokerProcess;
const opened: RawConnection[] = [];

async function connect(): Promise<RawConnection> {
  const c = await RawConnection.connect(broker.port);
  opened.push(c);
  return c;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Waits for the broker's log line with this message about this client's connection. */
async function logLine(conn: RawConnection, msg: string, timeoutMs = 5_000): Promise<LogLine> {
  const pattern = new RegExp(`"remote":"${escapeRegExp(conn.localAddress)}".*"msg":"${escapeRegExp(msg)}"`);
  return JSON.parse(await broker.waitForLine(pattern, timeoutMs)) as LogLine;
}

/** The broker closed the connection by itself, and logged why and that it closed. */
async function assertRejected(conn: RawConnection, reason: RegExp): Promise<void> {
  assert.ok(await conn.waitClosed(5_000), 'the broker closes the connection');
  assert.ok(conn.closedByPeer, 'closed by the broker, not by the test');
  const why = await logLine(conn, 'closing connection: bad request');
  assert.match(String(why.reason), reason);
  assert.equal(why.level, 40);
  await logLine(conn, 'connection closed');
}

/** The test closes its side; the broker logs the closed connection. */
async function assertClosedQuietly(conn: RawConnection): Promise<LogLine> {
  await conn.close();
  return logLine(conn, 'connection closed');
}

/** The broker process runs and answers ApiVersions and Metadata on a new connection. */
async function assertServes(): Promise<void> {
  assert.equal(broker.proc.exitCode, null, 'broker is running');
  assert.equal(broker.proc.signalCode, null, 'broker is running');
  const c = await connect();
  const av = await c.request(ApiKey.ApiVersions, 3, 7, { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1' });
  assert.equal(av.errorCode, 0);
  assert.ok((av.apiKeys as { apiKey: number }[]).some((k) => k.apiKey === ApiKey.Metadata));
  const md = await c.request(ApiKey.Metadata, 12, 8, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  assert.equal((md.brokers as unknown[]).length, 1);
  await assertClosedQuietly(c);
}

/** A request header (v1: no tagged fields) followed by a body, framed. */
function rawRequest(apiKey: number, apiVersion: number, correlationId: number, body: Buffer, opts: { clientId?: string | null; flexibleHeader?: boolean } = {}): Buffer {
  const w = new Writer();
  w.int16(apiKey).int16(apiVersion).int32(correlationId).nullableString(opts.clientId === undefined ? 'hostile' : opts.clientId);
  if (opts.flexibleHeader === true) w.uvarint(0);
  w.raw(body);
  return frame(Buffer.from(w.toBuffer()));
}

function sizeOnly(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size, 0);
  return b;
}

/** The advertised ranges, from a good ApiVersions v0 on its own connection. */
async function advertisedRanges(): Promise<{ apiKey: number; minVersion: number; maxVersion: number }[]> {
  const c = await connect();
  const res = await c.request(ApiKey.ApiVersions, 0, 1, {});
  await c.close();
  return (res.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]).map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));
}

describe('hostile input', () => {
  before(async () => {
    broker = await BrokerProcess.start();
  });
  afterEach(async () => {
    await assertServes();
  });
  after(async () => {
    for (const c of opened) c.destroy();
    const errors = broker.output.filter((l) => l.startsWith('{') && (JSON.parse(l) as LogLine).level >= 50);
    await broker?.dispose();
    assert.deepEqual(errors, [], 'no error-level log lines');
  });

  it('survives random bytes, then the client closing', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const rand = seededRandom(seed);
      const c = await connect();
      await c.write(randomBytes(rand, 16 + Math.floor(rand() * 4096)));
      await new Promise((r) => setTimeout(r, 20));
      await c.close();
      await logLine(c, 'connection closed');
    }
  });

  for (const [name, size] of [
    ['2^31-1', 0x7fffffff],
    ['just over socket.request.max.bytes', 104857601],
    ['-1', -1],
    ['-2^31', -0x80000000],
    ['0', 0],
    ['7 (too short for a request header)', 7],
  ] as [string, number][]) {
    it(`closes a connection whose frame size is ${name}`, async () => {
      const c = await connect();
      await c.write(Buffer.concat([sizeOnly(size), Buffer.from('more bytes after the size')]));
      await assertRejected(c, new RegExp(`frame size ${size} outside`));
      assert.equal(await c.readFrame(100), null, 'no response');
    });
  }

  it('forgets a frame the client abandons after its size (truncated frame, then close)', async () => {
    const good = encodeRequest(ApiKey.ApiVersions, 0, 1, {});
    for (const cut of [2, 4, 6, 10, good.length - 1]) {
      const c = await connect();
      await c.write(good.subarray(0, cut));
      assert.equal(await c.readFrame(100), null, `no response to ${cut} of ${good.length} bytes`);
      assert.equal(c.closed, false, 'the broker waits for the rest');
      const closed = await assertClosedQuietly(c);
      assert.equal(closed.inFlight, 0);
    }
    // A large announced frame, a few bytes of it, then close.
    const c = await connect();
    await c.write(Buffer.concat([sizeOnly(50_000_000), good.subarray(4, 12)]));
    await assertClosedQuietly(c);
  });

  it('closes a connection whose request header ends mid-field', async () => {
    const header = (bytes: number[]): Buffer => frame(Buffer.from(bytes));
    const cases: [string, Buffer][] = [
      // apiKey 18, version 0, correlation id 1, and no client id length at all.
      ['no client id', header([0, 18, 0, 0, 0, 0, 0, 1])],
      ['half a client id length', header([0, 18, 0, 0, 0, 0, 0, 1, 0])],
      ['client id length 32 with 3 bytes', header([0, 18, 0, 0, 0, 0, 0, 1, 0, 32, 97, 98, 99])],
      ['client id length -5', header([0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xfb, 97, 98, 99])],
      // Metadata v12 uses header v2: the tagged-field section says 5 fields, none follow.
      ['tagged fields cut short', header([0, 3, 0, 12, 0, 0, 0, 1, 0xff, 0xff, 5])],
    ];
    for (const [name, bytes] of cases) {
      const c = await connect();
      await c.write(bytes);
      await assertRejected(c, /malformed request header/).catch((err: Error) => { throw new Error(`${name}: ${err.message}`); });
    }
  });

  it('closes a connection whose request body claims more than the frame holds', async () => {
    const cases: [string, Buffer][] = [];
    // Metadata v12 (flexible): topics as a compact array of 2^31 entries.
    let w = new Writer();
    w.uvarint(0x80000000);
    cases.push(['Metadata v12, 2^31 topics', rawRequest(ApiKey.Metadata, 12, 1, Buffer.from(w.toBuffer()), { flexibleHeader: true })]);
    // Metadata v1: topics as a classic array of 2^31-1 entries.
    cases.push(['Metadata v1, 2^31-1 topics', rawRequest(ApiKey.Metadata, 1, 2, Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 1, 97]))]);
    // Metadata v1: one topic whose name is 30000 bytes long, in a 20-byte frame.
    cases.push(['Metadata v1, a 30000-byte name', rawRequest(ApiKey.Metadata, 1, 3, Buffer.from([0, 0, 0, 1, 0x75, 0x30, 97, 98]))]);
    // Produce v3: one topic, one partition, records of 2^31-1 bytes.
    w = new Writer();
    w.nullableString(null).int16(1).int32(1000).int32(1).string('t').int32(1).int32(0).int32(0x7fffffff).raw(Buffer.from('abc'));
    cases.push(['Produce v3, records of 2^31-1 bytes', rawRequest(ApiKey.Produce, 3, 4, Buffer.from(w.toBuffer()))]);
    // A varint that never ends.
    cases.push(['Metadata v12, endless varint', rawRequest(ApiKey.Metadata, 12, 5, Buffer.alloc(16, 0xff), { flexibleHeader: true })]);
    for (const [name, bytes] of cases) {
      const c = await connect();
      await c.write(bytes);
      await assertRejected(c, /malformed .* request body/).catch((err: Error) => { throw new Error(`${name}: ${err.message}`); });
    }
  });

  it('closes a connection that asks for an unknown or unserved api key', async () => {
    const describeAcls = 29; // a Kafka API Samsa neither generates nor serves
    for (const apiKey of [9999, -1, 32767, ApiKey.SaslHandshake, describeAcls]) {
      const c = await connect();
      await c.write(rawRequest(apiKey, 0, 42, Buffer.alloc(0)));
      await assertRejected(c, new RegExp(`unknown or unserved api key ${apiKey}`));
    }
  });

  it('closes a connection that asks for an unsupported version of Metadata', async () => {
    for (const version of [99, 13, -1]) {
      const c = await connect();
      await c.write(rawRequest(ApiKey.Metadata, version, 43, Buffer.from([0, 0, 0, 0])));
      await assertRejected(c, new RegExp(`unsupported version ${version} of Metadata`));
    }
  });

  it('answers ApiVersions v99 with UNSUPPORTED_VERSION and the version ranges in the v0 layout, and keeps the connection', async () => {
    const expected = await advertisedRanges();
    const apiVersions = expected.find((r) => r.apiKey === ApiKey.ApiVersions);
    assert.deepEqual(apiVersions && [apiVersions.minVersion, apiVersions.maxVersion < 99], [0, true]);
    for (const version of [99, apiVersions!.maxVersion + 1, 32767]) {
      const c = await connect();
      // As a newer client sends it: header v2, then a v3-style body the broker need not read.
      const body = new Writer().compactString('future-client').compactString('9.9').uvarint(0);
      await c.write(rawRequest(ApiKey.ApiVersions, version, 0x1234, Buffer.from(body.toBuffer()), { flexibleHeader: true }));
      const f = await c.readFrame(5_000);
      assert.ok(f !== null, `an answer to ApiVersions v${version}`);
      // v0 layout, response header v0: correlationId, errorCode, [apiKey, min, max] and nothing else.
      assert.equal(f.readInt32BE(0), 0x1234, 'correlation id');
      assert.equal(f.readInt16BE(4), UNSUPPORTED_VERSION, 'error code');
      const n = f.readInt32BE(6);
      assert.equal(f.length, 10 + 6 * n, 'exactly the v0 layout (no throttle time, no tagged fields)');
      const ranges = Array.from({ length: n }, (_, i) => ({ apiKey: f.readInt16BE(10 + 6 * i), minVersion: f.readInt16BE(12 + 6 * i), maxVersion: f.readInt16BE(14 + 6 * i) }));
      assert.deepEqual(ranges, expected);
      // The client retries at v0 on the same connection, as librdkafka and the Java client do.
      const retry = await c.request(ApiKey.ApiVersions, 0, 0x1235, {});
      assert.equal(retry.errorCode, 0);
      assert.deepEqual(retry.apiKeys, expected);
      await assertClosedQuietly(c);
    }
  });

  it('answers or closes on garbage bodies behind random api keys and versions, never crashing', async (t) => {
    const ranges = await advertisedRanges();
    const outcomes = { answered: 0, closed: 0, pending: 0 };
    for (let seed = 100; seed < 160; seed++) {
      const rand = seededRandom(seed);
      let apiKey: number;
      let version: number;
      if (rand() < 0.75) {
        const r = ranges[Math.floor(rand() * ranges.length)]!;
        apiKey = r.apiKey;
        version = r.minVersion + Math.floor(rand() * (r.maxVersion - r.minVersion + 2)); // sometimes one past the max
      } else {
        apiKey = Math.floor(rand() * 65536) - 32768;
        version = Math.floor(rand() * 65536) - 32768;
      }
      const correlationId = seed;
      const c = await connect();
      const flexible = rand() < 0.5;
      await c.write(rawRequest(apiKey, version, correlationId, randomBytes(rand, Math.floor(rand() * 300)), { flexibleHeader: flexible }));
      // Fetch may long-poll and Produce with acks=0 answers nothing: those may stay pending.
      const f = await c.readFrame(apiKey === ApiKey.Fetch || apiKey === ApiKey.Produce ? 1_000 : 5_000);
      const what = `seed ${seed}: api ${apiKey} v${version}`;
      if (f !== null) {
        outcomes.answered++;
        assert.equal(f.readInt32BE(0), correlationId, `${what}: the answer carries the correlation id`);
        await assertClosedQuietly(c);
      } else if (c.closed) {
        outcomes.closed++;
        assert.ok(c.closedByPeer, what);
        const why = await logLine(c, 'closing connection: bad request');
        assert.match(String(why.reason), /malformed|unknown or unserved api key|unsupported version/, what);
        await logLine(c, 'connection closed');
      } else {
        assert.ok(apiKey === ApiKey.Fetch || apiKey === ApiKey.Produce, `${what}: neither answered nor closed`);
        outcomes.pending++;
        await assertClosedQuietly(c);
      }
    }
    t.diagnostic(`garbage requests: ${JSON.stringify(outcomes)}`);
    assert.ok(outcomes.closed > 0, JSON.stringify(outcomes));
  });

  /** Produce v9 (acks 1) of `records` to partition 0 of `topic`; answers the partition's response. */
  async function produceRaw(c: RawConnection, topic: string, records: Buffer, correlationId: number): Promise<{ errorCode: number; baseOffset: number }> {
    const res = await c.request(ApiKey.Produce, 9, correlationId, {
      transactionalId: null, acks: 1, timeoutMs: 5_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    });
    return (res.responses as { partitionResponses: { errorCode: number; baseOffset: number }[] }[])[0]!.partitionResponses[0]!;
  }

  async function logEndOffset(c: RawConnection, topic: string): Promise<number> {
    const res = await c.request(ApiKey.ListOffsets, 7, 1, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }] });
    return (res.topics as { partitions: { offset: number }[] }[])[0]!.partitions[0]!.offset;
  }

  /** A fresh single-partition topic (CreateTopics), and a connection to produce to it. */
  async function produceTarget(topic: string): Promise<RawConnection> {
    const c = await connect();
    const res = await c.request(ApiKey.CreateTopics, 7, 1, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
    assert.equal((res.topics as { errorCode: number }[])[0]!.errorCode, 0);
    return c;
  }

  /** Rejects `bad` with one of `codes`, appends nothing, keeps the connection; a good batch still appends. */
  async function assertBatchRejected(c: RawConnection, topic: string, cases: [string, Buffer][], codes: number[]): Promise<void> {
    let correlationId = 100;
    for (const [name, records] of cases) {
      const before = await logEndOffset(c, topic);
      const r = await produceRaw(c, topic, records, correlationId++);
      assert.ok(codes.includes(r.errorCode), `${name}: error ${r.errorCode}, expected one of ${codes.join(', ')}`);
      assert.equal(r.baseOffset, -1, `${name}: no base offset`);
      assert.equal(await logEndOffset(c, topic), before, `${name}: nothing appended`);
      assert.equal(c.closed, false, `${name}: the connection stays open`);
    }
    const ok = await produceRaw(c, topic, buildBatch({ records: 2 }), correlationId++);
    assert.equal(ok.errorCode, 0);
  }

  it('answers CORRUPT_MESSAGE for broken record batches and keeps the connection', async () => {
    const c = await produceTarget('hostile-batches');
    const edit = (f: (b: Buffer) => void, crc = false): Buffer => {
      const b = buildBatch({ records: 3 });
      f(b);
      if (crc) fixCrc(b);
      return b;
    };
    await assertBatchRejected(c, 'hostile-batches', [
      ['no records at all', Buffer.alloc(0)],
      ['a flipped bit (CRC mismatch)', edit((b) => { b[b.length - 2]! ^= 1; })],
      ['magic 1', edit((b) => b.writeInt8(1, 16))],
      ['magic 3', edit((b) => b.writeInt8(3, 16))],
      ['batchLength past the end', edit((b) => b.writeInt32BE(b.length + 100, 8))],
      ['batchLength shorter than a header', edit((b) => b.writeInt32BE(10, 8))],
      ['batchLength negative', edit((b) => b.writeInt32BE(-20, 8))],
      ['record count negative', edit((b) => b.writeInt32BE(-1, 57), true)],
      ['lastOffsetDelta negative', edit((b) => b.writeInt32BE(-5, 23), true)],
      ['records cut short', buildBatch({ records: 3 }).subarray(0, -5)],
      ['a good batch, then a broken one', Buffer.concat([buildBatch({ records: 2 }), edit((b) => { b[70]! ^= 1; })])],
      ['a good batch, then trailing bytes', Buffer.concat([buildBatch({ records: 2 }), Buffer.from([1, 2, 3])])],
    ], [CORRUPT_MESSAGE, INVALID_RECORD]);
    await assertClosedQuietly(c);
  });

  // Kafka's LogValidator refuses these from clients (InvalidRecordException: inconsistent offset
  // range and record count; control records; CompressionType.forId on an unknown codec).
  it('refuses batches whose header lies about their records, control batches and unknown codecs', async () => {
    const c = await produceTarget('hostile-batch-headers');
    const edit = (f: (b: Buffer) => void, opts: { attributes?: number } = {}): Buffer => {
      const b = buildBatch({ records: 3, ...opts });
      f(b);
      fixCrc(b);
      return b;
    };
    await assertBatchRejected(c, 'hostile-batch-headers', [
      ['record count 1000 for 3 records', edit((b) => b.writeInt32BE(1000, 57))],
      ['record count 0', edit((b) => b.writeInt32BE(0, 57))],
      ['lastOffsetDelta 100 for 3 records', edit((b) => b.writeInt32BE(100, 23))],
      ['a control batch from a client', edit(() => undefined, { attributes: 0x20 })],
      ['compression codec 7', edit(() => undefined, { attributes: 7 })],
      ['compression codec 5', edit(() => undefined, { attributes: 5 })],
    ], [CORRUPT_MESSAGE, INVALID_RECORD, 76 /* UNSUPPORTED_COMPRESSION_TYPE */]);
    await assertClosedQuietly(c);
  });

  // Kafka reads one request at a time per connection, so requests before a malformed one are all
  // answered before the broker even reads it.
  it('answers the requests pipelined before a malformed one, then closes', async () => {
    const c = await connect();
    const good = Array.from({ length: 5 }, (_, i) => encodeRequest(ApiKey.ApiVersions, 0, 300 + i, {}));
    await c.write(Buffer.concat([...good, rawRequest(ApiKey.Metadata, 99, 399, Buffer.alloc(4))]));
    for (let i = 0; i < 5; i++) {
      const f = await c.readFrame(5_000);
      assert.ok(f !== null, `answer ${i} of the 5 good requests`);
      assert.equal(f.readInt32BE(0), 300 + i);
    }
    await assertRejected(c, /unsupported version 99 of Metadata/);
  });

  // Guards the order of a shard's tasks: Piscina 5.1.4's own queue re-queued a task it could not hand
  // to the busy worker at its tail (piscinajs/piscina#1031), and the shard appended pipelined requests
  // out of order; tasks now cross in order on the shard's own port (src/workers/pool.ts).
  it('appends pipelined Produce requests to one partition in request order', async () => {
    const c = await produceTarget('pipelined-produce');
    const N = 400;
    const frames = Array.from({ length: N }, (_, i) => encodeRequest(ApiKey.Produce, 9, 10_000 + i, {
      transactionalId: null, acks: 1, timeoutMs: 5_000,
      topicData: [{ name: 'pipelined-produce', partitionData: [{ index: 0, records: buildBatch({ records: [{ key: 'k', value: String(i) }] }) }] }],
    }));
    await c.write(Buffer.concat(frames));
    const baseOffsets: number[] = [];
    for (let i = 0; i < N; i++) {
      const f = await c.readFrame(10_000);
      assert.ok(f !== null, `answer ${i}`);
      const res = decodeResponse(ApiKey.Produce, 9, f);
      assert.equal(res.correlationId, 10_000 + i);
      const p = (res.body.responses as { partitionResponses: { errorCode: number; baseOffset: number }[] }[])[0]!.partitionResponses[0]!;
      assert.equal(p.errorCode, 0);
      baseOffsets.push(p.baseOffset);
    }
    const wrong = baseOffsets.findIndex((o, i) => o !== i);
    assert.equal(wrong, -1, `request ${wrong} was appended at offset ${baseOffsets[wrong]}; the first 12: ${baseOffsets.slice(0, 12).join(' ')}`);
    await assertClosedQuietly(c);
  });

  // Todo: the peer's FIN ends the socket (allowHalfOpen false) and onClose abandons the backlog.
  it('appends every acks=0 Produce request a client pipelines before closing at once', async () => {
    const topic = 'pipelined-acks0';
    const admin = await produceTarget(topic);
    const c = await connect();
    const N = 400; // over samsa.max.in.flight.requests.per.connection: most wait in the connection's backlog
    const frames = Array.from({ length: N }, (_, i) => encodeRequest(ApiKey.Produce, 9, 20_000 + i, {
      transactionalId: null, acks: 0, timeoutMs: 5_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: buildBatch({ records: [{ key: 'k', value: String(i) }] }) }] }],
    }));
    await c.write(Buffer.concat(frames));
    await c.close(); // FIN right behind the data, as a producer that flushes and exits
    await logLine(c, 'connection closed');
    const deadline = Date.now() + 5_000;
    let end = await logEndOffset(admin, topic);
    while (end < N && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      end = await logEndOffset(admin, topic);
    }
    assert.equal(end, N, `${end} of ${N} acks=0 requests were appended`);
    await assertClosedQuietly(admin);
  });

  it('reassembles a request sent one byte at a time', async () => {
    const c = await connect();
    const req = encodeRequest(ApiKey.Metadata, 9, 77, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    for (let i = 0; i < req.length; i++) {
      await c.write(req.subarray(i, i + 1));
      if (i % 4 === 0) await new Promise((r) => setImmediate(r));
    }
    const f = await c.readFrame(5_000);
    assert.ok(f !== null);
    const res = decodeResponse(ApiKey.Metadata, 9, f);
    assert.equal(res.correlationId, 77);
    assert.equal(res.leftover, 0);
    await assertClosedQuietly(c);
  });

  it('answers many pipelined ApiVersions and Metadata requests on one connection in order', async () => {
    const c = await connect();
    const N = 600; // well over samsa.max.in.flight.requests.per.connection (100): reading must pause and resume
    const sent: { apiKey: number; version: number; correlationId: number }[] = [];
    const frames: Buffer[] = [];
    for (let i = 0; i < N; i++) {
      const correlationId = 5_000 + i * 7;
      if (i % 3 === 0) {
        const version = i % 5;
        sent.push({ apiKey: ApiKey.ApiVersions, version, correlationId });
        frames.push(encodeRequest(ApiKey.ApiVersions, version, correlationId, { clientSoftwareName: 'pipeline', clientSoftwareVersion: '1' }));
      } else {
        const version = i % 13;
        sent.push({ apiKey: ApiKey.Metadata, version, correlationId });
        // Every one names the same new topic: the first auto-creates it, the others must find it.
        const topics = [{ name: 'pipelined', topicId: ZERO_UUID }];
        frames.push(encodeRequest(ApiKey.Metadata, version, correlationId, { topics, allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }));
      }
    }
    await c.write(Buffer.concat(frames));
    const topicIds = new Set<string>();
    for (const s of sent) {
      const f = await c.readFrame(10_000);
      assert.ok(f !== null, `answer to correlation id ${s.correlationId}`);
      const res = decodeResponse(s.apiKey, s.version, f);
      assert.equal(res.correlationId, s.correlationId, 'answers come in request order');
      assert.equal(res.leftover, 0);
      if (s.apiKey === ApiKey.ApiVersions) {
        assert.equal(res.body.errorCode, 0);
      } else {
        const topics = res.body.topics as { name: string; errorCode: number; partitions: unknown[] }[];
        assert.equal(topics.length, 1);
        assert.equal(topics[0]!.name, 'pipelined');
        assert.equal(topics[0]!.errorCode, 0, `Metadata v${s.version} (correlation id ${s.correlationId}) topic error`);
        assert.equal(topics[0]!.partitions.length, 1);
        if (s.version >= 10) topicIds.add((topics[0] as unknown as { topicId: string }).topicId);
      }
    }
    assert.equal(await c.readFrame(100), null, 'nothing more');
    await assertClosedQuietly(c);
    assert.equal(topicIds.size, 1, `one topic created, not several: ${[...topicIds].join(' ')}`);
    assert.ok(!topicIds.has(ZERO_UUID));
  });

  it('serves many connections at once', async () => {
    const N = 200;
    const conns = await Promise.all(Array.from({ length: N }, () => connect()));
    const answers = await Promise.all(conns.map(async (c, i) => {
      const av = await c.request(ApiKey.ApiVersions, i % 5, i, { clientSoftwareName: 'many', clientSoftwareVersion: '1' });
      const md = await c.request(ApiKey.Metadata, i % 13, N + i, { topics: i % 13 === 0 ? [] : null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      return av.errorCode === 0 && (md.brokers as unknown[]).length === 1;
    }));
    assert.deepEqual(answers, answers.map(() => true));
    await Promise.all(conns.map((c) => c.close()));
    for (const c of conns) await logLine(c, 'connection closed'); // one at a time: one log listener at a time
  });

  it('drops a whole connection of hostile frames while good connections keep being served', async () => {
    const good = await connect();
    const bad = await Promise.all(Array.from({ length: 20 }, () => connect()));
    const rand = seededRandom(999);
    await Promise.all(bad.map((c, i) => c.write(i % 2 === 0 ? sizeOnly(-7 - i) : randomBytes(rand, 512))));
    for (let i = 0; i < 20; i++) {
      const res = await good.request(ApiKey.ApiVersions, 2, 900 + i, {});
      assert.equal(res.errorCode, 0);
    }
    for (const [i, c] of bad.entries()) {
      if (i % 2 === 0) await assertRejected(c, /frame size -/);
      else await assertClosedQuietly(c);
    }
    await assertClosedQuietly(good);
  });
});
