"""What the confluent-kafka-python test scripts share."""
from confluent_kafka import KafkaError


def error_of(future):
    """None when an AdminClient future succeeds; else the Kafka error code and text."""
    try:
        future.result(timeout=15)
        return None
    except Exception as e:  # KafkaException wrapping a KafkaError
        err = e.args[0] if e.args else None
        return {'code': err.code() if isinstance(err, KafkaError) else None, 'str': str(e)}
