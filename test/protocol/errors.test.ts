// The error-code table: unique names and codes, contiguous from -1, the retriable flags clients
// depend on most, and names for codes the table does not know.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRORS, ErrorCode, errorName, isRetriable } from '../../src/protocol/errors.js';

test('codes and names are unique and contiguous from -1', () => {
  const codes = ERRORS.map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
  assert.equal(new Set(ERRORS.map((e) => e.name)).size, ERRORS.length);
  codes.forEach((c, i) => assert.equal(c, i - 1));
  assert.ok(codes.length >= 122, 'through at least 120');
});

test('well-known codes by name', () => {
  assert.equal(ErrorCode.NONE, 0);
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3);
  assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.equal(ErrorCode.TOPIC_ALREADY_EXISTS, 36);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
  assert.equal(ErrorCode.TRANSACTION_ABORTABLE, 120);
  assert.equal(errorName(16), 'NOT_COORDINATOR');
  assert.equal(errorName(5000), 'UNKNOWN_ERROR_5000');
});

test('retriable flags', () => {
  for (const c of [2, 3, 5, 6, 7, 13, 14, 15, 16, 19, 20, 51, 56, 74, 100]) assert.ok(isRetriable(c), errorName(c));
  for (const c of [-1, 0, 1, 10, 22, 25, 27, 35, 36, 47, 90, 5000]) assert.ok(!isRetriable(c), errorName(c));
});
