// Connections that hold the broker without using it: one idle for connections.max.idle.ms, and one
// whose request has begun and does not arrive in full within samsa.request.read.timeout.ms (a slow
// loris: 100 MiB announced and only the header sent, or 100 bytes announced and 20 sent). Both are
// closed, logged and counted; a partly read Produce frame gives its shared ring space back, so it
// cannot stall everyone's produce. A long-poll Fetch is not idleness, and an active client is
// left alone. Small limits here; the defaults are 600000 and 30000.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, ZERO_UUID } from '../../src/protocol/messages/index.js';
import { BrokerProcess } from '../helpers/broker.js';
import { scrape, select } from '../helpers/metrics.js';
import { RawConnection, encodeRequest } from '../helpers/raw-socket.js';
import { buildBatch } from '../records/build-batch.js';

const IDLE_MS = 1_500;
const READ_MS = 500;

let broker: BrokerProcess;
before(async () => {
  broker = await BrokerProcess.start({
    overrides: {
      'connections.max.idle.ms': IDLE_MS,
      'samsa.request.read.timeout.ms': READ_MS,
      // a 1 MiB Produce ring: frames over 256 KiB go to the size-class pool, smaller ones to the ring
      'queued.max.request.bytes': 1024 * 1024,
    },
  });
});
after(async () => { await broker.dispose(); });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The log lines about this client's connection (matched by its address). */
function linesOf(c: RawConnection): string[] {
  return broker.output.filter((l) => l.includes(`"remote":"${c.localAddress}"`));
}

/** The broker's line about closing this client's connection (it may reach us after the close does). */
function closingLine(c: RawConnection, detail: RegExp): Promise<string> {
  const remote = c.localAddress.replace(/[.]/g, '\\.');
  return broker.waitForLine(new RegExp(`"remote":"${remote}".*${detail.source}`), 10_000);
}

/** A Produce frame for one batch to `topic`-0, acks=1. */
function produceFrame(topic: string, correlationId: number, batch: Buffer): Buffer {
  return encodeRequest(ApiKey.Produce, 9, correlationId, { transactionalId: null, acks: 1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
}

async function createTopic(c: RawConnection, name: string): Promise<void> {
  const res = await c.request(ApiKey.CreateTopics, 7, 1, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
  assert.equal((res.topics as { errorCode: number }[])[0]!.errorCode, 0);
}

async function timedOut(reason: string): Promise<number> {
  return select(await scrape(broker.metricsUrl!), 'samsa_connections_timed_out_total', { reason })[0]?.value ?? 0;
}

describe('connection time limits', () => {
  it('closes a connection that announced 100 MiB and sent only the request header', async () => {
    const c = await RawConnection.connect(broker.port);
    const whole = produceFrame('slow-header', 1, buildBatch({ records: 1 }));
    const header = whole.subarray(0, 30);
    header.writeInt32BE(100 * 1024 * 1024, 0);
    await c.write(header);
    assert.equal(await c.waitClosed(30_000), true, 'the connection was left open');
    assert.equal(c.closedByPeer, true);
    await closingLine(c, /"reason":"request_read".*"size":104857600/);
  });

  it('closes a connection that sent 20 of 100 announced bytes, and counts both', async () => {
    const c = await RawConnection.connect(broker.port);
    const part = Buffer.alloc(24);
    part.writeInt32BE(100, 0);
    part.writeInt16BE(ApiKey.Produce, 4);
    part.writeInt16BE(9, 6);
    await c.write(part);
    assert.equal(await c.waitClosed(30_000), true, 'the connection was left open');
    await closingLine(c, /"reason":"request_read".*"size":100,"received":20/);
    assert.ok(await timedOut('request_read') >= 2);
  });

  it('a Produce frame left half-sent gives its ring space back when its connection is closed', async () => {
    const producer = await RawConnection.connect(broker.port);
    await createTopic(producer, 'ring-loris');
    // 200 KiB of a 1 MiB ring held by a frame that never completes...
    const loris = await RawConnection.connect(broker.port);
    const big = produceFrame('ring-loris', 1, buildBatch({ records: 1, padding: 200 * 1024 }));
    await loris.write(big.subarray(0, big.length - 1000));
    // ...and 20 of the same size produced behind it: the ring wraps past the held region several times.
    for (let i = 0; i < 20; i++) {
      await producer.write(produceFrame('ring-loris', 100 + i, buildBatch({ records: 1, padding: 200 * 1024 })));
      const res = await producer.readFrame(30_000);
      assert.ok(res !== null, `produce ${i} was not answered (the ring is pinned)`);
    }
    assert.equal(await loris.waitClosed(30_000), true);
    await producer.close();
  });

  it('closes a connection idle for connections.max.idle.ms, and counts it', async () => {
    const before = await timedOut('idle');
    const c = await RawConnection.connect(broker.port);
    await c.request(ApiKey.ApiVersions, 3, 1, { clientSoftwareName: 'idle-test', clientSoftwareVersion: '1' });
    assert.equal(await c.waitClosed(30_000), true, 'the idle connection was left open');
    await closingLine(c, /"reason":"idle"/);
    assert.ok(await timedOut('idle') > before);
  });

  it('does not close a connection waiting in a long-poll Fetch longer than the idle limit', async () => {
    const c = await RawConnection.connect(broker.port);
    await createTopic(c, 'long-poll');
    const res = await c.request(ApiKey.Fetch, 12, 2, {
      replicaId: -1, maxWaitMs: IDLE_MS * 3, minBytes: 1, maxBytes: 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'long-poll', topicId: ZERO_UUID, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1024 }] }],
      forgottenTopicsData: [], rackId: '',
    }, IDLE_MS * 20);
    assert.equal(res.errorCode, 0);
    assert.equal(c.closed, false);
    await c.close();
  });

  it('leaves an active client alone', async () => {
    const c = await RawConnection.connect(broker.port);
    await createTopic(c, 'active');
    // a request every IDLE_MS / 5, for three times the idle limit; one Produce of 600 KiB on the way
    for (let i = 0; i < 15; i++) {
      await c.request(ApiKey.ApiVersions, 3, 10 + i, { clientSoftwareName: 'active-test', clientSoftwareVersion: '1' });
      await sleep(IDLE_MS / 5);
    }
    await c.write(produceFrame('active', 99, buildBatch({ records: 2, padding: 600 * 1024 })));
    assert.ok(await c.readFrame(30_000) !== null);
    assert.equal(c.closed, false);
    assert.equal(linesOf(c).some((l) => /closing connection/.test(l)), false);
    await c.close();
  });
});
