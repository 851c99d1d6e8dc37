// The HTTP listener of metrics.listener: GET /metrics (Prometheus text format), GET /healthz (the
// process is alive: always 200) and GET /readyz (200 once recovery is done and the listeners are
// open, 503 before). Served by uWebSockets.js (@trufflesuite/uws-js-unofficial) when its native
// binary loads; that package falls back on its own to a slow JavaScript imitation with only a
// console warning, so the binary is checked here (a native App), and without it the listener is
// node:http, with one warning line that says why.
import { createRequire } from 'node:module';
import http from 'node:http';
import type { HttpResponse, TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import type { HttpListener } from '../config/index.js';
import type { Logger } from '../log.js';

export interface HttpAnswer { status: number; contentType: string; body: string }

/** What the routes answer; /metrics may take a moment (it asks the shard workers). */
export interface HttpRoutes {
  metrics(): Promise<HttpAnswer>;
  healthz(): HttpAnswer;
  readyz(): HttpAnswer;
}

export interface HttpServer {
  /** http://host:port as bound (the real port when 0 was asked for). */
  readonly url: string;
  readonly server: 'uWebSockets.js' | 'node:http';
  close(): Promise<void>;
}

type Uws = typeof import('@trufflesuite/uws-js-unofficial');

const STATUS_TEXT: Record<number, string> = { 200: '200 OK', 404: '404 Not Found', 500: '500 Internal Server Error', 503: '503 Service Unavailable' };
const NOT_FOUND: HttpAnswer = { status: 404, contentType: 'text/plain; charset=utf-8', body: 'not found: GET /metrics, /healthz or /readyz\n' };
/** libus's LIBUS_LISTEN_EXCLUSIVE_PORT: no SO_REUSEPORT, so a port in use is an error, not shared. */
const EXCLUSIVE_PORT = 1;

/**
 * The uWebSockets.js module if its native binary loaded; else why not. The package's own
 * messages on the way (console.warn/log) are caught and become the reason.
 */
export function loadNativeUws(): { uws: Uws } | { problem: string } {
  const said: string[] = [];
  const { warn, log } = console;
  console.warn = console.log = (...args: unknown[]): void => { said.push(args.map(String).join(' ')); };
  let uws: Uws;
  try {
    uws = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial') as Uws;
  } catch (err) {
    return { problem: String(err) };
  } finally {
    console.warn = warn;
    console.log = log;
  }
  if (typeof uws.App === 'function' && Function.prototype.toString.call(uws.App).includes('[native code]')) return { uws };
  const why = said.join(' ').replace(/\s+/g, ' ').trim();
  return { problem: why === '' ? 'the package loaded its JavaScript fallback' : why };
}

function answerFor(routes: HttpRoutes, path: string): HttpAnswer | Promise<HttpAnswer> {
  switch (path) {
    case '/metrics': return routes.metrics();
    case '/healthz': return routes.healthz();
    case '/readyz': return routes.readyz();
    default: return NOT_FOUND;
  }
}

function failed(err: unknown): HttpAnswer {
  return { status: 500, contentType: 'text/plain; charset=utf-8', body: `${String(err)}\n` };
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function openHttpListener(listener: HttpListener, routes: HttpRoutes, log: Logger): Promise<HttpServer> {
  const loaded = loadNativeUws();
  if ('uws' in loaded) return listenUws(loaded.uws, listener, routes);
  log.warn({ problem: loaded.problem }, 'uWebSockets.js native binary did not load; the metrics listener falls back to node:http');
  return listenNode(listener, routes);
}

function listenUws(uws: Uws, { host, port }: HttpListener, routes: HttpRoutes): Promise<HttpServer> {
  const app: TemplatedApp = uws.App();
  const send = (res: HttpResponse, a: HttpAnswer): void => {
    res.cork(() => {
      res.writeStatus(STATUS_TEXT[a.status] ?? String(a.status)).writeHeader('Content-Type', a.contentType).end(a.body);
    });
  };
  app.any('/*', (res, req) => {
    const path = req.getUrl();
    const answer = req.getMethod() === 'get' ? answerFor(routes, path) : NOT_FOUND;
    if (!(answer instanceof Promise)) {
      send(res, answer);
      return;
    }
    // Answered later: uWS must be told, and must not be written to once the client has gone.
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    answer.catch(failed).then((a) => { if (!aborted) send(res, a); });
  });
  return new Promise((resolve, reject) => {
    const listen = app.listen as unknown as (host: string, port: number, options: number, cb: (s: us_listen_socket | false) => void) => void;
    listen.call(app, host, port, EXCLUSIVE_PORT, (socket) => {
      if (socket === false) {
        reject(new Error(`metrics.listener: could not listen on ${urlOf(host, port)} (address in use or not available)`));
        return;
      }
      resolve({
        url: urlOf(host, uws.us_socket_local_port(socket)),
        server: 'uWebSockets.js',
        close: async () => uws.us_listen_socket_close(socket),
      });
    });
  });
}

function listenNode({ host, port }: HttpListener, routes: HttpRoutes): Promise<HttpServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const send = (a: HttpAnswer): void => {
      res.writeHead(a.status, { 'Content-Type': a.contentType }).end(a.body);
    };
    const answer = req.method === 'GET' ? answerFor(routes, path) : NOT_FOUND;
    if (answer instanceof Promise) answer.catch(failed).then(send);
    else send(answer);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`metrics.listener: could not listen on ${urlOf(host, port)}: ${err.message}`)));
    server.listen({ host, port }, () => {
      const a = server.address() as import('node:net').AddressInfo;
      resolve({
        url: urlOf(host, a.port),
        server: 'node:http',
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
