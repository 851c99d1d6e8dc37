#!/usr/bin/env python3
"""kafka-python 2.0.2 against Samsa: KafkaProducer with the broker version auto-detected
(ApiVersions v0, then Metadata v0) sends keyed messages with headers and explicit timestamps at
acks=all, acks=1 and acks=0; a KafkaConsumer without a group (assign + seek_to_beginning, no
commits) reads them all back; then beginning_offsets, end_offsets and offsets_for_times.

Usage: kafka_python_roundtrip.py BOOTSTRAP TOPIC COUNT BASE_TIMESTAMP_MS
Prints one JSON object on the last line of stdout.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, count, base_ts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def key_of(i):
    return ('key-%d' % (i % 5)).encode()


def value_of(i):
    return ('value-%d \u00fc\u2713' % i).encode()


def headers_of(i):
    return [('idx', str(i).encode()), ('src', b'kafka-python'), ('bin', bytes([0, 255, i % 256]))]


result = {'sent': [], 'consumed': []}

# Three producers, all with api_version left to auto-detection: acks all / 1 / 0.
acks_plan = [('all', 0, count // 2), (1, count // 2, count - count // 4), (0, count - count // 4, count)]
for acks, start, end in acks_plan:
    producer = KafkaProducer(bootstrap_servers=[bootstrap], client_id='samsa-kafka-python', acks=acks,
                             linger_ms=5, retries=0, request_timeout_ms=15000, api_version=None)
    result.setdefault('producer_api_version', list(producer.config['api_version']))
    futures = []
    for i in range(start, end):
        futures.append((i, producer.send(topic, key=key_of(i), value=value_of(i), headers=headers_of(i),
                                         timestamp_ms=base_ts + i * 1000)))
    producer.flush(timeout=15)
    for i, f in futures:
        md = f.get(timeout=15)
        result['sent'].append({'i': i, 'acks': str(acks), 'partition': md.partition, 'offset': md.offset,
                               'timestamp': md.timestamp})
    producer.close(timeout=10)

consumer = KafkaConsumer(bootstrap_servers=[bootstrap], client_id='samsa-kafka-python-consumer', group_id=None,
                         enable_auto_commit=False, auto_offset_reset='none', fetch_max_wait_ms=200,
                         request_timeout_ms=15000, api_version=None)
result['consumer_api_version'] = list(consumer.config['api_version'])
partitions = sorted(consumer.partitions_for_topic(topic) or [])
result['partitions'] = partitions
tps = [TopicPartition(topic, p) for p in partitions]
consumer.assign(tps)
consumer.seek_to_beginning()
deadline = time.time() + 20
while len(result['consumed']) < count and time.time() < deadline:
    for tp, records in consumer.poll(timeout_ms=500).items():
        for r in records:
            result['consumed'].append({
                'partition': r.partition, 'offset': r.offset, 'timestamp': r.timestamp,
                'timestamp_type': r.timestamp_type, 'key': r.key.decode() if r.key is not None else None,
                'value': r.value.decode() if r.value is not None else None,
                'headers': [[k, v.hex()] for k, v in r.headers],
            })
result['positions'] = {str(tp.partition): consumer.position(tp) for tp in tps}

result['beginning_offsets'] = {str(tp.partition): o for tp, o in consumer.beginning_offsets(tps).items()}
result['end_offsets'] = {str(tp.partition): o for tp, o in consumer.end_offsets(tps).items()}
queries = {}
for k in (-1, 0, count // 3, count - 1, count + 10):
    ts = base_ts + k * 1000 + (500 if k == count // 3 else 0)
    found = consumer.offsets_for_times({tp: ts for tp in tps})
    queries[str(ts)] = {str(tp.partition): (None if v is None else {'offset': v.offset, 'timestamp': v.timestamp})
                        for tp, v in found.items()}
result['offsets_for_times'] = queries
consumer.close(autocommit=False)
print(json.dumps(result))
