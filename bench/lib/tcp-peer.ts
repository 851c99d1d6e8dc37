// The other end of the loopback TCP ceiling measurement, run as its own process (so it has its own
// thread and core, like the broker): `sink` reads and discards whatever a connection sends;
// `source` writes 1 MiB buffers into every connection until it closes. The sink reads into one
// reused buffer, as the broker reads requests (direct-read.ts), so what it measures is TCP and not
// the allocation of a chunk per read. Prints {"port": n} once
// listening, then serves until killed.
import net from 'node:net';
import { readDirect } from '../../src/server/direct-read.js';

const mode = process.argv[2];
if (mode !== 'sink' && mode !== 'source') {
  console.error('usage: tcp-peer.js sink|source');
  process.exit(2);
}

const chunk = Buffer.alloc(1 << 20, 0x5a);

const sinkBuffer = new Uint8Array(256 * 1024);

const server = net.createServer({ pauseOnConnect: true }, (socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  if (mode === 'sink') {
    if (!readDirect(socket, { next: () => sinkBuffer, read: () => {} })) socket.on('data', () => {});
    socket.on('end', () => socket.end());
    socket.resume();
    return;
  }
  socket.resume();
  const pump = (): void => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', pump);
  pump();
});

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as net.AddressInfo).port }));
});
