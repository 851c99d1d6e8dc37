#!/usr/bin/env python3
"""kafka-python 2.0.2 consumer groups against Samsa (broker version auto-detected), in two modes:

run BOOTSTRAP TOPIC GROUP PARTITIONS FIRST COUNT
    Creates the topic (KafkaAdminClient; already existing is fine), reads the group's committed
    offsets (KafkaConsumer.committed without a subscription), produces messages FIRST..FIRST+COUNT-1
    (message i to partition i % PARTITIONS), subscribes a KafkaConsumer with group_id, reads until
    it has them all (then polls a little longer for anything extra), commits synchronously, reads
    committed() again, lists and describes the group and its offsets with KafkaAdminClient
    (ListGroups, DescribeGroups, OffsetFetch for all partitions), and closes.
pair BOOTSTRAP TOPIC GROUP PARTITIONS STRATEGY COUNT
    Two members of one group, each polled by its own thread (a member rejoins only inside its own
    poll, so one thread for both would stall every rebalance), with the assignor STRATEGY (range,
    roundrobin, sticky). c1 alone reads COUNT messages; c2 joins; once the partitions are split,
    COUNT more are produced and both read them; c2 closes (LeaveGroup) and c1 reads COUNT more with
    every partition. Each poll's records are committed right after it, and on_partitions_revoked
    commits again, so every message should be read exactly once.

Prints one JSON object on the last line of stdout.
"""
import json
import sys
import threading
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.coordinator.assignors.sticky.sticky_assignor import StickyPartitionAssignor
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

ASSIGNORS = {'range': RangePartitionAssignor, 'roundrobin': RoundRobinPartitionAssignor, 'sticky': StickyPartitionAssignor}
PHASE = ['']


def ensure_topic(bootstrap, topic, partitions):
    admin = KafkaAdminClient(bootstrap_servers=[bootstrap], request_timeout_ms=15000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)], timeout_ms=10000)
        return None
    except TopicAlreadyExistsError:
        return 'TopicAlreadyExistsError'
    finally:
        admin.close()


def produce(bootstrap, topic, partitions, first, count):
    """Message i ('v-i', key 'k-i') to partition i % partitions; answers value -> [partition, offset]."""
    producer = KafkaProducer(bootstrap_servers=[bootstrap], acks='all', linger_ms=5, request_timeout_ms=15000)
    futures = [(i, producer.send(topic, key=b'k-%d' % i, value=b'v-%d' % i, partition=i % partitions))
               for i in range(first, first + count)]
    producer.flush(timeout=15)
    delivered = {}
    for i, f in futures:
        md = f.get(timeout=15)
        delivered['v-%d' % i] = [md.partition, md.offset]
    producer.close(timeout=10)
    return delivered


def describe_group(bootstrap, group, topic):
    """The group as KafkaAdminClient sees it: ListGroups, DescribeGroups and OffsetFetch (all partitions)."""
    admin = KafkaAdminClient(bootstrap_servers=[bootstrap], request_timeout_ms=15000)
    try:
        out = {'listed': sorted([g, t] for g, t in admin.list_consumer_groups())}
        try:
            d = admin.describe_consumer_groups([group])[0]
            out['described'] = {
                'error_code': d.error_code, 'group': d.group, 'state': d.state, 'protocol_type': d.protocol_type,
                'protocol': d.protocol,
                'members': sorted(({'client_id': m.client_id, 'client_host': m.client_host,
                                    'subscription': sorted(m.member_metadata.subscription),
                                    'assignment': {t: sorted(ps) for t, ps in m.member_assignment.assignment}}
                                   for m in d.members), key=lambda m: m['client_id']),
            }
        except KafkaError as e:
            out['described'] = {'error': repr(e)}
        offsets = admin.list_consumer_group_offsets(group)
        out['offsets'] = {str(tp.partition): om.offset for tp, om in offsets.items() if tp.topic == topic}
        return out
    finally:
        admin.close()


def new_consumer(bootstrap, group, name, strategy='range'):
    return KafkaConsumer(bootstrap_servers=[bootstrap], group_id=group, client_id=name,
                         auto_offset_reset='earliest', enable_auto_commit=False,
                         partition_assignment_strategy=[ASSIGNORS[strategy]],
                         session_timeout_ms=10000, heartbeat_interval_ms=500, max_poll_interval_ms=30000,
                         fetch_max_wait_ms=100, request_timeout_ms=40000)


def committed(consumer, topic, partitions):
    return {str(p): consumer.committed(TopicPartition(topic, p)) for p in range(partitions)}


def run_single(bootstrap, topic, group, partitions, first, count):
    result = {'create': ensure_topic(bootstrap, topic, partitions)}
    consumer = new_consumer(bootstrap, group, 'samsa-kafka-python-member')
    result['api_version'] = list(consumer.config['api_version'])
    result['committed_before'] = committed(consumer, topic, partitions)
    result['delivered'] = produce(bootstrap, topic, partitions, first, count)
    consumer.subscribe([topic])
    wanted = {'v-%d' % i for i in range(first, first + count)}
    consumed = []
    deadline = time.time() + 30
    extra_until = None
    while time.time() < (deadline if extra_until is None else extra_until):
        for records in consumer.poll(timeout_ms=100).values():
            for r in records:
                consumed.append({'partition': r.partition, 'offset': r.offset, 'value': r.value.decode(), 'phase': PHASE[0]})
        if extra_until is None and wanted <= {c['value'] for c in consumed}:
            PHASE[0] = 'extra'
            extra_until = time.time() + 1.5  # anything re-delivered or extra would show up now
    result['consumed'] = consumed
    result['assignment'] = sorted(tp.partition for tp in consumer.assignment())
    result['position'] = {str(p): consumer.position(TopicPartition(topic, p)) for p in range(partitions)}
    consumer.commit()
    result['committed'] = committed(consumer, topic, partitions)
    result['group_while_member'] = describe_group(bootstrap, group, topic)
    consumer.close(autocommit=False)
    result['group_after'] = describe_group(bootstrap, group, topic)
    return result


class Member(ConsumerRebalanceListener):
    """A group member polled by its own thread; records rebalances, reads and commit errors."""

    def __init__(self, name, bootstrap, group, topic, strategy):
        self.name, self.topic = name, topic
        self.consumer = new_consumer(bootstrap, group, name, strategy)
        self.events, self.consumed, self.commit_errors = [], [], []
        self.next_offsets = {}
        self.lock = threading.Lock()
        self.assigned = []
        self.stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def on_partitions_revoked(self, revoked):
        self.events.append({'event': 'revoke', 'partitions': sorted(tp.partition for tp in revoked), 'phase': PHASE[0]})
        mine = {tp: self.next_offsets[tp.partition] for tp in revoked if tp.partition in self.next_offsets}
        self.commit(mine)
        with self.lock:
            self.assigned = []

    def on_partitions_assigned(self, assigned):
        self.events.append({'event': 'assign', 'partitions': sorted(tp.partition for tp in assigned), 'phase': PHASE[0]})
        with self.lock:
            self.assigned = sorted(tp.partition for tp in assigned)

    def commit(self, offsets):
        if not offsets:
            return
        try:
            self.consumer.commit({tp: OffsetAndMetadata(o, '') for tp, o in offsets.items()})
        except KafkaError as e:
            self.commit_errors.append(repr(e))

    def run(self):
        try:
            self.consumer.subscribe([self.topic], listener=self)
            while not self.stop.is_set():
                batch = {}
                for tp, records in self.consumer.poll(timeout_ms=100).items():
                    for r in records:
                        with self.lock:
                            self.consumed.append({'partition': r.partition, 'offset': r.offset,
                                                  'value': r.value.decode(), 'phase': PHASE[0]})
                        self.next_offsets[r.partition] = r.offset + 1
                        batch[tp] = r.offset + 1
                self.commit(batch)
            self.consumer.close(autocommit=False)
        except Exception as e:  # reported in the JSON; the test fails on it
            self.error = repr(e)

    def assignment(self):
        with self.lock:
            return list(self.assigned)

    def values(self):
        with self.lock:
            return {c['value'] for c in self.consumed}

    def report(self):
        return {'events': self.events, 'consumed': self.consumed, 'commit_errors': self.commit_errors, 'error': self.error}


def wait(condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def run_pair(bootstrap, topic, group, partitions, strategy, count):
    every = list(range(partitions))
    result = {'create': ensure_topic(bootstrap, topic, partitions)}
    delivered = {}
    c1 = Member('c1', bootstrap, group, topic, strategy)
    c2 = Member('c2', bootstrap, group, topic, strategy)

    def read_all(members):
        return lambda: set(delivered) <= set().union(*(m.values() for m in members))

    PHASE[0] = 'alone'
    delivered.update(produce(bootstrap, topic, partitions, 0, count))
    c1.thread.start()
    result['alone_ok'] = wait(lambda: c1.assignment() == every and read_all([c1])(), 30)
    result['alone_assignment'] = c1.assignment()

    PHASE[0] = 'join'
    c2.thread.start()

    def split():
        a, b = c1.assignment(), c2.assignment()
        return bool(a) and bool(b) and not set(a) & set(b) and sorted(a + b) == every
    result['split_ok'] = wait(split, 45)
    result['split_assignment'] = {'c1': c1.assignment(), 'c2': c2.assignment()}
    PHASE[0] = 'split'
    delivered.update(produce(bootstrap, topic, partitions, count, count))
    result['split_read_ok'] = wait(read_all([c1, c2]), 30)
    result['group_split'] = describe_group(bootstrap, group, topic)

    PHASE[0] = 'leave'
    c2.stop.set()
    c2.thread.join(30)
    result['whole_ok'] = wait(lambda: c1.assignment() == every, 45)
    PHASE[0] = 'whole'
    delivered.update(produce(bootstrap, topic, partitions, 2 * count, count))
    result['whole_read_ok'] = wait(read_all([c1, c2]), 30)
    PHASE[0] = 'extra'
    time.sleep(1.0)  # c1 keeps polling: anything re-delivered would show up now
    c1.stop.set()
    c1.thread.join(30)
    result['delivered'] = delivered
    result['c1'] = c1.report()
    result['c2'] = c2.report()
    result['group_after'] = describe_group(bootstrap, group, topic)
    return result


mode, args = sys.argv[1], sys.argv[2:]
if mode == 'run':
    out = run_single(args[0], args[1], args[2], int(args[3]), int(args[4]), int(args[5]))
elif mode == 'pair':
    out = run_pair(args[0], args[1], args[2], int(args[3]), args[4], int(args[5]))
else:
    sys.exit('unknown mode ' + mode)
print(json.dumps(out))
