// Test helper: the kafkajs set-up the client tests share: a Kafka client of one broker (its logs
// off, retries 100 ms apart), a connected admin and a connected producer (kafkajs's default
// partitioner, no topic auto-creation), and disconnecting them whether or not they connected.
import kafkajs from 'kafkajs';
import type { Admin, KafkaConfig, Producer } from 'kafkajs';

const { Kafka, logLevel, Partitioners } = kafkajs;

export type KafkaClient = InstanceType<typeof Kafka>;

export interface KafkajsClients { kafka: KafkaClient; admin: Admin; producer: Producer }

/** retries: how many times kafkajs retries a request (100 ms first, then backing off). */
export function kafkaClient(bootstrap: string, clientId: string, retries = 5): KafkaClient {
  const retry: KafkaConfig['retry'] = { retries, initialRetryTime: 100 };
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry });
}

/** A Kafka client with its admin and producer connected (the admin disconnected again if the producer cannot connect). */
export async function connectKafkajs(bootstrap: string, clientId: string, retries = 5): Promise<KafkajsClients> {
  const kafka = kafkaClient(bootstrap, clientId, retries);
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  try {
    await producer.connect();
  } catch (err) {
    await disconnectAll(admin);
    throw err;
  }
  return { kafka, admin, producer };
}

/** Disconnects each client given, in order; a failure, or a client never made (undefined), is ignored. */
export async function disconnectAll(...clients: ({ disconnect(): Promise<unknown> } | undefined)[]): Promise<void> {
  for (const c of clients) await c?.disconnect().catch(() => {});
}
