#!/usr/bin/env python3
"""confluent-kafka-python (librdkafka 2.0.2) transactions against Samsa.

A transactional Producer (transactional.id) runs init_transactions, then three transactions over
every partition of TOPIC: the first is committed, the second aborted after its records were
delivered, the third committed. Then a consume-transform-produce step: a group consumer reads the
committed records of TOPIC and, inside one transaction, writes them upper-cased to TOPIC-out and
commits its input offsets with send_offsets_to_transaction; a second such transaction is aborted.
Finally two group-less consumers read both topics from the beginning, one read_committed and one
read_uncommitted, and the group's committed offsets are read back.

Usage: confluent_kafka_txn.py BOOTSTRAP TOPIC PARTITIONS COUNT
Prints one JSON object on the last line of stdout.
"""
import json
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic, partitions, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out_topic = topic + '-out'
group = topic + '-group'
result = {'errors': []}

admin = AdminClient({'bootstrap.servers': bootstrap})
for f in admin.create_topics([NewTopic(t, num_partitions=partitions, replication_factor=1)
                              for t in (topic, out_topic)], operation_timeout=10, request_timeout=15).values():
    f.result(timeout=15)

delivery_errors = []


def on_delivery(err, msg):
    if err is not None:
        delivery_errors.append(str(err))


producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': topic + '-txn',
                     'transaction.timeout.ms': 20000, 'linger.ms': 5})
producer.init_transactions(20)


def produce_all(target, prefix, n):
    for i in range(n):
        producer.produce(target, key=('k%d' % i).encode(), value=('%s-%d' % (prefix, i)).encode(),
                         partition=i % partitions, on_delivery=on_delivery)
        producer.poll(0)


for prefix, commit in (('first', True), ('aborted', False), ('third', True)):
    producer.begin_transaction()
    produce_all(topic, prefix, count)
    producer.flush(20)  # the aborted records reach the log before the abort
    if commit:
        producer.commit_transaction(20)
    else:
        producer.abort_transaction(20)
result['delivery_errors'] = list(delivery_errors)


def read_all(target, isolation):
    """Every value of target from the beginning, by partition, until each partition's end."""
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused-' + isolation, 'enable.auto.commit': False,
                  'isolation.level': isolation, 'enable.partition.eof': True})
    c.assign([TopicPartition(target, p, OFFSET_BEGINNING) for p in range(partitions)])
    values, eof = [], set()
    while len(eof) < partitions:
        m = c.poll(10)
        if m is None:
            result['errors'].append('%s %s: poll timed out' % (target, isolation))
            break
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof.add(m.partition())
            else:
                result['errors'].append(str(m.error()))
            continue
        values.append(m.value().decode())
    c.close()
    return values


# Consume-transform-produce: the committed input, upper-cased, with the input offsets in the transaction.
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False,
                     'isolation.level': 'read_committed', 'auto.offset.reset': 'earliest'})
consumer.subscribe([topic])
seen = []
while len(seen) < 2 * count:
    m = consumer.poll(10)
    if m is None:
        result['errors'].append('group consumer: poll timed out after %d' % len(seen))
        break
    if m.error():
        result['errors'].append(str(m.error()))
        continue
    seen.append(m)
result['transform_input'] = sorted(m.value().decode() for m in seen)

producer.begin_transaction()
for m in seen:
    producer.produce(out_topic, key=m.key(), value=m.value().decode().upper().encode(), partition=m.partition())
positions = consumer.position(consumer.assignment())
producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 20)
producer.commit_transaction(20)
result['transform_positions'] = {str(p.partition): p.offset for p in positions}

# A second transform transaction that is aborted: neither its records nor its offsets count.
producer.begin_transaction()
producer.produce(out_topic, value=b'NEVER', partition=0)
producer.send_offsets_to_transaction([TopicPartition(topic, p, 999999) for p in range(partitions)],
                                     consumer.consumer_group_metadata(), 20)
producer.flush(20)
producer.abort_transaction(20)
committed = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=15)
result['group_committed'] = {str(p.partition): p.offset for p in committed}
consumer.close()

result['read_committed'] = read_all(topic, 'read_committed')
result['read_uncommitted'] = read_all(topic, 'read_uncommitted')
result['out_read_committed'] = read_all(out_topic, 'read_committed')
result['out_read_uncommitted'] = read_all(out_topic, 'read_uncommitted')

# A fenced producer: a second producer with the same transactional.id makes the first one fail.
zombie_err = None
newer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': topic + '-txn'})
newer.init_transactions(20)
try:
    producer.begin_transaction()
    producer.produce(topic, value=b'zombie', partition=0)
    producer.commit_transaction(20)
except KafkaException as e:
    zombie_err = e.args[0].name() if e.args else str(e)
result['zombie_error'] = zombie_err
newer.begin_transaction()
newer.produce(topic, value=b'newer', partition=0)
newer.commit_transaction(20)
result['after_fence'] = [v for v in read_all(topic, 'read_committed') if v in ('zombie', 'newer')]

print(json.dumps(result))
