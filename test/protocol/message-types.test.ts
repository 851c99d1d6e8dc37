// The generated message types, checked by the compiler: this file only builds if a handler that
// reads a field its message lacks is refused (each @ts-expect-error must meet an error, or the
// build fails), and if the fields it has are typed as declared. The runtime test restates one of
// those facts, so the file is also a test the runner counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handler, type RequestOf, type ResponseOf } from '../../src/server/dispatcher.js';
import { ApiKey } from '../../src/protocol/messages/index.js';

export const misspelled = handler('DeleteRecords', {
  minVersion: 0,
  maxVersion: 2,
  // Handlers state their response type, so that an object literal they return is checked for
  // fields its message lacks (TypeScript checks excess fields only against a stated type).
  handle(_ctx, req): ResponseOf<'DeleteRecords'> {
    // @ts-expect-error DeleteRecords topics have `name`, not `topic`
    const wrong: string = req.topics[0]!.topic;
    // @ts-expect-error a response field that does not exist
    return { throttleTimeMs: 0, topics: [], errorCode: wrong.length };
  },
});

export const wrongType = handler('Fetch', {
  minVersion: 4,
  maxVersion: 17,
  handle(_ctx, req) {
    // @ts-expect-error maxWaitMs is a number
    const s: string = req.maxWaitMs;
    // Fields of some versions only are there when decoded (holding their default).
    const id: string = req.topics[0]!.topicId;
    const name: string = req.topics[0]!.topic;
    // Nullable fields include null.
    // @ts-expect-error rackId is a string, clusterId may be null
    const cluster: string = req.clusterId;
    return { responses: [], sessionId: 0, errorCode: s.length + id.length + name.length + cluster.length };
  },
});

export const missingField = handler('ListGroups', {
  minVersion: 0,
  maxVersion: 5,
  // @ts-expect-error the response's groups (every version has them) are required
  handle() {
    return { errorCode: 0 };
  },
});

type ProduceRecords = RequestOf<'Produce'>['topicData'][number]['partitionData'][number]['records'];
const decodedRecords: ProduceRecords = Buffer.alloc(0);
// @ts-expect-error decoded records are one buffer, never the chunk list an encoder takes
const chunks: ProduceRecords = [Buffer.alloc(0)];

test('handler() takes its api key from the API\'s name', () => {
  assert.equal(misspelled.apiKey, ApiKey.DeleteRecords);
  assert.equal(wrongType.apiKey, ApiKey.Fetch);
  assert.equal(missingField.apiKey, ApiKey.ListGroups);
  assert.ok(Buffer.isBuffer(decodedRecords) && Array.isArray(chunks));
});
