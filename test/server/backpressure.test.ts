// A client that sends requests without reading the responses must not grow the broker's memory:
// once the socket's write side backs up, the broker stops reading from that connection. The
// broker keeps serving everyone else meanwhile.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient, encodeRequest } from '../helpers/raw-client.js';
import { buildRecordBatch } from '../../src/protocol/records/build.js';

let broker: BrokerProcess;
before(async () => { broker = await BrokerProcess.start(); });
after(async () => { await broker.dispose(); });

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

test('memory stays bounded while a client sends without reading its responses', async () => {
  const admin = await RawClient.connect('127.0.0.1', broker.port);
  // Forty topics make each Metadata response about 3 KB: 400 000 unread answers would be ~1.2 GB.
  const topics = Array.from({ length: 40 }, (_, i) => ({ name: `bp-${i}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }));
  await admin.request(ApiKey.CreateTopics, 4, { topics, timeoutMs: 5000, validateOnly: false });
  const oneResponse = (await admin.request(ApiKey.Metadata, 1, { topics: null })).topics.length;
  assert.equal(oneResponse, 40);

  const before = rssBytes(broker.proc.pid!);
  const request = encodeRequest(ApiKey.Metadata, 1, 7, { topics: null });
  const count = 400_000;
  const greedy = net.connect({ port: broker.port, host: '127.0.0.1' });
  greedy.pause(); // never read
  await new Promise<void>((resolve) => greedy.once('connect', () => resolve()));
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent < count) {
        sent++;
        if (!greedy.write(request)) { greedy.once('drain', pump); return; }
      }
      resolve();
    };
    pump();
    // The broker stops reading, so the pump stalls: give it a while, then measure.
    setTimeout(resolve, 3000);
  });
  await new Promise((r) => setTimeout(r, 500));
  const during = rssBytes(broker.proc.pid!);
  assert.ok(sent < count, `the broker stopped reading (${sent} of ${count} requests accepted)`);
  assert.ok(during - before < 64 * 1024 * 1024, `broker RSS grew by ${Math.round((during - before) / 1048576)} MiB`);

  // Everyone else is still served.
  const res = await admin.request(ApiKey.ApiVersions, 0, {});
  assert.equal(res.errorCode, 0);
  greedy.destroy();
  await admin.close();
});

test('produce floods wait in the kernel while the shared frame ring is full; every record is stored once, in order', async () => {
  // A ring of 2 MiB (queued.max.request.bytes): frames of 300 KB, 4 connections x 25 pipelined.
  const small = await BrokerProcess.start({ overrides: { 'queued.max.request.bytes': 2 * 1024 * 1024 } });
  try {
    const admin = await RawClient.connect('127.0.0.1', small.port);
    const partitions = 4;
    await admin.request(ApiKey.CreateTopics, 4, { topics: [{ name: 'flood', numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    const perRequest = 300;
    const requests = 25;
    const value = Buffer.alloc(1000, 7);
    const clients = await Promise.all(Array.from({ length: partitions }, () => RawClient.connect('127.0.0.1', small.port)));
    await Promise.all(clients.map(async (c, p) => {
      const sends = Array.from({ length: requests }, (_, r) => c.produce('flood', p, buildRecordBatch({
        timestamp: Date.now(), records: Array.from({ length: perRequest }, (_, i) => ({ key: Buffer.from(`${p}-${r * perRequest + i}`), value })),
      }), 1));
      const results = await Promise.all(sends);
      assert.deepEqual(results.map((x) => [x.errorCode, x.baseOffset]), Array.from({ length: requests }, (_, r) => [0, r * perRequest]));
    }));
    for (let p = 0; p < partitions; p++) {
      const { records } = await admin.readPartition('flood', p);
      assert.equal(records.length, requests * perRequest);
      assert.ok(records.every((rec, i) => rec.key!.toString() === `${p}-${i}`), `partition ${p} holds every record once, in order`);
    }
    for (const c of clients) await c.close();
    await admin.close();
  } finally {
    await small.dispose();
  }
});
