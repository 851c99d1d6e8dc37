// The entry of a network thread of its own (samsa.network.threads.colocated=false): it is named
// samsa-net-N and serves connections (serve.ts), talking to the main thread on its parent port.
import { parentPort, workerData } from 'node:worker_threads';
import { nameThisThread } from '../workers/thread-name.js';
import type { NetworkThreadData } from './messages.js';
import { serveConnections } from './serve.js';

const data = workerData as NetworkThreadData;
nameThisThread(`samsa-net-${data.index}`);
serveConnections(data, parentPort!);
