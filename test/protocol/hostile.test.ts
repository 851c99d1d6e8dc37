// Hostile input: random byte flips in valid encodings of every message and version, and random
// garbage, must either decode or throw ProtocolError: no other error, no hang, no allocation
// sized by an unchecked length.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { ProtocolError } from '../../src/protocol/primitives/protocol-error.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/codec.js';
import { decodeRequestHeader } from '../../src/protocol/headers.js';
import { API_MESSAGES, ApiKey } from '../../src/protocol/messages/index.js';
import { sampleValue, versionsOf } from './samples.js';

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decodesOrProtocolError(run: () => unknown, what: string): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ProtocolError)) assert.fail(`${what}: ${String(err)}`);
  }
}

test('byte flips in valid encodings decode or throw ProtocolError', () => {
  const rand = prng(42);
  for (const api of API_MESSAGES.values()) {
    for (const schema of [api.request, api.response]) {
      for (const version of versionsOf(schema)) {
        const w = new Writer();
        encodeMessage(schema, version, sampleValue(schema, version, 'full'), w);
        const good = w.toBuffer();
        for (let round = 0; round < 20; round++) {
          const bad = Buffer.from(good);
          const flips = 1 + Math.floor(rand() * 3);
          for (let i = 0; i < flips; i++) bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
          decodesOrProtocolError(() => decodeMessage(schema, version, new Reader(bad)), `${schema.name} v${version} round ${round}`);
        }
      }
    }
  }
});

test('random garbage decodes or throws ProtocolError', () => {
  const rand = prng(7);
  const produce = API_MESSAGES.get(ApiKey.Produce)!.request;
  const fetch = API_MESSAGES.get(ApiKey.Fetch)!.request;
  for (let round = 0; round < 2000; round++) {
    const bytes = Buffer.alloc(Math.floor(rand() * 64));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
    decodesOrProtocolError(() => decodeRequestHeader(new Reader(bytes)), 'header');
    decodesOrProtocolError(() => decodeMessage(produce, round % 12, new Reader(bytes)), `produce v${round % 12}`);
    decodesOrProtocolError(() => decodeMessage(fetch, round % 18, new Reader(bytes)), `fetch v${round % 18}`);
  }
});

test('huge array counts and lengths are refused before allocating', () => {
  const produce = API_MESSAGES.get(ApiKey.Produce)!.request;
  // Produce v3: null transactional id, acks, timeout, then 2^31-1 topics in 4 bytes
  const classic = Buffer.from('ffff0001000003e87fffffff00', 'hex');
  assert.throws(() => decodeMessage(produce, 3, new Reader(classic)), ProtocolError);
  // Produce v9: compact count 2^32-2 topics
  const compact = Buffer.from('000001000003e8ffffffff0f00', 'hex');
  assert.throws(() => decodeMessage(produce, 9, new Reader(compact)), ProtocolError);
  // Produce v9: one topic whose name claims 2^31 bytes
  const longName = Buffer.from('000001000003e802ffffffff0761', 'hex');
  assert.throws(() => decodeMessage(produce, 9, new Reader(longName)), ProtocolError);
  // no topics, then one tagged field (tag 0) whose size (2047) runs past the end
  const tagged = Buffer.from('000001000003e8' + '01' + '01' + '00' + 'ff0f' + '00', 'hex');
  assert.throws(() => decodeMessage(produce, 9, new Reader(tagged)), ProtocolError);
});
