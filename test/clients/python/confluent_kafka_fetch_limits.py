#!/usr/bin/env python3
"""confluent-kafka-python (librdkafka 2.0.2) reading a topic of many MB under a small Fetch
max_bytes: fetch.max.bytes=1000000 with max.partition.fetch.bytes=20000000 and
receive.message.max.bytes=1000512, so any Fetch response past about 1 MB fails in the client
("Invalid response size") and the consumer gets stuck. A Producer writes COUNT messages of SIZE
bytes spread over the topic's partitions; a Consumer (assign at OFFSET_BEGINNING, no group use)
must read every one of them back, each once, in offset order per partition.

Usage: confluent_kafka_fetch_limits.py BOOTSTRAP TOPIC PARTITIONS COUNT SIZE
Prints one JSON object on the last line of stdout.
"""
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from confluent_helpers import error_of

bootstrap, topic = sys.argv[1], sys.argv[2]
partitions, count, size = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
result = {}

admin = AdminClient({'bootstrap.servers': bootstrap})
fs = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                         operation_timeout=10, request_timeout=15)
result['create'] = error_of(fs[topic])

failed = []


def on_delivery(err, msg):
    if err is not None:
        failed.append(str(err))


# Batches of at most 256 KB, so that no single batch is larger than the consumer's max_bytes.
producer = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'linger.ms': 20,
                     'batch.size': 262144, 'enable.idempotence': False})
padding = b'.' * (size - 8)
for i in range(count):
    while True:
        try:
            producer.produce(topic, value=b'%08d' % i + padding, partition=i % partitions, on_delivery=on_delivery)
            break
        except BufferError:
            producer.poll(0.1)
    producer.poll(0)
result['unflushed'] = producer.flush(30)
result['delivery_errors'] = failed[:5]

client_errors = []
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'samsa-fetch-limits',
                     'enable.auto.commit': False, 'enable.auto.offset.store': False,
                     'fetch.max.bytes': 1000000, 'max.partition.fetch.bytes': 20000000,
                     'receive.message.max.bytes': 1000512, 'fetch.wait.max.ms': 100,
                     'error_cb': lambda err: client_errors.append(str(err))})
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
seen = set()
duplicates = 0
out_of_order = 0
next_offset = {}
consume_errors = []
deadline = time.time() + 40
while len(seen) < count and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None:
        continue
    if msg.error() is not None:
        if msg.error().code() != KafkaError._PARTITION_EOF:
            consume_errors.append(str(msg.error()))
        continue
    index = int(msg.value()[:8])
    if index in seen:
        duplicates += 1
    seen.add(index)
    if len(msg.value()) != size or index % partitions != msg.partition():
        consume_errors.append('message %d: %d bytes in partition %d' % (index, len(msg.value()), msg.partition()))
    if msg.offset() != next_offset.get(msg.partition(), 0):
        out_of_order += 1
    next_offset[msg.partition()] = msg.offset() + 1
consumer.close()

result['consumed'] = len(seen)
result['missing'] = sorted(set(range(count)) - seen)[:10]
result['duplicates'] = duplicates
result['out_of_order'] = out_of_order
result['consume_errors'] = consume_errors[:10]
result['client_errors'] = client_errors[:10]
result['next_offsets'] = {str(p): o for p, o in sorted(next_offset.items())}
print(json.dumps(result))
