import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { UserError } from "../../src/core/errors.js";
import { type EtcdConnection, readPrefix } from "../../src/clients/etcd.js";
import { PrefixMirror } from "./prefix-mirror.js";
import { SERVICES_ROOT, composeView, isServiceId, parseKey, parseServiceRecord, serviceKey, type ServiceView } from "./records.js";

/** Server certificate, its key, and the CA that signed the clients' certificates. */
export interface ServerTls {
  ca: string;
  cert: string;
  key: string;
}

export interface ServeOptions {
  etcd: EtcdConnection;
  /** "127.0.0.1:8479", "[::1]:8479", "0.0.0.0:8479" (TLS only), or a port alone (127.0.0.1). */
  listen: string;
  /** Serve only this project's services; null: every project. */
  project?: string | null;
  /** HTTPS with client-certificate authentication; without it only a loopback address is allowed. */
  tls?: ServerTls | null;
  /** Comment line sent on idle streams so that proxies keep them and dead clients are noticed. */
  heartbeatMs?: number;
  log(message: string): void;
}

export interface DiscoveryServer {
  /** "https://127.0.0.1:8479" */
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_DISCOVERY_LISTEN = "127.0.0.1:8479";

/**
 * `berth discovery serve`: the article's discovery API over the records in etcd.
 *
 *   GET /services                      {"services": ["<project>_<service>", ...]}
 *   GET /services/{serviceId}          {"Service": {...}, "Containers": {...}}; 404 {"error"} when unknown
 *   GET /services/{serviceId}?stream=true  (or Accept: text/event-stream)
 *                                      server-sent events: the record now, then again on every change
 */
export async function startDiscoveryServer(opts: ServeOptions): Promise<DiscoveryServer> {
  const { host, port } = parseListen(opts.listen);
  if (!opts.tls && !isLoopback(host)) {
    throw new UserError(
      "E_DISCOVERY_LISTEN",
      `refusing to serve discovery records on ${opts.listen} without TLS: give --tls-ca, --tls-cert and --tls-key (see \`berth discovery certs\`), or listen on 127.0.0.1`,
    );
  }
  const streams = new Set<() => Promise<void>>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res, opts, streams).catch((e: unknown) => {
      const status = e instanceof UserError && e.code === "E_ETCD_UNREACHABLE" ? 503 : 500;
      if (status === 500) opts.log(`error answering ${req.url}: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) sendJson(res, status, { error: (e as Error).message });
      else res.end();
    });
  };
  const server = opts.tls
    ? https.createServer(
        {
          ca: readPem(opts.tls.ca, "CA certificate"),
          cert: readPem(opts.tls.cert, "server certificate"),
          key: readPem(opts.tls.key, "server key"),
          requestCert: true,
          rejectUnauthorized: true,
        },
        handler,
      )
    : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new UserError("E_DISCOVERY_LISTEN", `cannot listen on ${opts.listen}: ${e.code === "EADDRINUSE" ? "the address is in use" : e.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `${opts.tls ? "https" : "http"}://${shownHost}:${bound}`,
    port: bound,
    close: async () => {
      await Promise.all([...streams].map((end) => end()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, opts: ServeOptions, streams: Set<() => Promise<void>>): Promise<void> {
  const url = new URL(req.url ?? "/", "http://discovery");
  if (req.method !== "GET") return sendJson(res, 405, { error: `method ${req.method} not allowed: the discovery API is read-only` });
  if (url.pathname === "/services" || url.pathname === "/services/") return listServices(res, opts);
  const match = /^\/services\/([^/]+)\/?$/.exec(url.pathname);
  if (!match) return sendJson(res, 404, { error: `no such path ${url.pathname}: use /services/{project}_{service}` });
  const id = decodeURIComponent(match[1]);
  if (!isServiceId(id) || !inProject(id, opts.project)) return sendJson(res, 404, notFound(id));
  const wantsStream = url.searchParams.get("stream") === "true" || (req.headers.accept ?? "").includes("text/event-stream");
  if (wantsStream) return streamService(id, req, res, opts, streams);
  const view = await readView(opts.etcd, id, opts.project);
  if (!view) return sendJson(res, 404, notFound(id));
  sendJson(res, 200, view);
}

async function listServices(res: http.ServerResponse, opts: ServeOptions): Promise<void> {
  const prefix = opts.project ? `${SERVICES_ROOT}${opts.project}_` : SERVICES_ROOT;
  const { kvs } = await readPrefix(opts.etcd, prefix, "listing service records");
  const services: string[] = [];
  for (const kv of kvs) {
    const parsed = parseKey(kv.key);
    const record = parsed?.kind === "service" ? parseServiceRecord(kv.value) : null;
    if (parsed?.kind === "service" && record && (!opts.project || record.Service.project === opts.project)) services.push(parsed.id);
  }
  sendJson(res, 200, { services: services.sort() });
}

/** One service's record and containers, from one consistent read. */
export async function readView(etcd: EtcdConnection, id: string, project?: string | null): Promise<ServiceView | null> {
  const { kvs } = await readPrefix(etcd, serviceKey(id), `reading ${serviceKey(id)}`);
  return visible(composeView(id, kvs.map((kv) => [kv.key, kv.value] as const)), project);
}

function visible(view: ServiceView | null, project?: string | null): ServiceView | null {
  return view && (!project || view.Service.project === project) ? view : null;
}

/**
 * Server-sent events: the record as it is now, then again after every change of the record or
 * its containers (an etcd watch on the service's keys), `event: deleted` when it goes away.
 */
async function streamService(
  id: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  opts: ServeOptions,
  streams: Set<() => Promise<void>>,
): Promise<void> {
  let lastSent: string | null = null;
  let started = false;
  const mirror = new PrefixMirror(opts.etcd, {
    prefix: serviceKey(id),
    log: (message) => opts.log(`stream ${id}: ${message}`),
    onSnapshot: ({ kvs }) => {
      const view = visible(composeView(id, kvs), opts.project);
      if (!started) {
        // The first snapshot decides between a 404 and a stream.
        started = true;
        if (!view) return;
        res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive", "X-Accel-Buffering": "no" });
      }
      const text = view ? JSON.stringify(view) : null;
      if (text === lastSent) return;
      lastSent = text;
      res.write(text === null ? `event: deleted\ndata: ${JSON.stringify(notFound(id))}\n\n` : `data: ${text}\n\n`);
    },
  });
  try {
    await mirror.start();
  } catch (e) {
    await mirror.stop();
    throw e;
  }
  if (!res.headersSent) {
    await mirror.stop();
    return sendJson(res, 404, notFound(id));
  }
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), opts.heartbeatMs ?? 15_000);
  let ended: Promise<void> | null = null;
  const end = (): Promise<void> => {
    ended ??= (async () => {
      clearInterval(heartbeat);
      streams.delete(end);
      await mirror.stop();
      res.end();
    })();
    return ended;
  };
  streams.add(end);
  req.once("close", () => void end());
  res.once("close", () => void end());
}

function inProject(id: string, project?: string | null): boolean {
  return !project || id.startsWith(`${project}_`);
}

function notFound(id: string): { error: string } {
  return { error: `no service ${id} is recorded` };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError("E_DISCOVERY_TLS", `cannot read the ${what} ${path}: ${(e as Error).message}`);
  }
}

/** "127.0.0.1:8479", "[::1]:8479", "8479" → host and port. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen) ?? /^()()(\d+)$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError("E_DISCOVERY_LISTEN", `--listen ${JSON.stringify(listen)} is not host:port (e.g. 127.0.0.1:8479)`);
  }
  return { host: m[1] || m[2] || "127.0.0.1", port };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
