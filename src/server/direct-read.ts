// Reading an accepted socket into buffers the connection chooses, so that the kernel copies a
// request's bytes straight into its frame's SharedArrayBuffer: no socket chunk is allocated per
// read and no copy is made in JavaScript. Node offers this as the `onread` option of sockets it
// creates for clients (a buffer, or a function answering the next one, and a callback per read),
// but net.Server has no such option for the sockets it accepts; this sets the same three slots on
// an accepted socket before its first read (the server must pause on connect). Where a Node
// version lays its sockets out differently, readDirect answers false and the connection reads
// 'data' chunks and copies them instead.
import type net from 'node:net';

export interface DirectReader {
  /** The buffer the next read fills (it may be shared between sockets: each read is consumed at once). */
  next(): Uint8Array;
  /** `n` bytes were read into `into`, the buffer `next` answered last. */
  read(n: number, into: Uint8Array): void;
}

interface Slots { buffer: symbol; callback: symbol; generator: symbol }

let slots: Slots | null | undefined;

/** The onread slots of a socket of this Node version, or null when they are not where they were. */
function slotsOf(socket: net.Socket): Slots | null {
  if (slots !== undefined) return slots;
  const own = Object.getOwnPropertySymbols(socket);
  const find = (description: string): symbol | undefined => own.find((s) => s.description === description);
  const [buffer, callback, generator] = [find('kBuffer'), find('kBufferCb'), find('kBufferGen')];
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: unknown } })._handle;
  slots = buffer !== undefined && callback !== undefined && generator !== undefined && typeof handle?.useUserBuffer === 'function'
    ? { buffer, callback, generator }
    : null;
  return slots;
}

/**
 * Makes the socket read into `reader.next()` and report each read to `reader.read` (no 'data'
 * events). Call before the socket's first read; answers false when this Node cannot do it.
 */
export function readDirect(socket: net.Socket, reader: DirectReader): boolean {
  const s = slotsOf(socket);
  const handle = (socket as unknown as { _handle: { useUserBuffer(buf: Uint8Array): void } | null })._handle;
  if (s === null || handle === null) return false;
  const target = socket as unknown as Record<symbol, unknown>;
  const first = reader.next();
  target[s.generator] = () => reader.next();
  target[s.callback] = (n: number, into: Uint8Array) => { reader.read(n, into); };
  target[s.buffer] = first;
  handle.useUserBuffer(first);
  return true;
}
