// Test helper: one broker process and one RawClient to it for a test file, started before the
// file's tests and stopped after them. Node 20 runs a file's top-level before hooks concurrently,
// so a file's own set-up that needs them goes in a describe's before.
import { after, before } from 'node:test';
import { BrokerProcess, type BrokerOptions } from './broker.js';
import { RawClient } from './raw-client.js';

export interface BrokerWithClient { broker: BrokerProcess; client: RawClient }

export function brokerWithClient(options: BrokerOptions = {}): BrokerWithClient {
  const env = {} as BrokerWithClient;
  before(async () => {
    env.broker = await BrokerProcess.start(options);
    env.client = await RawClient.connect('127.0.0.1', env.broker.port);
  });
  after(async () => {
    await env.client?.close();
    await env.broker?.dispose();
  });
  return env;
}
