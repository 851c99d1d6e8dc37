// num.network.threads: the main thread hands each accepted connection to the network thread with
// the fewest; that thread serves Produce and Fetch itself and forwards every other request to the
// main thread, in the connection's order. What must hold across threads: a topic created through
// one thread is there at once for a connection on another; a long poll on one thread wakes for an
// append made through another; a request the main thread refuses closes the connection on its
// network thread with a log line; /metrics adds up every thread's figures. (Every client test runs
// against network threads too: .ci/run sets SAMSA_TEST_NETWORK_THREADS for a second pass.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { BrokerProcess } from '../helpers/broker.js';
import { scrape, total } from '../helpers/metrics.js';
import { RawClient } from '../helpers/raw-client.js';
import { RawConnection } from '../helpers/raw-socket.js';
import { buildBatch } from '../records/build-batch.js';

const batch = (value: string): Buffer => buildBatch({ records: [{ key: 'k', value }] });

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('connections go to the network thread with the fewest; a topic created through one is there at once through another', async () => {
  const broker = await BrokerProcess.start({ overrides: { 'num.network.threads': 2 } });
  try {
    const a = await RawClient.open(broker.bootstrap);
    const b = await RawClient.open(broker.bootstrap);
    // CreateTopics goes to the main thread through a's network thread ...
    await a.createTopic('nt-sync', 1);
    // ... and its reply came only once b's thread had the topic: a produce through b finds it.
    const res = await b.produce('nt-sync', 0, batch('first'), -1);
    assert.equal(res.errorCode, 0);
    assert.equal(res.baseOffset, 0);
    const read = await a.readPartition('nt-sync', 0);
    assert.deepEqual(read.records.map((r) => r.value?.toString()), ['first']);

    const threads = broker.output.filter((l) => l.includes('"connection opened"')).map((l) => (JSON.parse(l) as { thread?: string }).thread);
    assert.deepEqual(threads.sort(), ['network-0', 'network-1'], 'the two connections went to different network threads');
    await a.close();
    await b.close();
  } finally {
    await broker.stop();
  }
});

test('a long poll on one network thread wakes for an append made through another', async () => {
  const broker = await BrokerProcess.start({ overrides: { 'num.network.threads': 2 } });
  try {
    const consumer = await RawClient.open(broker.bootstrap);
    const producer = await RawClient.open(broker.bootstrap);
    await consumer.createTopic('nt-wake', 1);
    // max_wait far beyond the test's own limit: an answer before it means the append woke the poll
    const polled = consumer.fetchOnce('nt-wake', 0, 0, { maxWaitMs: 120_000, minBytes: 1 });
    await until('the fetch to wait', async () => total(await scrape(broker.metricsUrl!), 'samsa_fetch_long_polls_waiting') === 1);
    const res = await producer.produce('nt-wake', 0, batch('wake up'), 1);
    assert.equal(res.errorCode, 0);
    const woke = await Promise.race([polled, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    assert.notEqual(woke, null, 'the long poll was not woken by the append');
    const p = (woke as { responses: { partitions: { records: Buffer; highWatermark: number }[] }[] }).responses[0]!.partitions[0]!;
    assert.equal(p.highWatermark, 1);
    assert.ok(p.records.length > 0);
    await consumer.close();
    await producer.close();
  } finally {
    await broker.stop();
  }
});

test('a request the main thread refuses closes its connection on the network thread, logged; the broker serves on', async () => {
  const broker = await BrokerProcess.start({ overrides: { 'num.network.threads': 1 } });
  try {
    const bad = await RawConnection.connect(broker.port);
    // Metadata v12 that ends before its header's tagged fields: the main thread cannot decode it.
    const frame = Buffer.alloc(4 + 10);
    frame.writeInt32BE(10, 0);
    frame.writeInt16BE(ApiKey.Metadata, 4);
    frame.writeInt16BE(12, 6);
    frame.writeInt32BE(7, 8);
    frame.writeInt16BE(-1, 12); // null client id, then nothing
    await bad.write(frame);
    assert.equal(await bad.waitClosed(10_000), true, 'the connection stayed open');
    const line = await broker.waitForLine(/closing connection: bad request/, 10_000);
    assert.match(line, /"thread":"network-0"/);
    assert.match(line, /malformed request header/);

    const ok = await RawClient.open(broker.bootstrap);
    await ok.createTopic('nt-after', 1);
    assert.equal((await ok.produce('nt-after', 0, batch('still here'), -1)).errorCode, 0);
    await ok.close();
  } finally {
    await broker.stop();
  }
});

test('/metrics adds up the network threads: requests by api, connections, long polls', async () => {
  const broker = await BrokerProcess.start({ overrides: { 'num.network.threads': 2 } });
  try {
    const clients = [await RawClient.open(broker.bootstrap), await RawClient.open(broker.bootstrap)];
    await clients[0]!.createTopic('nt-metrics', 1);
    for (const [i, c] of clients.entries()) for (let n = 0; n < 3; n++) assert.equal((await c.produce('nt-metrics', 0, batch(`${i}-${n}`), -1)).errorCode, 0);
    const samples = await scrape(broker.metricsUrl!);
    assert.equal(total(samples, 'samsa_requests_total', { api: 'Produce' }), 6);
    assert.equal(total(samples, 'samsa_requests_total', { api: 'CreateTopics' }), 1);
    assert.equal(total(samples, 'samsa_request_duration_seconds_count', { api: 'Produce' }), 6);
    assert.equal(total(samples, 'samsa_connections_open'), 2);
    assert.equal(total(samples, 'samsa_topic_bytes_in_total', { topic: 'nt-metrics' }) > 0, true);
    for (const c of clients) await c.close();
    await until('both connections to be counted closed', async () => total(await scrape(broker.metricsUrl!), 'samsa_connections_closed_total') === 2);
    assert.equal(total(await scrape(broker.metricsUrl!), 'samsa_connections_open'), 0);
  } finally {
    await broker.stop();
  }
});
