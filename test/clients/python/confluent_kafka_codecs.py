#!/usr/bin/env python3
"""confluent-kafka-python (librdkafka 2.0.2) against Samsa: topic configs and compression.

For each codec (gzip, snappy, lz4, zstd) a Producer with compression.type set to it sends keyed
messages to two topics, one whose compression.type is `producer` (stored as sent) and one whose
compression.type is the next codec (the broker recompresses); a Consumer reads both back. The
AdminClient creates the topics with configs, describes them (describe_configs), alters one
(alter_configs) and grows one (create_partitions).

Usage: confluent_kafka_codecs.py BOOTSTRAP PREFIX COUNT
Prints one JSON object on the last line of stdout.
"""
import json
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

from confluent_helpers import error_of

bootstrap, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
CODECS = ['gzip', 'snappy', 'lz4', 'zstd']
result = {'codecs': {}}


def consume(topic, expected):
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'samsa-unused', 'enable.auto.commit': False,
                         'enable.partition.eof': True})
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    out, errors = [], []
    while len(out) < expected and len(errors) < 50:
        msg = consumer.poll(5)
        if msg is None:
            errors.append('timeout')
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                errors.append(str(msg.error()))
            continue
        out.append([msg.offset(), msg.key().decode(), msg.value().decode()])
    consumer.close()
    return out, errors


admin = AdminClient({'bootstrap.servers': bootstrap, 'client.id': 'samsa-confluent-codecs'})
topics = []
for i, codec in enumerate(CODECS):
    topics.append(NewTopic('%s-%s-as-sent' % (prefix, codec), num_partitions=1, replication_factor=1))
    topics.append(NewTopic('%s-%s-recompressed' % (prefix, codec), num_partitions=1, replication_factor=1,
                           config={'compression.type': CODECS[(i + 1) % len(CODECS)]}))
fs = admin.create_topics(topics, operation_timeout=10, request_timeout=15)
result['create'] = {name: error_of(f) for name, f in fs.items()}

for codec in CODECS:
    producer = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'linger.ms': 20, 'compression.type': codec,
                         'enable.idempotence': False})
    sent = []
    for suffix in ['as-sent', 'recompressed']:
        topic = '%s-%s-%s' % (prefix, codec, suffix)
        for i in range(count):
            key, value = 'k%d' % (i % 5), '%s %s message %d %s' % (codec, suffix, i, 'x' * (i * 7))
            producer.produce(topic, key=key.encode(), value=value.encode(), partition=0)
            sent.append([topic, key, value])
    unflushed = producer.flush(15)
    back = {}
    for suffix in ['as-sent', 'recompressed']:
        topic = '%s-%s-%s' % (prefix, codec, suffix)
        back[suffix], errors = consume(topic, count)
        if errors and len(back[suffix]) < count:
            back[suffix + '_errors'] = errors
    result['codecs'][codec] = {'unflushed': unflushed, 'sent': sent, 'back': back}

# describe_configs, alter_configs (the whole set), create_partitions
target = '%s-gzip-recompressed' % prefix
described = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, target)])
entries = list(described.values())[0].result(timeout=15)
result['described'] = {name: {'value': e.value, 'source': e.source, 'is_default': e.is_default,
                              'synonyms': [[s.name, s.value, s.source] for s in e.synonyms.values()]}
                       for name, e in entries.items()}
resource = ConfigResource(ConfigResource.Type.TOPIC, target, set_config={'retention.ms': '7200000'})
result['alter'] = error_of(list(admin.alter_configs([resource]).values())[0])
entries = list(admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, target)]).values())[0].result(timeout=15)
result['after_alter'] = {name: entries[name].value for name in ['retention.ms', 'compression.type']}
result['grow'] = error_of(admin.create_partitions([NewPartitions(target, 3)])[target])
result['shrink'] = error_of(admin.create_partitions([NewPartitions(target, 2)])[target])
md = admin.list_topics(topic=target, timeout=15)
result['partitions_after_grow'] = sorted(md.topics[target].partitions.keys())

print(json.dumps(result))
