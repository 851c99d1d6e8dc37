// ApiVersions at a version this broker does not serve (any from 5 to 32767, and negative ones) is
// answered with UNSUPPORTED_VERSION and the version ranges in the v0 layout, on a connection that
// stays open, however the client framed the rest: header v2 (as Kafka's clients do from v3 on) or
// v1, a body of any layout or none. Only the correlation id is needed to answer, so nothing after
// it may close the connection (issue 12, item 13: version 999 sent with a v1 header was closed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawConnection, frame, seededRandom } from '../helpers/raw-socket.js';

const UNSUPPORTED_VERSION = 35;

let broker: BrokerProcess;
before(async () => { broker = await BrokerProcess.start(); });
after(async () => { await broker.dispose(); });

function apiVersionsRequest(version: number, correlationId: number, headerVersion: 1 | 2, body: Buffer): Buffer {
  const w = new Writer();
  w.int16(ApiKey.ApiVersions).int16(version).int32(correlationId).nullableString('fallback-test');
  if (headerVersion === 2) w.uvarint(0);
  w.raw(body);
  return frame(Buffer.from(w.toBuffer()));
}

const BODIES: [string, Buffer][] = [
  ['no body', Buffer.alloc(0)],
  ['a v3 body', Buffer.from(new Writer().compactString('future-client').compactString('9.9').uvarint(0).toBuffer())],
  ['bytes that are no tagged-field section', Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0x0f])],
];

/** The v0-layout answer: correlation id, error code, [api key, min, max], nothing more. */
function readV0(f: Buffer): { correlationId: number; errorCode: number; ranges: number[][] } {
  const n = f.readInt32BE(6);
  assert.equal(f.length, 10 + 6 * n, 'exactly the v0 layout');
  const ranges = Array.from({ length: n }, (_, i) => [f.readInt16BE(10 + 6 * i), f.readInt16BE(12 + 6 * i), f.readInt16BE(14 + 6 * i)]);
  return { correlationId: f.readInt32BE(0), errorCode: f.readInt16BE(4), ranges };
}

test('ApiVersions at every unsupported version, header v1 or v2, any body: UNSUPPORTED_VERSION with the ranges, connection kept', async () => {
  const c = await RawConnection.connect(broker.port);
  const good = await c.request(ApiKey.ApiVersions, 0, 1, {});
  const expected = (good.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]).map((k) => [k.apiKey, k.minVersion, k.maxVersion]);
  const max = expected.find((k) => k[0] === ApiKey.ApiVersions)![2]!;
  assert.equal(max, 4);

  const rand = seededRandom(13);
  const versions = [5, 6, 15, 16, 99, 127, 128, 255, 256, 999, 1000, 4095, 16383, 16384, 32766, 32767, -1, -2, -32768];
  for (let i = 0; i < 40; i++) versions.push(5 + Math.floor(rand() * (32767 - 5)));

  let correlationId = 100;
  const sent: { id: number; what: string }[] = [];
  for (const version of versions) {
    for (const headerVersion of [1, 2] as const) {
      for (const [bodyName, body] of BODIES) {
        const id = correlationId++;
        sent.push({ id, what: `v${version}, header v${headerVersion}, ${bodyName}` });
        await c.write(apiVersionsRequest(version, id, headerVersion, body));
      }
    }
  }
  for (const { id, what } of sent) {
    const f = await c.readFrame(10_000);
    assert.ok(f !== null, `an answer to ApiVersions ${what}`);
    const answer = readV0(f);
    assert.equal(answer.correlationId, id, what);
    assert.equal(answer.errorCode, UNSUPPORTED_VERSION, what);
    assert.deepEqual(answer.ranges, expected, what);
  }
  // The client falls back to a version the broker serves, on the same connection.
  const retry = await c.request(ApiKey.ApiVersions, 3, correlationId, { clientSoftwareName: 'fallback-test', clientSoftwareVersion: '1' });
  assert.equal(retry.errorCode, 0);
  assert.equal(c.closed, false);
  await c.close();
});

test('a request of another api with an unreadable header still closes the connection', async () => {
  const c = await RawConnection.connect(broker.port);
  // Metadata v12 is flexible: header v2, whose tagged-field section is missing here.
  const w = new Writer();
  w.int16(ApiKey.Metadata).int16(12).int32(7).nullableString('x');
  await c.write(frame(Buffer.from(w.toBuffer())));
  assert.ok(await c.waitClosed(5_000), 'the broker closes the connection');
  await broker.waitForLine(/malformed request header/, 5_000);
});
