// `npm start` runs the broker itself (the start script execs node in place of npm's shell), so the
// signals npm forwards reach it: SIGTERM to npm, or SIGINT to the whole process group as Ctrl-C
// sends it, stops the broker cleanly and leaves no process behind. A start with nothing changed
// does not rebuild dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BrokerProcess, ROOT } from './helpers/broker.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function parentOf(pid: number): number {
  // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so count from its ')'.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

const cases: Array<[string, (npmPid: number) => void]> = [
  ['SIGTERM to npm', (npmPid) => process.kill(npmPid, 'SIGTERM')],
  ['SIGINT to the process group (Ctrl-C)', (npmPid) => process.kill(-npmPid, 'SIGINT')],
];

for (const [name, signal] of cases) {
  test(`npm start: ${name} stops the broker cleanly and leaves no process; nothing is rebuilt`, async () => {
    const mainJs = path.join(ROOT, 'dist/src/main.js');
    const broker = await BrokerProcess.start({ npmStart: true, overrides: { 'samsa.worker.threads': 1 } });
    try {
      const npmPid = broker.proc.pid!;
      const brokerPid = broker.brokerPid;
      assert.ok(brokerPid > 0);
      assert.equal(parentOf(brokerPid), npmPid, 'the broker should be npm\'s own child (no shell in between)');
      const built = fs.statSync(mainJs).mtimeMs;

      signal(npmPid);
      assert.equal(await broker.waitExit(), 0, broker.output.slice(-10).join('\n'));
      assert.equal(alive(brokerPid), false, 'the broker outlived npm');
      assert.equal(alive(-npmPid), false, 'a process of the group is left');
      await broker.waitForLine(/samsa stopped/, 10_000); // the last lines may come in after the exit
      assert.equal(broker.output.some((l) => /second signal/.test(l)), false, 'a forwarded copy of the signal was taken for a second one');

      // dist/ is up to date now: a second start neither builds nor touches it.
      const again = await BrokerProcess.start({ npmStart: true, overrides: { 'samsa.worker.threads': 1 } });
      try {
        assert.equal(again.output.some((l) => /samsa: building/.test(l)), false, again.output.slice(0, 5).join('\n'));
        assert.equal(fs.statSync(mainJs).mtimeMs, built);
        assert.equal(await again.stop(), 0);
      } finally {
        await again.dispose();
      }
    } finally {
      await broker.dispose();
    }
  });
}
