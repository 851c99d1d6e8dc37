// Idempotent producers against a real broker process. kafkajs 2.2.4 (idempotent: true: InitProducerId,
// then a sequence per partition) produces through a TCP proxy that now and then drops a connection
// just before a Produce response would reach the client: the batches were appended, the client does
// not know it and sends them again with the same sequences, and the broker must answer with the
// original offsets instead of appending twice. Then kcat (librdkafka 2.0.2, enable.idempotence=true)
// produces directly and through the same proxy. Everything is read back with the raw-protocol client:
// each message exactly once, no gaps, in produce order per partition.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import kafkajs from 'kafkajs';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { BrokerProcess, freePort, runCommand } from '../helpers/broker.js';
import { requireKcat } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { decodeBatches } from '../helpers/record-batch.js';

const { Kafka, logLevel, Partitioners } = kafkajs;
const PRODUCE = 0;

/**
 * A TCP proxy in front of the broker that, once armed, drops every `cutEvery`-th Produce response:
 * it closes both sides instead of forwarding it (up to `maxCuts` times).
 */
class CuttingProxy {
  cutEvery = 0;
  maxCuts = 0;
  cuts = 0;
  produceResponses = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  constructor(private readonly target: number) {
    this.server = net.createServer((client) => this.accept(client));
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect({ host: '127.0.0.1', port: this.target });
    const produceIds = new Set<number>();
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    // client -> broker: forwarded as it comes; the correlation ids of Produce requests are noted
    frames(client, (frame) => {
      if (frame.readInt16BE(4) === PRODUCE) produceIds.add(frame.readInt32BE(8));
      if (!upstream.destroyed) upstream.write(frame);
    });
    // broker -> client: frame by frame, so a Produce response can be dropped whole
    frames(upstream, (frame) => {
      if (client.destroyed) return;
      const correlationId = frame.readInt32BE(4);
      if (produceIds.delete(correlationId)) {
        this.produceResponses++;
        if (this.cutEvery > 0 && this.cuts < this.maxCuts && this.produceResponses % this.cutEvery === 0) {
          this.cuts++;
          client.destroy();
          upstream.destroy();
          return;
        }
      }
      client.write(frame);
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Calls `onFrame` with each whole size-prefixed frame (prefix included) read from `socket`. */
function frames(socket: net.Socket, onFrame: (frame: Buffer) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      const size = 4 + buffered.readInt32BE(0);
      onFrame(buffered.subarray(0, size));
      buffered = buffered.subarray(size);
    }
  });
}

describe('idempotent producers', () => {
  let broker: BrokerProcess;
  let proxy: CuttingProxy;
  let proxyPort: number;
  let raw: RawClient;

  before(async () => {
    const brokerPort = await freePort();
    proxyPort = await freePort();
    proxy = new CuttingProxy(brokerPort);
    await proxy.listen(proxyPort);
    // clients learn the proxy's address from Metadata, so every connection they make goes through it
    broker = await BrokerProcess.start({ port: brokerPort, overrides: { 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxyPort}` } });
    raw = await RawClient.connect('127.0.0.1', brokerPort);
  });
  after(async () => {
    await raw?.close();
    await proxy?.close();
    await broker?.dispose();
  });

  async function createTopic(name: string, partitions: number): Promise<void> {
    const res = await raw.request(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
    assert.equal(res.topics[0].errorCode, 0);
  }

  /** Every partition's values in offset order, and the producer ids of its batches. */
  async function readBack(topic: string, partitions: number): Promise<{ values: string[][]; producerIds: Set<number> }> {
    const values: string[][] = [];
    const producerIds = new Set<number>();
    for (let p = 0; p < partitions; p++) {
      const { records, highWatermark } = await raw.readPartition(topic, p);
      assert.equal(records.length, highWatermark, `partition ${p}: one record per offset`);
      values.push(records.map((r) => r.value!.toString()));
      const first = await raw.fetchOnce(topic, p, 0);
      for (const b of decodeBatches(first.responses[0].partitions[0].records)) producerIds.add(b.producerId);
    }
    return { values, producerIds };
  }

  test('kafkajs: retried batches after dropped connections are appended once, in order', async () => {
    const topic = 'idem-kafkajs';
    const partitions = 3;
    await createTopic(topic, partitions);
    const kafka = new Kafka({ clientId: 'samsa-idempotence', brokers: [`127.0.0.1:${proxyPort}`], logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 1_000 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 1_000 } });
    await producer.connect();
    const sent: string[][] = Array.from({ length: partitions }, () => []);
    try {
      proxy.cuts = 0;
      proxy.produceResponses = 0;
      proxy.maxCuts = 6;
      proxy.cutEvery = 7;
      for (let round = 0; round < 60; round++) {
        const messages = Array.from({ length: 6 }, (_, i) => {
          const partition = i % partitions;
          const value = `r${round}-m${i}`;
          sent[partition]!.push(value);
          return { partition, value };
        });
        await producer.send({ topic, acks: -1, messages });
      }
    } finally {
      proxy.cutEvery = 0;
      await producer.disconnect().catch(() => {});
    }
    assert.equal(proxy.cuts, 6, `${proxy.cuts} connections dropped over ${proxy.produceResponses} Produce responses`);
    const { values, producerIds } = await readBack(topic, partitions);
    for (let p = 0; p < partitions; p++) assert.deepEqual(values[p], sent[p], `partition ${p}: every message once, in order`);
    assert.equal(producerIds.size, 1, `one producer id: ${[...producerIds].join(',')}`);
    assert.ok([...producerIds][0]! >= 0, 'the batches carry the producer id InitProducerId gave');
  });

  const skip = requireKcat();
  const kcatProduce = async (bootstrap: string, topic: string, lines: string[], extra: string[] = []): Promise<void> => {
    const r = await runCommand('kcat', ['-b', bootstrap, '-P', '-t', topic, '-X', 'enable.idempotence=true', '-X', 'linger.ms=5', '-X', 'batch.num.messages=20', ...extra], { input: `${lines.join('\n')}\n`, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `kcat failed (${r.code}):\n${r.stderr}`);
  };

  test('kcat with enable.idempotence=true: every message once, in order', { skip }, async () => {
    const topic = 'idem-kcat';
    await createTopic(topic, 2);
    const lines = Array.from({ length: 400 }, (_, i) => `line-${i}`);
    await kcatProduce(`127.0.0.1:${broker.port}`, topic, lines.slice(0, 200), ['-p', '0']);
    await kcatProduce(`127.0.0.1:${broker.port}`, topic, lines.slice(200), ['-p', '1']);
    const { values, producerIds } = await readBack(topic, 2);
    assert.deepEqual(values, [lines.slice(0, 200), lines.slice(200)]);
    assert.equal(producerIds.size, 2, 'two kcat runs, two producer ids');
    for (const id of producerIds) assert.ok(id >= 0);
  });

  test('kcat with enable.idempotence=true through dropped connections', { skip }, async () => {
    const topic = 'idem-kcat-cut';
    await createTopic(topic, 1);
    const lines = Array.from({ length: 600 }, (_, i) => `cut-${i}`);
    proxy.cuts = 0;
    proxy.produceResponses = 0;
    proxy.maxCuts = 3;
    proxy.cutEvery = 5;
    try {
      // -E: a dropped connection is no reason for kcat to give up (librdkafka reconnects and retries)
      await kcatProduce(`127.0.0.1:${proxyPort}`, topic, lines, ['-E', '-p', '0', '-X', 'batch.num.messages=10', '-X', 'max.in.flight=1']);
    } finally {
      proxy.cutEvery = 0;
    }
    assert.ok(proxy.cuts >= 1, `${proxy.cuts} connections dropped`);
    const { values } = await readBack(topic, 1);
    assert.deepEqual(values[0], lines);
  });
});
