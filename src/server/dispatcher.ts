// Api key + version -> handler. The same registry answers ApiVersions, so what is advertised is
// exactly what is served. Decodes the request header and body, runs the handler, encodes the
// response with the right header version. A request that cannot be decoded closes the
// connection; a handler's failure is logged with its request context and closes the connection
// too: exceptions never cross the wire. A handler is declared with handler('<Api>', ...), which
// types its request and response by the API's generated message types.
import { firstErrorCode, type RequestMetrics } from '../metrics/requests.js';
import { decodeMessage, encodeMessage, type Message } from '../protocol/codec.js';
import { ErrorCode } from '../protocol/errors.js';
import { decodeRequestHeader, encodeResponseHeader, responseHeaderVersion, type RequestHeader } from '../protocol/headers.js';
import { API_MESSAGES, ApiKey, type ApiData, type ApiMessages, type Decoded } from '../protocol/messages/index.js';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { CLOSE, type Reply } from './connection.js';
import type { ApiVersionRange, BrokerServices, ClientConnection, RequestContext } from './context.js';
import type { FrameMemory } from './frame-pool.js';
import type { HandlerMemory } from './request-memory.js';

export type { ApiVersionRange, RequestContext } from './context.js';

/** An API by its Kafka name (the keys of ApiKey). */
export type ApiName = keyof ApiData;
/** The request a handler of that API gets: decoded, every field there (see Decoded). */
export type RequestOf<N extends ApiName> = Decoded<ApiData[N]['request']>;
export type ResponseOf<N extends ApiName> = ApiData[N]['response'];

type Answer<Res> = Res | null | typeof CLOSE;

export interface ApiHandler<Req, Res> {
  apiKey: number;
  /** The versions served. */
  minVersion: number;
  maxVersion: number;
  /**
   * Answers the response body, null for no response at all (Produce with acks=0), or CLOSE (from
   * conn.reject) to close the connection there.
   */
  handle(ctx: RequestContext, request: Req): Promise<Answer<Res>> | Answer<Res>;
}

/** Declares the handler of one API: its request and response are that API's generated types. */
export function handler<N extends ApiName>(
  api: N, spec: Omit<ApiHandler<RequestOf<N>, ResponseOf<N>>, 'apiKey'>,
): ApiHandler<RequestOf<N>, ResponseOf<N>> {
  return { apiKey: ApiKey[api], ...spec };
}

/** The handler of some API, as the registry holds them. */
export type AnyApiHandler = { [N in ApiName]: ApiHandler<RequestOf<N>, ResponseOf<N>> }[ApiName];

export class Dispatcher {
  private readonly handlers = new Map<number, { handler: AnyApiHandler; messages: ApiMessages }>();

  /** services: what every handler may reach (see context.ts); requests: the main thread's request metrics. */
  constructor(handlers: readonly AnyApiHandler[], private readonly services: BrokerServices, private readonly requests: RequestMetrics) {
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

  readonly dispatch = async (conn: ClientConnection, memory: HandlerMemory & { readonly frame: FrameMemory }): Promise<Reply> => {
    // Metrics: which api and version, and how it ended (0, the response's first error, or why it was refused).
    const requests = this.requests;
    const started = performance.now();
    let stats = requests.unknown;
    let error: number = ErrorCode.INVALID_REQUEST;
    requests.inFlight++;
    try {
      const frame = memory.frame;
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
        const ctx = requestContext(this.services, header, conn, memory);
        // The one untyped step: the registry pairs each handler with its API's schema (by api key),
        // so the request decoded by that schema is the handler's request type.
        response = await handler.handle(ctx, request as never);
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

/**
 * A request's context: its own fields over the broker's services as the prototype, so that a
 * request costs one small object, not a copy of every service.
 */
function requestContext(services: BrokerServices, header: RequestHeader, conn: ClientConnection, memory: HandlerMemory & { readonly frame: FrameMemory }): RequestContext {
  const ctx = Object.create(services) as { -readonly [K in keyof RequestContext]: RequestContext[K] };
  ctx.header = header;
  ctx.conn = conn;
  ctx.frame = memory.frame;
  ctx.memory = memory;
  return ctx;
}

export function encodeResponse(messages: ApiMessages, header: RequestHeader, response: Message): Buffer[] {
  const w = new Writer();
  encodeResponseHeader(w, header.correlationId, responseHeaderVersion(header.apiKey, header.apiVersion));
  encodeMessage(messages.response, header.apiVersion, response, w);
  return w.toChunks();
}
