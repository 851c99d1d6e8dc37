// The error thrown when bytes on the wire do not form a valid Kafka message: truncated frames,
// negative or oversized lengths, bad varints, null where the protocol forbids it. The server turns
// it into a closed connection with a log line; it never crosses the wire as a response.

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code = 'ERR_KAFKA_PROTOCOL';
}
