#!/usr/bin/env python3
"""confluent-kafka-python (librdkafka 2.0.2) consumer groups against Samsa, in four modes:

run BOOTSTRAP TOPIC GROUP PARTITIONS FIRST COUNT COMMIT
    One group member: reads the group's committed offsets from outside (committed() without a
    subscription) and the group from AdminClient.list_groups, produces messages FIRST..FIRST+COUNT-1
    (message i to partition i % PARTITIONS), subscribes, consumes until it has them all (then polls a
    little longer for anything extra), commits (COMMIT 'sync': commit(asynchronous=False); 'auto':
    enable.auto.commit with a short interval and the commit on close), describes the group while a
    member, closes, and reads the group and the committed offsets again.
pair BOOTSTRAP TOPIC GROUP PARTITIONS STRATEGY COUNT
    Two members of one group in this process with partition.assignment.strategy STRATEGY (range,
    roundrobin: eager; cooperative-sticky: incremental). c1 alone reads COUNT messages; c2 joins
    while messages keep coming; both read until the partitions are split and COUNT more arrived;
    c2 closes (leaves) while messages keep coming; c1 reads until it has every partition and COUNT
    more arrived. Each message is committed as it is read, and what a member gives up in on_revoke
    is committed there, so every message should be read exactly once. The rebalance callbacks call
    assign/unassign (eager) or incremental_assign/incremental_unassign (cooperative) themselves.
member BOOTSTRAP TOPIC GROUP PARTITIONS
    A member with session.timeout.ms=3000 that prints one JSON line per assignment change and per
    message read, and polls until it is killed (or 90 s pass).
survivor BOOTSTRAP TOPIC GROUP PARTITIONS VICTIM_PID COUNT
    Joins the member's group, waits for a split, produces COUNT messages, SIGKILLs the member, produces
    COUNT more, and reads until it has every partition and all of those: the broker must expire the
    killed member after its session timeout and rebalance. The kill comes once the group's
    committed offsets show that the member read and committed its share of the first COUNT.

run, pair and survivor print one JSON object on the last line of stdout. RDKAFKA_DEBUG=cgrp,...
in the environment turns on librdkafka's debug log (on stderr).
"""
import json
import os
import signal
import struct
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

PHASE = ['']
T0 = time.monotonic()


def now_ms():
    return int((time.monotonic() - T0) * 1000)


def error_code(exc):
    err = exc.args[0] if exc.args else None
    return err.code() if isinstance(err, KafkaError) else str(exc)


def ensure_topic(bootstrap, topic, partitions):
    """Creates the topic; answers None, or the error code (36 when it already exists)."""
    admin = AdminClient({'bootstrap.servers': bootstrap})
    fs = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                             operation_timeout=10, request_timeout=15)
    try:
        fs[topic].result(timeout=15)
        return None
    except KafkaException as e:
        return error_code(e)


def read_string(b, o):
    n = struct.unpack_from('>h', b, o)[0]
    return b[o + 2:o + 2 + n].decode(), o + 2 + n


def decode_subscription(b):
    """ConsumerProtocolSubscription: version, topics, user data (v1+: owned partitions)."""
    if not b:
        return None
    o = 2
    n = struct.unpack_from('>i', b, o)[0]
    o += 4
    topics = []
    for _ in range(n):
        name, o = read_string(b, o)
        topics.append(name)
    return sorted(topics)


def decode_assignment(b):
    """ConsumerProtocolAssignment: version, [topic, [partition]], user data."""
    if not b:
        return None
    o = 2
    n = struct.unpack_from('>i', b, o)[0]
    o += 4
    topics = {}
    for _ in range(n):
        name, o = read_string(b, o)
        k = struct.unpack_from('>i', b, o)[0]
        o += 4
        topics[name] = sorted(struct.unpack_from('>%di' % k, b, o)) if k > 0 else []
        o += 4 * max(k, 0)
    return topics


def describe_groups(bootstrap, group):
    """AdminClient.list_groups: every group (ListGroups), and the one named (DescribeGroups)."""
    admin = AdminClient({'bootstrap.servers': bootstrap})
    out = {}
    try:
        out['all'] = sorted(g.id for g in admin.list_groups(timeout=15))
        found = admin.list_groups(group=group, timeout=15)
    except KafkaException as e:
        out['error'] = str(e)
        return out
    out['described'] = [{
        'id': g.id, 'error': None if g.error is None else g.error.code(), 'state': g.state,
        'protocol_type': g.protocol_type, 'protocol': g.protocol,
        'members': sorted(({'id': m.id, 'client_id': m.client_id, 'client_host': m.client_host,
                            'subscription': decode_subscription(m.metadata),
                            'assignment': decode_assignment(m.assignment)} for m in g.members),
                          key=lambda m: m['client_id']),
    } for g in found]
    return out


def committed_from_outside(bootstrap, group, topic, partitions):
    """The group's committed offsets, read by a consumer of the group that never subscribes."""
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False})
    try:
        tps = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=15)
        return {str(tp.partition): tp.offset for tp in tps}
    finally:
        c.close()


class Sender:
    """Produces message i ('v-i', key 'k-i') to partition i % partitions; remembers where each went."""

    def __init__(self, bootstrap, topic, partitions, first=0):
        self.topic, self.partitions, self.next = topic, partitions, first
        self.sent = []
        self.delivered = {}
        self.errors = []
        self.producer = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 0, 'acks': 'all',
                                  'enable.idempotence': False})

    def on_delivery(self, err, msg):
        if err is not None:
            self.errors.append(str(err))
        else:
            self.delivered[msg.value().decode()] = [msg.partition(), msg.offset()]

    def send_one(self):
        i = self.next
        self.next += 1
        self.sent.append(i)
        self.producer.produce(self.topic, key=b'k-%d' % i, value=b'v-%d' % i, partition=i % self.partitions,
                              on_delivery=self.on_delivery)
        self.producer.poll(0)

    def send(self, count):
        for _ in range(count):
            self.send_one()
        return self.flush()

    def flush(self):
        return self.producer.flush(15)

    def end_offsets(self):
        ends = {str(p): 0 for p in range(self.partitions)}
        for partition, offset in self.delivered.values():
            ends[str(partition)] = max(ends[str(partition)], offset + 1)
        return ends


class Member:
    """A group member that records its rebalance events, what it reads and its commit errors.
    commit: 'sync' commits each message as it is read and, in on_revoke, what it gives up; 'auto' is
    enable.auto.commit; 'end' leaves committing to the caller."""

    def __init__(self, name, bootstrap, group, topic, strategy='range', commit='sync', extra=None, on_event=None):
        self.name, self.topic, self.commit = name, topic, commit
        self.cooperative = strategy == 'cooperative-sticky'
        self.events, self.consumed, self.errors = [], [], []
        self.commit_errors, self.revoke_commit_errors = [], []
        self.next_offsets = {}
        self.on_event = on_event
        conf = {'bootstrap.servers': bootstrap, 'group.id': group, 'client.id': name,
                'partition.assignment.strategy': strategy, 'auto.offset.reset': 'earliest',
                'enable.auto.commit': commit == 'auto', 'auto.commit.interval.ms': 200,
                'heartbeat.interval.ms': 500, 'session.timeout.ms': 10000, 'fetch.wait.max.ms': 100,
                'error_cb': lambda err: self.errors.append(str(err))}
        if os.environ.get('RDKAFKA_DEBUG'):
            conf['debug'] = os.environ['RDKAFKA_DEBUG']
        conf.update(extra or {})
        self.consumer = Consumer(conf)

    def subscribe(self):
        self.consumer.subscribe([self.topic], on_assign=self.on_assign, on_revoke=self.on_revoke, on_lost=self.on_lost)

    def record(self, event, parts):
        e = {'event': event, 'partitions': sorted(tp.partition for tp in parts), 'phase': PHASE[0], 'at_ms': now_ms()}
        self.events.append(e)
        return e

    def on_assign(self, consumer, parts):
        e = self.record('assign', parts)
        if self.cooperative:
            consumer.incremental_assign(parts)
        else:
            consumer.assign(parts)
        e['assignment'] = self.assignment()
        if self.on_event:
            self.on_event(e)

    def on_revoke(self, consumer, parts):
        e = self.record('revoke', parts)
        # Commit what was read from the partitions given up (a per-message commit may have met a
        # rebalance in progress), so that their next owner starts after it.
        if self.commit == 'sync':
            mine = [TopicPartition(self.topic, tp.partition, self.next_offsets[tp.partition])
                    for tp in parts if tp.partition in self.next_offsets]
            if mine:
                try:
                    for tp in consumer.commit(offsets=mine, asynchronous=False) or []:
                        if tp.error is not None:
                            self.revoke_commit_errors.append([tp.partition, tp.error.code()])
                except KafkaException as ex:
                    self.revoke_commit_errors.append(['all', error_code(ex)])
        if self.cooperative:
            consumer.incremental_unassign(parts)
        else:
            consumer.unassign()
        e['assignment'] = self.assignment()
        if self.on_event:
            self.on_event(e)

    def on_lost(self, consumer, parts):
        e = self.record('lost', parts)
        if self.cooperative:
            consumer.incremental_unassign(parts)
        else:
            consumer.unassign()
        if self.on_event:
            self.on_event(e)

    def assignment(self):
        try:
            return sorted(tp.partition for tp in self.consumer.assignment())
        except KafkaException as e:  # _DESTROY: asked from on_revoke while closing
            if error_code(e) != KafkaError._DESTROY:
                raise
            return None

    def poll(self, timeout):
        msg = self.consumer.poll(timeout)
        if msg is None:
            return None
        if msg.error() is not None:
            if msg.error().code() != KafkaError._PARTITION_EOF:
                self.errors.append(str(msg.error()))
            return None
        c = {'partition': msg.partition(), 'offset': msg.offset(), 'value': msg.value().decode(), 'phase': PHASE[0]}
        self.consumed.append(c)
        self.next_offsets[msg.partition()] = msg.offset() + 1
        if self.commit == 'sync':
            c['committed'] = True
            try:
                for tp in self.consumer.commit(message=msg, asynchronous=False) or []:
                    if tp.error is not None:
                        self.commit_errors.append([tp.partition, tp.error.code()])
                        c['committed'] = False
            except KafkaException as ex:
                self.commit_errors.append([msg.partition(), error_code(ex)])
                c['committed'] = False
        if self.on_event:
            self.on_event(dict(c, event='consumed'))
        return c

    def committed(self, partitions):
        return {str(tp.partition): tp.offset for tp in self.consumer.committed(
            [TopicPartition(self.topic, p) for p in partitions], timeout=15)}

    def close(self):
        self.consumer.close()

    def report(self):
        return {'events': self.events, 'consumed': self.consumed, 'errors': self.errors,
                'commit_errors': self.commit_errors, 'revoke_commit_errors': self.revoke_commit_errors}


def values(members):
    return {c['value'] for m in members for c in m.consumed}


def poll_until(members, done, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        for m in members:
            m.poll(0.05)
        if done():
            return True
    return False


def poll_for(members, seconds):
    poll_until(members, lambda: False, seconds)


def run_single(bootstrap, topic, group, partitions, first, count, commit):
    result = {'create': ensure_topic(bootstrap, topic, partitions)}
    result['committed_before'] = committed_from_outside(bootstrap, group, topic, partitions)
    result['group_before'] = describe_groups(bootstrap, group)
    sender = Sender(bootstrap, topic, partitions, first)
    result['unflushed'] = sender.send(count)
    result['delivered'] = sender.delivered
    # 'sync' here is one commit(asynchronous=False) once everything is read ('end' to Member).
    m = Member('samsa-single', bootstrap, group, topic, commit='end' if commit == 'sync' else commit)
    m.subscribe()
    wanted = {'v-%d' % i for i in range(first, first + count)}
    result['consumed_all'] = poll_until([m], lambda: wanted <= values([m]), 30)
    PHASE[0] = 'extra'
    poll_for([m], 1.5)  # Anything re-delivered or extra would show up now.
    if commit == 'sync':
        try:
            result['commit'] = sorted([tp.partition, tp.offset, None if tp.error is None else tp.error.code()]
                                      for tp in m.consumer.commit(asynchronous=False))
        except KafkaException as e:
            result['commit'] = error_code(e)
    result['assignment'] = m.assignment()
    result['position'] = {str(tp.partition): tp.offset for tp in m.consumer.position(
        [TopicPartition(topic, p) for p in range(partitions)])}
    # Auto-commit runs on a timer: wait until it has caught up with the position.
    poll_until([m], lambda: m.committed(range(partitions)) == result['position'], 15)
    result['committed_while_member'] = m.committed(range(partitions))
    result['group_while_member'] = describe_groups(bootstrap, group)
    m.close()
    result['member'] = m.report()
    result['group_after'] = describe_groups(bootstrap, group)
    result['committed_after'] = committed_from_outside(bootstrap, group, topic, partitions)
    return result


def run_pair(bootstrap, topic, group, partitions, strategy, count):
    result = {'create': ensure_topic(bootstrap, topic, partitions)}
    every = list(range(partitions))
    sender = Sender(bootstrap, topic, partitions)
    c1 = Member('c1', bootstrap, group, topic, strategy=strategy)
    c2 = Member('c2', bootstrap, group, topic, strategy=strategy)

    PHASE[0] = 'alone'
    sender.send(count)
    c1.subscribe()
    result['alone_ok'] = poll_until([c1], lambda: c1.assignment() == every and values([c1]) >= {'v-%d' % i for i in sender.sent}, 30)
    result['alone_assignment'] = c1.assignment()

    def split():
        a, b = c1.assignment(), c2.assignment()
        return bool(a) and bool(b) and not set(a) & set(b) and sorted(a + b) == every

    def everything_read():
        return sender.flush() == 0 and values([c1, c2]) >= {'v-%d' % i for i in sender.sent}

    # c2 joins while a message a round keeps arriving; once the partitions are split, COUNT more.
    PHASE[0] = 'join'
    c2.subscribe()
    split_at = None
    deadline = time.time() + 45
    while time.time() < deadline:
        if split_at is None or sender.next < split_at + count:
            sender.send_one()
        elif everything_read():
            break
        c1.poll(0.05)
        c2.poll(0.05)
        if split_at is None and split():
            split_at = sender.next
            PHASE[0] = 'split'
    result['split_ok'] = split_at is not None
    result['split_assignment'] = {'c1': c1.assignment(), 'c2': c2.assignment()}
    result['group_split'] = describe_groups(bootstrap, group)

    # c2 leaves (its on_revoke commits) while messages keep coming; c1 takes every partition.
    PHASE[0] = 'leave'
    sender.send_one()
    c2.close()
    whole_at = None
    deadline = time.time() + 45
    while time.time() < deadline:
        if whole_at is None or sender.next < whole_at + count:
            sender.send_one()
        elif everything_read():
            break
        c1.poll(0.05)
        if whole_at is None and c1.assignment() == every:
            whole_at = sender.next
            PHASE[0] = 'whole'
    result['whole_ok'] = whole_at is not None
    result['whole_assignment'] = c1.assignment()
    PHASE[0] = 'extra'
    poll_for([c1], 1.0)
    c1.close()
    result['unflushed'] = sender.flush()
    result['sent'] = len(sender.sent)
    result['produce_errors'] = sender.errors
    result['delivered'] = sender.delivered
    result['end_offsets'] = sender.end_offsets()
    result['c1'] = c1.report()
    result['c2'] = c2.report()
    result['committed_after'] = committed_from_outside(bootstrap, group, topic, partitions)
    return result


def run_member(bootstrap, topic, group, partitions):
    ensure_topic(bootstrap, topic, partitions)

    def emit(e):
        print(json.dumps(e), flush=True)

    m = Member('victim', bootstrap, group, topic, on_event=emit,
               extra={'session.timeout.ms': 3000, 'heartbeat.interval.ms': 500})
    m.subscribe()
    emit({'event': 'subscribed', 'pid': os.getpid()})
    poll_for([m], 90)
    m.close()


def run_survivor(bootstrap, topic, group, partitions, victim_pid, count):
    every = list(range(partitions))
    result = {}
    sender = Sender(bootstrap, topic, partitions)
    s = Member('survivor', bootstrap, group, topic, extra={'session.timeout.ms': 3000, 'heartbeat.interval.ms': 500})
    s.subscribe()
    PHASE[0] = 'join'
    result['split_ok'] = poll_until([s], lambda: 0 < len(s.assignment()) < partitions, 30)
    result['split_assignment'] = s.assignment()
    PHASE[0] = 'before-kill'
    result['unflushed_before'] = sender.send(count)
    # The victim reads and commits its share meanwhile: wait until the group's committed offsets
    # of every partition reach the end, so that the kill comes after the victim's commits.
    ends = sender.end_offsets()
    result['before_committed'] = poll_until([s], lambda: s.committed(every) == ends, 30)
    os.kill(victim_pid, signal.SIGKILL)
    killed_at = now_ms()
    PHASE[0] = 'after-kill'
    result['unflushed_after'] = sender.send(count)
    after = {'v-%d' % i for i in range(count, 2 * count)}
    whole = [None]

    def done():
        if whole[0] is None and s.assignment() == every:
            whole[0] = now_ms()
        return whole[0] is not None and after <= values([s])
    result['whole_ok'] = poll_until([s], done, 45)
    result['whole_assignment'] = s.assignment()
    result['ms_kill_to_whole'] = None if whole[0] is None else whole[0] - killed_at
    result['killed_at_ms'] = killed_at
    PHASE[0] = 'extra'
    poll_for([s], 1.0)
    s.close()
    result['delivered'] = sender.delivered
    result['survivor'] = s.report()
    result['group_after'] = describe_groups(bootstrap, group)
    return result


mode, args = sys.argv[1], sys.argv[2:]
if mode == 'run':
    out = run_single(args[0], args[1], args[2], int(args[3]), int(args[4]), int(args[5]), args[6])
elif mode == 'pair':
    out = run_pair(args[0], args[1], args[2], int(args[3]), args[4], int(args[5]))
elif mode == 'member':
    run_member(args[0], args[1], args[2], int(args[3]))
    sys.exit(0)
elif mode == 'survivor':
    out = run_survivor(args[0], args[1], args[2], int(args[3]), int(args[4]), int(args[5]))
else:
    sys.exit('unknown mode ' + mode)
print(json.dumps(out))
