// Api key + version -> handler. The same registry answers ApiVersions, so what is advertised is
// exactly what is served. Decodes the request header and body, runs the handler, encodes the
// response with the right header version. A request that cannot be decoded closes the
// connection; a handler's failure is logged with its request context and closes the connection
// too: exceptions never cross the wire.
import type { Broker } from '../broker.js';
import { firstErrorCode } from '../metrics/requests.js';
import { decodeMessage, encodeMessage, type Message } from '../protocol/codec.js';
import { ErrorCode } from '../protocol/errors.js';
import { decodeRequestHeader, encodeResponseHeader, responseHeaderVersion, type RequestHeader } from '../protocol/headers.js';
import { API_MESSAGES, ApiKey, type ApiMessages } from '../protocol/messages/index.js';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { CLOSE, type Connection, type Frame, type Reply } from './connection.js';

export interface RequestContext {
  header: RequestHeader;
  conn: Connection;
  frame: Frame;
  broker: Broker;
}

export interface ApiHandler {
  apiKey: number;
  /** The versions served. */
  minVersion: number;
  maxVersion: number;
  /**
   * Answers the response body, null for no response at all (Produce with acks=0), or CLOSE (from
   * conn.reject) to close the connection there.
   */
  handle(ctx: RequestContext, request: Message): Promise<Message | null | typeof CLOSE> | Message | null | typeof CLOSE;
}

export interface ApiVersionRange { apiKey: number; minVersion: number; maxVersion: number }

export class Dispatcher {
  private readonly handlers = new Map<number, { handler: ApiHandler; messages: ApiMessages }>();

  constructor(handlers: ApiHandler[], private readonly broker: Broker) {
    for (const handler of handlers) {
      const messages = API_MESSAGES.get(handler.apiKey);
      if (messages === undefined) throw new Error(`no message declaration for api key ${handler.apiKey}`);
      this.handlers.set(handler.apiKey, { handler, messages });
    }
  }

  /** The advertised ranges, by api key. */
  apiVersions(): ApiVersionRange[] {
    return [...this.handlers.values()]
      .map(({ handler: h }) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  readonly dispatch = async (conn: Connection, frame: Frame): Promise<Reply> => {
    // Metrics: which api and version, and how it ended (0, the response's first error, or why it was refused).
    const requests = this.broker.metrics.requests;
    const started = performance.now();
    let stats = requests.unknown;
    let error: number = ErrorCode.INVALID_REQUEST;
    requests.inFlight++;
    try {
      const reader = new Reader(frame.buf);
      let header: RequestHeader;
      try {
        header = decodeRequestHeader(reader);
      } catch (err) {
        // An ApiVersions request of a version this broker does not know needs nothing past its
        // correlation id to be answered: a client may frame its header and body as it likes.
        const prefix = frame.buf.length >= 8 ? { apiKey: frame.buf.readInt16BE(0), apiVersion: frame.buf.readInt16BE(2), correlationId: frame.buf.readInt32BE(4), clientId: null } : null;
        if (prefix !== null && prefix.apiKey === ApiKey.ApiVersions && !this.serves(prefix.apiKey, prefix.apiVersion)) {
          stats = requests.stats(prefix.apiKey, 'ApiVersions', prefix.apiVersion, false);
          error = ErrorCode.UNSUPPORTED_VERSION;
          return this.unsupportedApiVersions(prefix);
        }
        return conn.reject('malformed request header', { err: String(err) });
      }
      const entry = this.handlers.get(header.apiKey);
      if (entry === undefined) {
        return conn.reject(`unknown or unserved api key ${header.apiKey}`, { header });
      }
      const { handler, messages } = entry;
      if (!this.serves(header.apiKey, header.apiVersion)) {
        stats = requests.stats(header.apiKey, messages.name, header.apiVersion, false);
        error = ErrorCode.UNSUPPORTED_VERSION;
        if (header.apiKey === ApiKey.ApiVersions) return this.unsupportedApiVersions(header);
        return conn.reject(`unsupported version ${header.apiVersion} of ${messages.name} (serves ${handler.minVersion}-${handler.maxVersion})`, { header });
      }
      stats = requests.stats(header.apiKey, messages.name, header.apiVersion, true);
      let request: Message;
      try {
        request = decodeMessage(messages.request, header.apiVersion, reader);
      } catch (err) {
        return conn.reject(`malformed ${messages.name} v${header.apiVersion} request body`, { header, err: String(err) });
      }
      let response: Message | null | typeof CLOSE;
      try {
        response = await handler.handle({ header, conn, frame, broker: this.broker }, request);
      } catch (err) {
        error = ErrorCode.UNKNOWN_SERVER_ERROR;
        conn.log.error({ err, header, api: messages.name }, 'request handler failed; closing connection');
        return conn.reject('the request could not be handled');
      }
      if (response === CLOSE) return CLOSE;
      error = firstErrorCode(response);
      if (response === null || conn.closed) return null;
      return encodeResponse(messages, header, response);
    } finally {
      requests.inFlight--;
      requests.done(stats, started, error);
    }
  };

  private serves(apiKey: number, apiVersion: number): boolean {
    const entry = this.handlers.get(apiKey);
    return entry !== undefined && apiVersion >= entry.handler.minVersion && apiVersion <= entry.handler.maxVersion;
  }

  /** Error 35 with the broker's ranges, in the v0 layout the client can always read. */
  private unsupportedApiVersions(header: RequestHeader): Reply {
    const messages = this.handlers.get(ApiKey.ApiVersions)!.messages;
    return encodeResponse(messages, { ...header, apiVersion: 0 }, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: this.apiVersions() });
  }
}

export function encodeResponse(messages: ApiMessages, header: RequestHeader, response: Message): Buffer[] {
  const w = new Writer();
  encodeResponseHeader(w, header.correlationId, responseHeaderVersion(header.apiKey, header.apiVersion));
  encodeMessage(messages.response, header.apiVersion, response, w);
  return w.toChunks();
}
