// Names the calling thread (its comm, as top -H, ps -L and /proc/<pid>/task/*/comm show it), so
// that an operator, and bench/ (per-thread CPU), can tell the shard workers and network threads
// apart: Node names none of its threads. pthread_setname_np through koffi (a production
// dependency for the network threads' hand-off); where it cannot be loaded (not Linux, no glibc)
// the thread keeps its name: a name is a convenience, not a setting.
import { createRequire } from 'node:module';

/** At most 15 characters (Linux's limit): "samsa-shard-3", "samsa-net-0". */
export function nameThisThread(name: string): void {
  if (process.platform !== 'linux') return;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as { load(path: string): { func(signature: string): (...args: unknown[]) => unknown } };
    const libc = koffi.load('libc.so.6');
    const self = libc.func('unsigned long pthread_self()') as () => bigint | number;
    const setName = libc.func('int pthread_setname_np(unsigned long, const char *)') as (thread: bigint | number, name: string) => number;
    setName(self(), name.slice(0, 15));
  } catch {
    // unnamed, as before
  }
}
