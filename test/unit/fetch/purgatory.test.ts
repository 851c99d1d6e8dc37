// The fetch purgatory (src/fetch/purgatory.ts) on its own: a wait ends true once appends to its
// partitions bring min_bytes, false when max_wait_ms runs out, when its connection goes away, or
// at shutdown; an append to another partition counts nothing. Timers are node:test's mock timers,
// moved by hand, so nothing here depends on how fast the machine is.
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { Purgatory } from '../../../src/fetch/purgatory.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

/** A wait whose outcome can be read without awaiting it (null while it is still waiting). */
function watch(p: Promise<boolean>): { outcome: boolean | null } {
  const w: { outcome: boolean | null } = { outcome: null };
  void p.then((v) => { w.outcome = v; });
  return w;
}

/** Lets the promise callbacks of settled waits run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const never = (): void => {};

test('appends to the waited partitions complete the wait once they add up to min_bytes', async () => {
  const purgatory = new Purgatory();
  const w = watch(purgatory.wait(['a-0', 'b-1'], 100, 60_000, never));
  assert.equal(purgatory.size, 1);
  purgatory.appended('a-0', 40);
  purgatory.appended('c-0', 500);
  await settle();
  assert.equal(w.outcome, null, '40 bytes of 100 (the append to c-0 is not waited for)');
  purgatory.appended('b-1', 60);
  await settle();
  assert.equal(w.outcome, true);
  assert.equal(purgatory.size, 0, 'a completed wait is forgotten');
  purgatory.appended('a-0', 1000);
  mock.timers.tick(60_000);
  await settle();
  assert.equal(w.outcome, true, 'later appends and the timer change nothing');
});

test('max_wait_ms runs out: the wait ends false, and appends after it count nothing', async () => {
  const purgatory = new Purgatory();
  const w = watch(purgatory.wait(['a-0'], 10, 500, never));
  mock.timers.tick(499);
  await settle();
  assert.equal(w.outcome, null);
  mock.timers.tick(1);
  await settle();
  assert.equal(w.outcome, false);
  assert.equal(purgatory.size, 0);
  purgatory.appended('a-0', 100);
  await settle();
  assert.equal(w.outcome, false);
});

test('each wait counts its own bytes: one append may complete one wait and not another', async () => {
  const purgatory = new Purgatory();
  const small = watch(purgatory.wait(['a-0'], 10, 1000, never));
  const large = watch(purgatory.wait(['a-0'], 1000, 1000, never));
  purgatory.appended('a-0', 50);
  await settle();
  assert.deepEqual([small.outcome, large.outcome, purgatory.size], [true, null, 1]);
  mock.timers.tick(1000);
  await settle();
  assert.equal(large.outcome, false);
});

test('min_bytes of 0 or less still waits for an append (the handler waits only when it needs bytes)', async () => {
  const purgatory = new Purgatory();
  const w = watch(purgatory.wait(['a-0'], 0, 1000, never));
  await settle();
  assert.equal(w.outcome, null);
  purgatory.appended('a-0', 0);
  await settle();
  assert.equal(w.outcome, true, 'an append of no bytes leaves 0 needed');
});

test('the release handed to the connection ends the wait false; releasing again is harmless', async () => {
  const purgatory = new Purgatory();
  const releases: (() => void)[] = [];
  const w = watch(purgatory.wait(['a-0'], 10, 60_000, (r) => { releases.push(r); }));
  assert.equal(releases.length, 1, 'the wait hands its release over at once');
  const [release] = releases;
  release!();
  release!();
  await settle();
  assert.deepEqual([w.outcome, purgatory.size], [false, 0]);
  purgatory.appended('a-0', 100);
  mock.timers.tick(60_000);
  await settle();
  assert.equal(w.outcome, false);
});

test('shutdown completes every wait, and a wait begun after it ends at once', async () => {
  const purgatory = new Purgatory();
  const a = watch(purgatory.wait(['a-0'], 10, 60_000, never));
  const b = watch(purgatory.wait(['b-0', 'a-0'], 10, 60_000, never));
  purgatory.releaseAll();
  await settle();
  // answered as completed: the handler reads once more and answers what there is
  assert.deepEqual([a.outcome, b.outcome, purgatory.size], [true, true, 0]);
  let handedOver = false;
  const late = watch(purgatory.wait(['a-0'], 10, 60_000, () => { handedOver = true; }));
  await settle();
  assert.deepEqual([late.outcome, handedOver, purgatory.size], [false, false, 0]);
});

test('a wait that ends, however it ends, takes its release back from the connection', async () => {
  const purgatory = new Purgatory();
  const held = new Set<() => void>();
  // as Connection.onClose: keeps the release until the connection closes, answers how to take it back
  const connection = (release: () => void): (() => void) => {
    held.add(release);
    return () => { held.delete(release); };
  };
  const appended = watch(purgatory.wait(['a-0'], 10, 60_000, connection));
  const timedOut = watch(purgatory.wait(['b-0'], 10, 1_000, connection));
  const released = watch(purgatory.wait(['c-0'], 10, 60_000, connection));
  assert.equal(held.size, 3);
  purgatory.appended('a-0', 10);
  mock.timers.tick(1_000);
  await settle();
  assert.deepEqual([appended.outcome, timedOut.outcome, released.outcome], [true, false, null]);
  assert.equal(held.size, 1, 'the completed and the timed-out waits are no longer held');
  for (const release of [...held]) release();
  await settle();
  assert.deepEqual([released.outcome, held.size, purgatory.size], [false, 0, 0]);
});
