// Handing an accepted socket to another thread. Node 20 has no SO_REUSEPORT listeners (`reusePort`
// needs 22.12) and worker threads cannot take each other's handles, so the accepting thread
// duplicates the socket's file descriptor (dup(2), through koffi, an FFI with prebuilt binaries
// in its npm package), closes its own handle (the socket stays open while the copy does) and
// gives the number to the thread that wraps it in a net.Socket of its own. Measured: the hand-off
// costs nothing per request (bench/handoff.ts).
import { createRequire } from 'node:module';
import type net from 'node:net';

type Dup = (fd: number) => number;
let dup: Dup | null = null;

/** Loads dup(2); throws (a start-up error) where koffi or the C library cannot be loaded. */
export function loadHandOff(): void {
  if (dup !== null) return;
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as { load(path: string): { func(signature: string): Dup } };
  const libc = koffi.load(process.platform === 'darwin' ? 'libSystem.dylib' : 'libc.so.6');
  dup = libc.func('int dup(int)');
}

/**
 * A duplicate of the socket's file descriptor, for another thread: the socket here is destroyed
 * (the connection stays open through the copy). -1, with the socket untouched, when it has none.
 */
export function detachSocket(socket: net.Socket): number {
  if (dup === null) throw new Error('loadHandOff() first');
  const fd = (socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return -1;
  const copy = dup(fd);
  if (copy < 0) return -1;
  socket.destroy();
  return copy;
}
