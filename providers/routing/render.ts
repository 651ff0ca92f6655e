import { checkFilePath, checkHost, checkIpv4, checkPort } from "./names.js";
import type { RenderRoute } from "./routes.js";
import { formatListen, type ListenAddress, type TlsFiles } from "./settings.js";

/**
 * nginx configuration text for the router. Pure and deterministic: the same routes always give
 * the same bytes, so "nothing changed" is a string comparison and a plan can show a diff.
 */

export interface RenderSettings {
  /** http and ws routes, and the router's status location. */
  listen: ListenAddress;
  /** https and wss routes. */
  tlsListen: ListenAddress;
  /** Required by https and wss routes (checked before rendering, E_ROUTE_TLS). */
  tls: TlsFiles | null;
}

export interface ProjectConfig {
  /** Included in the router's http {} block: upstreams and server blocks. "" when none. */
  http: string;
  /** Included in the router's stream {} block: tcp routes. "" when none. */
  stream: string;
}

/** Status host answering the configuration hash: how a reload is confirmed. */
export const STATUS_HOST = "berth-router.status";
export const STATUS_PATH = "/__berth/config";

const INDENT = "    ";

/**
 * One route as a plan shows it: its upstream block and a server block holding only its
 * location (in the project's file, routes of one host share one server block).
 */
export function renderRouteConfig(route: RenderRoute, settings: RenderSettings): string {
  if (route.protocol === "tcp") return `# stream {} context\n${renderStream([route], settings)}`;
  return renderHttp([route], settings);
}

/** A project's complete include files. */
export function renderProjectConfig(routes: readonly RenderRoute[], settings: RenderSettings): ProjectConfig {
  return {
    http: renderHttp(
      routes.filter((r) => r.protocol !== "tcp"),
      settings,
    ),
    stream: renderStream(
      routes.filter((r) => r.protocol === "tcp"),
      settings,
    ),
  };
}

function renderHttp(routes: readonly RenderRoute[], settings: RenderSettings): string {
  const blocks = routes.filter((r) => r.servers.length > 0).map((r) => upstreamBlock(r, "http"));
  for (const group of serverGroups(routes)) blocks.push(httpServerBlock(group, settings));
  return blocks.join("\n");
}

function renderStream(routes: readonly RenderRoute[], settings: RenderSettings): string {
  const blocks: string[] = [];
  for (const route of routes) {
    if (route.servers.length > 0) blocks.push(upstreamBlock(route, "stream"));
    blocks.push(streamServerBlock(route, settings));
  }
  return blocks.join("\n");
}

/** Routes of one host on one listener share a server block: nginx picks the longest context. */
function serverGroups(routes: readonly RenderRoute[]): RenderRoute[][] {
  const groups = new Map<string, RenderRoute[]>();
  for (const route of routes) {
    const key = `${route.host} ${isTls(route) ? "tls" : "plain"}`;
    groups.set(key, [...(groups.get(key) ?? []), route]);
  }
  return [...groups.values()];
}

function isTls(route: RenderRoute): boolean {
  return route.protocol === "https" || route.protocol === "wss";
}

function upstreamBlock(route: RenderRoute, context: "http" | "stream"): string {
  const lines = [`upstream ${route.upstreamId} {`];
  // Aliyun's router pins a session with a SERVERID cookie it inserts; see docs/routing.md.
  if (route.sticky) lines.push(`${INDENT}hash ${context === "http" ? "$berth_sticky_key" : "$remote_addr"} consistent;`);
  for (const server of route.servers) lines.push(`${INDENT}server ${serverText(server)};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** A resolved backend "127.0.0.1:32768" or a plan's placeholder "container.web[0]:8080". */
function serverText(server: string): string {
  const live = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(server);
  if (live) return `${checkIpv4(live[1])}:${checkPort(Number(live[2]))}`;
  if (/^container\.[A-Za-z0-9._-]+\[\d+\]:\d+$/.test(server)) return server;
  throw new Error(`bug: unchecked upstream server ${JSON.stringify(server)}`);
}

function httpServerBlock(routes: readonly RenderRoute[], settings: RenderSettings): string {
  const first = routes[0];
  const tls = isTls(first);
  const lines = [
    "server {",
    tls ? `${INDENT}listen ${listenText(settings.tlsListen)} ssl;` : `${INDENT}listen ${listenText(settings.listen)};`,
    `${INDENT}server_name ${checkHost(first.host)};`,
  ];
  if (tls) {
    if (!settings.tls) throw new Error(`bug: ${first.address} is ${first.protocol} but no TLS certificate was checked`);
    lines.push(`${INDENT}ssl_certificate ${checkFilePath(settings.tls.cert, "TLS certificate path")};`);
    lines.push(`${INDENT}ssl_certificate_key ${checkFilePath(settings.tls.key, "TLS key path")};`);
  }
  for (const route of routes) lines.push("", ...locationBlock(route));
  lines.push("}");
  return lines.join("\n") + "\n";
}

function locationBlock(route: RenderRoute): string[] {
  const path = route.context === "" ? "/" : `${route.context}/`;
  const body = route.servers.length === 0 ? noBackend(route) : proxied(route);
  return [`${INDENT}# ${route.address} (${route.protocol})`, `${INDENT}location ${path} {`, ...body.map((l) => INDENT.repeat(2) + l), `${INDENT}}`];
}

/** Never an empty upstream: a host with no ready backend says so. */
function noBackend(route: RenderRoute): string[] {
  return ["default_type text/plain;", `return 503 "no backend for ${route.host}${route.context}\\n";`];
}

function proxied(route: RenderRoute): string[] {
  const lines = [
    `proxy_pass http://${route.upstreamId};`,
    "proxy_http_version 1.1;",
    "proxy_set_header Host $http_host;",
    "proxy_set_header X-Real-IP $remote_addr;",
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "proxy_set_header X-Forwarded-Proto $scheme;",
  ];
  if (route.protocol === "ws" || route.protocol === "wss") {
    lines.push(
      "proxy_set_header Upgrade $http_upgrade;",
      "proxy_set_header Connection $berth_connection_upgrade;",
      "proxy_read_timeout 1h;",
      "proxy_send_timeout 1h;",
    );
  }
  // A failed attempt (refused, timed out, a replica going away mid-update) is retried on the next server.
  lines.push("proxy_connect_timeout 2s;", "proxy_next_upstream error timeout http_502 http_503;", "proxy_next_upstream_tries 3;");
  if (route.sticky) lines.push("add_header Set-Cookie $berth_sticky_cookie always;");
  return lines;
}

function streamServerBlock(route: RenderRoute, settings: RenderSettings): string {
  const port = checkPort(route.tcpPort);
  const lines = ["server {", `${INDENT}# ${route.address} (tcp)`, `${INDENT}listen ${listenText({ host: settings.listen.host, port })};`];
  if (route.servers.length === 0) {
    lines.push(`${INDENT}return "no backend for ${checkHost(route.host)}\\n";`);
  } else {
    lines.push(
      `${INDENT}proxy_pass ${route.upstreamId};`,
      `${INDENT}proxy_connect_timeout 2s;`,
      `${INDENT}proxy_next_upstream on;`,
      `${INDENT}proxy_next_upstream_tries 3;`,
    );
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

function listenText(listen: ListenAddress): string {
  return formatListen({ host: checkIpv4(listen.host), port: checkPort(listen.port) });
}

// ------------------------------------------------------------------ the router's main file

export interface MainConfigInput {
  listen: ListenAddress;
  /** Path of ngx_stream_module.so when the installed nginx has it (tcp routes). */
  streamModule: string | null;
}

/**
 * nginx.conf of the router. Paths are relative: logs, pid and temp files to the prefix (-p, the
 * router dir), includes to this file's folder (one generation of the configuration).
 * `hash` is what the status location answers: the hash of everything this generation holds.
 */
export function renderMainConfig(input: MainConfigInput, hash: string): string {
  const listen = listenText(input.listen);
  const lines = [
    "# Berth's router: one nginx for every project on this machine. Written by Berth; edits are lost.",
    "# Each project owns projects/<project>.conf (http) and streams/<project>.conf (tcp).",
  ];
  if (input.streamModule) lines.push(`load_module ${checkFilePath(input.streamModule, "nginx module path")};`);
  lines.push(
    "worker_processes 2;",
    // Old workers finish their requests after a reload, then go: long websockets are closed after this.
    "worker_shutdown_timeout 60s;",
    "pid nginx.pid;",
    "error_log logs/error.log warn;",
    "",
    "events {",
    `${INDENT}worker_connections 4096;`,
    "}",
    "",
    "http {",
    `${INDENT}access_log off;`,
    `${INDENT}server_tokens off;`,
    `${INDENT}absolute_redirect off;`,
    `${INDENT}default_type text/plain;`,
    `${INDENT}client_body_temp_path temp/client_body;`,
    `${INDENT}proxy_temp_path temp/proxy;`,
    `${INDENT}fastcgi_temp_path temp/fastcgi;`,
    `${INDENT}uwsgi_temp_path temp/uwsgi;`,
    `${INDENT}scgi_temp_path temp/scgi;`,
    // Workers may not reach the temp folders under the router dir (they run as nobody when root
    // starts the master): stream request and response bodies instead of spooling them to disk.
    `${INDENT}proxy_request_buffering off;`,
    `${INDENT}proxy_max_temp_file_size 0;`,
    // The replica decides how large a request may be, as it would without the router.
    `${INDENT}client_max_body_size 0;`,
    "",
    `${INDENT}map $http_upgrade $berth_connection_upgrade {`,
    `${INDENT}${INDENT}default upgrade;`,
    `${INDENT}${INDENT}"" close;`,
    `${INDENT}}`,
    `${INDENT}# session_sticky: a client without a SERVERID cookie gets a random one; the cookie is hashed to a backend.`,
    `${INDENT}map $cookie_SERVERID $berth_sticky_key {`,
    `${INDENT}${INDENT}"" $request_id;`,
    `${INDENT}${INDENT}default $cookie_SERVERID;`,
    `${INDENT}}`,
    `${INDENT}map $cookie_SERVERID $berth_sticky_cookie {`,
    `${INDENT}${INDENT}"" "SERVERID=$request_id; Path=/; HttpOnly";`,
    `${INDENT}${INDENT}default "";`,
    `${INDENT}}`,
    "",
    `${INDENT}server {`,
    `${INDENT}${INDENT}listen ${listen} default_server;`,
    `${INDENT}${INDENT}server_name _;`,
    `${INDENT}${INDENT}location / {`,
    `${INDENT}${INDENT}${INDENT}return 404 "no route for $host on this router\\n";`,
    `${INDENT}${INDENT}}`,
    `${INDENT}}`,
    "",
    `${INDENT}server {`,
    `${INDENT}${INDENT}listen ${listen};`,
    `${INDENT}${INDENT}server_name ${STATUS_HOST};`,
    `${INDENT}${INDENT}location = ${STATUS_PATH} {`,
    `${INDENT}${INDENT}${INDENT}return 200 "${/^[0-9a-f]*$/.test(hash) ? hash : ""}\\n";`,
    `${INDENT}${INDENT}}`,
    `${INDENT}${INDENT}location / {`,
    `${INDENT}${INDENT}${INDENT}return 404;`,
    `${INDENT}${INDENT}}`,
    `${INDENT}}`,
    "",
    `${INDENT}include projects/*.conf;`,
    "}",
  );
  if (input.streamModule) lines.push("", "stream {", `${INDENT}include streams/*.conf;`, "}");
  return lines.join("\n") + "\n";
}
