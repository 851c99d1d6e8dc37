// Request header v0/v1/v2 and response header v0/v1, with their quirks: ClientId stays a classic
// string in v2, the ApiVersions response header is always v0, unknown ApiVersions versions >= 3
// still read as v2, unknown api keys read as v1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { ProtocolError } from '../../src/protocol/primitives/protocol-error.js';
import {
  decodeRequestHeader, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader,
  requestHeaderVersion, responseHeaderVersion,
} from '../../src/protocol/headers.js';
import { ApiKey } from '../../src/protocol/messages/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');

test('header versions follow each API version\'s flexibility', () => {
  assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
  assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
  assert.equal(responseHeaderVersion(ApiKey.Produce, 8), 0);
  assert.equal(responseHeaderVersion(ApiKey.Produce, 9), 1);
  assert.equal(requestHeaderVersion(ApiKey.Metadata, 9), 2);
  assert.equal(requestHeaderVersion(ApiKey.DescribeTopicPartitions, 0), 2);
  assert.equal(responseHeaderVersion(ApiKey.DescribeTopicPartitions, 0), 1);
  assert.equal(requestHeaderVersion(ApiKey.SaslHandshake, 1), 1);
});

test('ApiVersions: response header always v0; request header v2 from v3, even past the known max', () => {
  for (let v = 0; v <= 9; v++) assert.equal(responseHeaderVersion(ApiKey.ApiVersions, v), 0);
  assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 2), 1);
  assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2);
  assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 7), 2);
  const r = new Reader(hex('0012 0007 0000002a | 0002 6b6a | 00 | 0601020304'));
  assert.deepEqual(decodeRequestHeader(r), { apiKey: 18, apiVersion: 7, correlationId: 42, clientId: 'kj' });
  assert.equal(r.offset, 13, 'the tagged section was consumed, the body was not');
});

test('request header v1: classic nullable client id, no tagged fields', () => {
  const r = new Reader(hex('0000 0003 00000005 | ffff | abcd'));
  assert.deepEqual(decodeRequestHeader(r), { apiKey: 0, apiVersion: 3, correlationId: 5, clientId: null });
  assert.equal(r.remaining(), 2);
});

test('request header v2: classic client id, then tagged fields (unknown tags skipped)', () => {
  const r = new Reader(hex('0000 0009 00000006 | 0003 616263 | 02 00 01 ff 05 02 aabb | 77'));
  assert.deepEqual(decodeRequestHeader(r), { apiKey: 0, apiVersion: 9, correlationId: 6, clientId: 'abc' });
  assert.equal(r.remaining(), 1);
});

test('unknown api keys and versions are read as header v1', () => {
  const r = new Reader(hex('270f 0001 00000009 | 0001 78 | 99'));
  assert.deepEqual(decodeRequestHeader(r), { apiKey: 9999, apiVersion: 1, correlationId: 9, clientId: 'x' });
  assert.equal(r.remaining(), 1);
  const r2 = new Reader(hex('0000 0063 0000000a | 0001 78 | 99'));
  assert.deepEqual(decodeRequestHeader(r2), { apiKey: 0, apiVersion: 99, correlationId: 10, clientId: 'x' });
  assert.equal(requestHeaderVersion(9999, 0), 1);
  assert.equal(responseHeaderVersion(9999, 0), 0);
});

test('encodeRequestHeader v0/v1/v2 and the response header v0/v1', () => {
  const h = { apiKey: 3, apiVersion: 12, correlationId: 1, clientId: 'c' };
  const cases: [number, string][] = [[0, '0003000c00000001'], [1, '0003000c00000001000163'], [2, '0003000c0000000100016300']];
  for (const [version, expected] of cases) {
    const w = new Writer();
    encodeRequestHeader(w, h, version);
    assert.equal(w.toBuffer().toString('hex'), expected);
  }
  const w0 = new Writer();
  encodeResponseHeader(w0, 0x01020304, 0);
  assert.equal(w0.toBuffer().toString('hex'), '01020304');
  const w1 = new Writer();
  encodeResponseHeader(w1, 0x01020304, 1);
  assert.equal(w1.toBuffer().toString('hex'), '0102030400');
  assert.deepEqual(decodeResponseHeader(new Reader(w1.toBuffer()), 1), { correlationId: 0x01020304 });
});

test('truncated headers throw ProtocolError', () => {
  const full = hex('0000 0009 00000006 | 0003 616263 | 01 00 01 ff');
  for (let len = 0; len < full.length; len++) {
    assert.throws(() => decodeRequestHeader(new Reader(full.subarray(0, len))), ProtocolError, `length ${len}`);
  }
});
