#!/usr/bin/env python3
"""confluent-kafka-python (librdkafka 2.0.2) against Samsa: AdminClient create_topics (also
validate_only and an already-existing topic) and list_topics; a Producer sends keyed messages
with headers and collects delivery reports; a Consumer with a group.id it never uses (assign at
OFFSET_BEGINNING, no subscribe, no commits) reads them back; get_watermark_offsets and
offsets_for_times; finally AdminClient delete_topics and list_topics again.

Usage: confluent_kafka_roundtrip.py BOOTSTRAP TOPIC PARTITIONS COUNT
Prints one JSON object on the last line of stdout.
"""
import json
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from confluent_helpers import error_of

bootstrap, topic, partitions, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
result = {}


def describe_topics(md):
    return {name: {'partitions': sorted(p.id for p in t.partitions.values()),
                   'leaders': sorted({p.leader for p in t.partitions.values()}),
                   'error': None if t.error is None else t.error.code()}
            for name, t in md.topics.items()}


admin = AdminClient({'bootstrap.servers': bootstrap, 'client.id': 'samsa-confluent-admin'})

# validate_only creates nothing.
fs = admin.create_topics([NewTopic(topic + '-validate', num_partitions=2, replication_factor=1)],
                         validate_only=True, operation_timeout=10, request_timeout=15)
result['validate_only'] = error_of(fs[topic + '-validate'])
fs = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                         operation_timeout=10, request_timeout=15)
result['create'] = error_of(fs[topic])
fs = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                         operation_timeout=10, request_timeout=15)
result['create_again'] = error_of(fs[topic])
md = admin.list_topics(timeout=15)
result['brokers'] = sorted('%d@%s:%d' % (b.id, b.host, b.port) for b in md.brokers.values())
result['controller_id'] = md.controller_id
result['topics_after_create'] = describe_topics(md)

# Produce keyed messages with headers; delivery reports carry partition and offset.
delivered = []


def on_delivery(err, msg):
    delivered.append({'error': None if err is None else err.code(), 'partition': msg.partition(),
                      'offset': msg.offset(), 'key': None if msg.key() is None else msg.key().decode(),
                      'value': msg.value().decode(), 'timestamp': list(msg.timestamp())})


producer = Producer({'bootstrap.servers': bootstrap, 'client.id': 'samsa-confluent-producer', 'acks': 'all',
                     'linger.ms': 5, 'enable.idempotence': False})
base = int(time.time() * 1000) - 3600000
result['base_timestamp'] = base
for i in range(count):
    producer.produce(topic, key=('key-%d' % (i % 6)).encode(), value=('value-%d \u00e9\u2713' % i).encode(),
                     headers=[('idx', str(i).encode()), ('src', b'confluent'), ('empty', b'')],
                     timestamp=base + i * 1000, on_delivery=on_delivery)
    producer.poll(0)
# One message with an explicit partition, a null key and an empty value.
producer.produce(topic, key=None, value=b'', partition=partitions - 1, headers=[('idx', str(count).encode())],
                 timestamp=base + count * 1000, on_delivery=on_delivery)
result['unflushed'] = producer.flush(15)
result['delivered'] = delivered

# Group-less consumption. (No None header values: Message.headers() in Debian's confluent-kafka 1.7
# drops a reference to None for each (confluent-kafka-python#1191, fixed in 1.8.2) and the
# interpreter aborts; kcat.test.ts checks null header values instead.): the group.id is required by the client but never used.
consumer = Consumer({'bootstrap.servers': bootstrap, 'client.id': 'samsa-confluent-consumer',
                     'group.id': 'samsa-unused-group', 'enable.auto.commit': False, 'enable.auto.offset.store': False,
                     'enable.partition.eof': True, 'fetch.wait.max.ms': 100})
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
consumed = []
eof = set()
errors = []
deadline = time.time() + 20
while len(eof) < partitions and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None:
        continue
    if msg.error() is not None:
        if msg.error().code() == KafkaError._PARTITION_EOF:
            eof.add(msg.partition())
        else:
            errors.append(str(msg.error()))
        continue
    ts_type, ts = msg.timestamp()
    consumed.append({'partition': msg.partition(), 'offset': msg.offset(),
                     'key': None if msg.key() is None else msg.key().decode(),
                     'value': None if msg.value() is None else msg.value().decode(),
                     'headers': [[k, v.decode()] for k, v in (msg.headers() or [])],
                     'timestamp_type': ts_type, 'timestamp': ts})
result['consumed'] = consumed
result['eof_partitions'] = sorted(eof)
result['consume_errors'] = errors
result['watermarks'] = {str(p): list(consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10))
                        for p in range(partitions)}
result['cached_watermarks'] = {str(p): list(consumer.get_watermark_offsets(TopicPartition(topic, p), cached=True))
                               for p in range(partitions)}
result['offsets_for_times'] = {}
for ts in (base - 1, base + (count // 2) * 1000 + 500, base + (count + 5) * 1000):
    found = consumer.offsets_for_times([TopicPartition(topic, p, ts) for p in range(partitions)], timeout=10)
    result['offsets_for_times'][str(ts)] = {str(tp.partition): tp.offset for tp in found}
consumer.close()

# Delete the topic; it leaves the metadata.
fs = admin.delete_topics([topic], operation_timeout=10, request_timeout=15)
result['delete'] = error_of(fs[topic])
fs = admin.delete_topics([topic + '-never-created'], operation_timeout=10, request_timeout=15)
result['delete_unknown'] = error_of(fs[topic + '-never-created'])
result['topics_after_delete'] = describe_topics(admin.list_topics(timeout=15))
print(json.dumps(result))
