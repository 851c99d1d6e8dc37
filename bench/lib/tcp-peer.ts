// The other end of the loopback TCP ceiling measurement, run as its own process (so it has its own
// thread and core, like the broker): `sink` reads and discards whatever a connection sends;
// `source` writes 1 MiB buffers into every connection until it closes. Prints {"port": n} once
// listening, then serves until killed.
import net from 'node:net';

const mode = process.argv[2];
if (mode !== 'sink' && mode !== 'source') {
  console.error('usage: tcp-peer.js sink|source');
  process.exit(2);
}

const chunk = Buffer.alloc(1 << 20, 0x5a);

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  if (mode === 'sink') {
    socket.on('data', () => {});
    socket.on('end', () => socket.end());
    return;
  }
  const pump = (): void => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', pump);
  pump();
});

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as net.AddressInfo).port }));
});
