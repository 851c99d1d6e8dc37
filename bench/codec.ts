// Micro: the project codec on the two messages that carry data, Produce request (v9) and Fetch
// response (v12), encoded and decoded, with one partition of a 1 MiB batch and with 100
// partitions of 16 KiB each. Record data is referenced, not copied, both ways, so the cost is
// per field, not per byte: MB/s shows what that means at these sizes.
//
//   node dist/bench/codec.js [--time 1000]
import { decodeMessage, encodeMessage } from '../src/protocol/codec.js';
import { decodeRequestHeader, encodeRequestHeader, encodeResponseHeader, requestHeaderVersion, responseHeaderVersion } from '../src/protocol/headers.js';
import { ApiKey, FetchResponse, ProduceRequest, type FetchResponseData, type ProduceRequestData } from '../src/protocol/messages/index.js';
import { Reader } from '../src/protocol/primitives/reader.js';
import { Writer } from '../src/protocol/primitives/writer.js';
import { Args } from './lib/args.js';
import { buildBatch, FETCH_VERSION, PRODUCE_VERSION } from './lib/batches.js';
import { MICRO_FLAGS, runMicro, type MicroTask } from './lib/micro.js';

function produceRequest(topics: number, partitions: number, records: Buffer): ProduceRequestData {
  return {
    transactionalId: null, acks: -1, timeoutMs: 30_000,
    topicData: Array.from({ length: topics }, (_, t) => ({
      name: `topic-${t}`,
      partitionData: Array.from({ length: partitions }, (_, p) => ({ index: p, records })),
    })),
  };
}

function fetchResponse(topics: number, partitions: number, records: Buffer): FetchResponseData {
  return {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: Array.from({ length: topics }, (_, t) => ({
      topic: `topic-${t}`,
      partitions: Array.from({ length: partitions }, (_, p) => ({
        partitionIndex: p, errorCode: 0, highWatermark: 1_000_000, lastStableOffset: 1_000_000, logStartOffset: 0,
        abortedTransactions: null, preferredReadReplica: -1, records,
      })),
    })),
  };
}

/** Request as a client sends it: header + body, as chunks (records by reference). */
function encodeProduce(body: ProduceRequestData): Buffer[] {
  const w = new Writer();
  encodeRequestHeader(w, { apiKey: ApiKey.Produce, apiVersion: PRODUCE_VERSION, correlationId: 7, clientId: 'bench' }, requestHeaderVersion(ApiKey.Produce, PRODUCE_VERSION));
  encodeMessage(ProduceRequest, PRODUCE_VERSION, body, w);
  return w.toChunks();
}

/** Response as the broker sends it (dispatcher.encodeResponse does exactly this). */
function encodeFetch(body: FetchResponseData): Buffer[] {
  const w = new Writer();
  encodeResponseHeader(w, 7, responseHeaderVersion(ApiKey.Fetch, FETCH_VERSION));
  encodeMessage(FetchResponse, FETCH_VERSION, body, w);
  return w.toChunks();
}

const args = new Args(process.argv.slice(2), MICRO_FLAGS, 'codec: encode/decode Produce v9 requests and Fetch v12 responses');
const big = buildBatch({ recordSize: 1024, maxBytes: 1 << 20 }).bytes;
const small = buildBatch({ recordSize: 1024, maxBytes: 16 << 10 }).bytes;
const tasks: MicroTask[] = [];
for (const [label, topics, partitions, records] of [['1 x 1 MiB', 1, 1, big], ['100 x 16 KiB', 10, 10, small]] as const) {
  const produce = produceRequest(topics, partitions, records);
  const fetch = fetchResponse(topics, partitions, records);
  const produceFrame = Buffer.concat(encodeProduce(produce));
  const fetchFrame = Buffer.concat(encodeFetch(fetch));
  const kib = (b: Buffer): string => `${Math.round(b.length / 1024)} KiB`;
  tasks.push(
    { name: `encode Produce request ${label} (${kib(produceFrame)})`, fn: () => encodeProduce(produce) },
    {
      name: `decode Produce request ${label} (${kib(produceFrame)})`, fn: () => {
        const r = new Reader(produceFrame);
        decodeRequestHeader(r);
        return decodeMessage(ProduceRequest, PRODUCE_VERSION, r);
      },
    },
    { name: `encode Fetch response ${label} (${kib(fetchFrame)})`, fn: () => encodeFetch(fetch) },
    {
      name: `decode Fetch response ${label} (${kib(fetchFrame)})`, fn: () => {
        const r = new Reader(fetchFrame);
        r.int32();
        r.skipTaggedFields();
        return decodeMessage(FetchResponse, FETCH_VERSION, r);
      },
    },
  );
}
await runMicro('codec', 'codec: Produce v9 request and Fetch v12 response (label: partitions x records per partition)', args, tasks,
  ['records are referenced both ways (Writer.rawRef, Reader subarrays), so the cost is per field and per partition, not per byte (the frame size is in brackets)']);
