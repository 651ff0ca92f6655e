import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { UserError } from "../../src/core/errors.js";
import { checkFilePath, checkIpv4, checkPort } from "./names.js";

/** The router's address when nobody chose one (and it is free): printed when the router starts. */
export const DEFAULT_LISTEN = "127.0.0.1:8480";
export const NGINX_BINARY = "/usr/sbin/nginx";
/** Debian ships the stream module (tcp routes) as a dynamic module in libnginx-mod-stream. */
export const STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

export interface ListenAddress {
  host: string;
  port: number;
}

export interface TlsFiles {
  cert: string;
  key: string;
}

/** BERTH_ROUTER_DIR, else ~/.berth/router. */
export function defaultRouterDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.BERTH_ROUTER_DIR || join(homedir(), ".berth", "router"));
}

/** "127.0.0.1:8480", or a bare port meaning 127.0.0.1. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5})$/.exec(text.trim());
  if (!m) {
    throw new UserError("E_ROUTER", `router listen address '${text}' must look like 127.0.0.1:8480 (an IPv4 address and a port)`);
  }
  const host = m[1] ?? "127.0.0.1";
  try {
    return { host: checkIpv4(host), port: checkPort(Number(m[2])) };
  } catch {
    throw new UserError("E_ROUTER", `router listen address '${text}' must look like 127.0.0.1:8480 (an IPv4 address and a port)`);
  }
}

export function formatListen(listen: ListenAddress): string {
  return `${listen.host}:${listen.port}`;
}

/**
 * https and wss routes are served on their own port: BERTH_ROUTER_TLS_LISTEN, else the
 * router's port + 1 on the same address (127.0.0.1:8481 beside the default 127.0.0.1:8480).
 */
export function tlsListenOf(listen: ListenAddress, env: NodeJS.ProcessEnv = process.env): ListenAddress {
  if (env.BERTH_ROUTER_TLS_LISTEN) return parseListen(env.BERTH_ROUTER_TLS_LISTEN);
  return { host: listen.host, port: listen.port === 65535 ? 65534 : listen.port + 1 };
}

/** BERTH_ROUTER_TLS_CERT and BERTH_ROUTER_TLS_KEY, both or neither. */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): TlsFiles | null {
  const cert = env.BERTH_ROUTER_TLS_CERT;
  const key = env.BERTH_ROUTER_TLS_KEY;
  if (!cert && !key) return null;
  if (!cert || !key) {
    throw new UserError("E_ROUTE_TLS", "set both BERTH_ROUTER_TLS_CERT and BERTH_ROUTER_TLS_KEY (PEM files) to serve https and wss routes");
  }
  return checkTlsFiles({ cert: resolve(cert), key: resolve(key) });
}

export function checkTlsFiles(tls: TlsFiles): TlsFiles {
  try {
    return { cert: checkFilePath(tls.cert, "TLS certificate path"), key: checkFilePath(tls.key, "TLS key path") };
  } catch (e) {
    throw new UserError("E_ROUTE_TLS", (e as Error).message);
  }
}
