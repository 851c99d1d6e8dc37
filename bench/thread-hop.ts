// What one round trip between two threads costs when both sleep in between, as the main thread and
// a shard worker do between requests (issue 14, goal 0): the main thread sends a small task, the
// worker answers, the next task goes only after the answer. Three hand-offs:
//   postMessage   a MessagePort each way (Samsa's shard port);
//   waitAsync     Atomics.notify on shared memory, Atomics.waitAsync on the other side;
//   spin          the worker polls the shared memory in a loop (it never sleeps; its core stays busy).
// Reports wall µs and CPU µs (process.cpuUsage: both threads, user + sys) per round trip.
//
//   node dist/bench/thread-hop.js [--round-trips 20000] [--modes postMessage,waitAsync,spin]
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Args } from './lib/args.js';
import { printTable, writeResults, type Row } from './lib/report.js';

const TASK = { op: 'produce', sab: 1, items: [{ key: 'bench-0', start: 123, length: 16000, maxMessageBytes: 1048588, logAppendTime: false }] };
const ANSWER = [{ ok: true, value: [{ errorCode: 0, baseOffset: 1, logAppendTime: -1, logStartOffset: 0, logEndOffset: 2, records: 1, bytes: 16000 }] }];
type Mode = 'postMessage' | 'waitAsync' | 'spin';
/** Atomics.waitAsync (Node 16 and later; not in this project's TypeScript lib). */
const waitAsync = (Atomics as unknown as {
  waitAsync(cells: Int32Array, index: number, value: number): { async: boolean; value: Promise<unknown> | string };
}).waitAsync;

if (!isMainThread) {
  const { mode, sab } = workerData as { mode: Mode; sab: SharedArrayBuffer };
  const cells = new Int32Array(sab);
  // keeps this thread's event loop alive: Atomics.waitAsync alone does not
  const keepAlive = setInterval(() => {}, 1 << 30);
  if (mode === 'postMessage') {
    parentPort!.on('message', () => parentPort!.postMessage(ANSWER));
  } else {
    void (async () => {
      let seen = 0;
      for (;;) {
        let v = Atomics.load(cells, 0);
        while (v === seen) {
          if (mode === 'spin') {
            v = Atomics.load(cells, 0);
            continue;
          }
          const w = waitAsync(cells, 0, v);
          if (w.async) await w.value;
          v = Atomics.load(cells, 0);
        }
        if (v < 0) break;
        seen = v;
        Atomics.store(cells, 1, v);
        Atomics.notify(cells, 1);
      }
      clearInterval(keepAlive);
    })();
  }
} else {
  const args = new Args(process.argv.slice(2), [
    { name: 'round-trips', help: 'round trips per mode', default: '20000' },
    { name: 'modes', help: 'postMessage, waitAsync, spin', default: 'postMessage,waitAsync,spin' },
    { name: 'out', help: 'where to write the JSON results (default bench/results/thread-hop-<timestamp>.json)' },
  ], 'thread-hop: one task to a sleeping worker thread and its answer, round trip after round trip');
  const n = args.num('round-trips');
  const rows: Row[] = [];
  for (const mode of args.list('modes') as Mode[]) {
    const sab = new SharedArrayBuffer(8);
    const cells = new Int32Array(sab);
    const worker = new Worker(new URL(import.meta.url), { workerData: { mode, sab } });
    await new Promise((resolve) => worker.once('online', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    if (mode === 'postMessage') {
      await new Promise<void>((resolve) => {
        let done = 0;
        worker.on('message', () => {
          if (++done === n) resolve();
          else worker.postMessage(TASK);
        });
        worker.postMessage(TASK);
      });
    } else {
      for (let k = 1; k <= n; k++) {
        Atomics.store(cells, 0, k);
        Atomics.notify(cells, 0);
        let v = Atomics.load(cells, 1);
        while (v !== k) {
          const w = waitAsync(cells, 1, v);
          if (w.async) await w.value;
          v = Atomics.load(cells, 1);
        }
      }
      Atomics.store(cells, 0, -1);
      Atomics.notify(cells, 0);
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await worker.terminate();
    rows.push({
      mode, 'round trips': n,
      'wall µs/round trip': Number(((wall * 1000) / n).toFixed(1)),
      'CPU µs/round trip': Number(((cpu.user + cpu.system) / n).toFixed(1)),
      'of it sys': Number((cpu.system / n).toFixed(1)),
    });
    console.log(`  ${mode}: ${rows.at(-1)!['CPU µs/round trip']} µs of CPU per round trip`);
  }
  printTable('a round trip to a worker thread that sleeps in between (CPU: both threads)', rows);
  writeResults('thread-hop', { rows }, args.str('out') || undefined);
  process.exit(0);
}
