/**
 * Helpers for the router's end-to-end tests: tiny node servers stand in for replicas' published
 * ports on 127.0.0.1, and a small executor stand-in applies routing resources the way
 * the planner and src/apply/executor.ts do (an upstream's endpoints resolved from the replicas'
 * records, apply each change, record what it returns).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync } from "node:fs";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { Actions, ResourceChange } from "../../../src/core/plan.js";
import type { ApplyContext } from "../../../src/core/provider.js";
import type { Attributes, DesiredResource, RecordedResource } from "../../../src/core/types.js";
import { canonicalJson } from "../../../src/core/hash.js";
import { withRecordedReferences } from "../../../src/planner/plan.js";
import type { RoutingProvider } from "../../../providers/routing/routing-provider.js";
import { NGINX_BINARY } from "../../../providers/routing/settings.js";

const execFileAsync = promisify(execFile);

/** Fails (never skips) without Debian's nginx. */
export function requireNginx(): void {
  if (!existsSync(NGINX_BINARY)) throw new Error(`${NGINX_BINARY} is missing: run \`npm run engines\` (Debian package nginx)`);
}

export interface Backend {
  name: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 answering "<name> <host> <path>" (a POST: "<name> received <bytes>"),
 * echoing bytes after a websocket upgrade.
 */
export function startBackend(name: string): Promise<Backend> {
  const server = createServer((req, res) => {
    res.setHeader("content-type", "text/plain");
    let received = 0;
    req.on("data", (chunk: Buffer) => (received += chunk.length));
    req.on("end", () => res.end(req.method === "POST" ? `${name} received ${received}\n` : `${name} ${req.headers.host} ${req.url}\n`));
  });
  server.on("upgrade", (req, socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\nX-Backend: ${name}\r\n\r\n`);
    socket.pipe(socket);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        name,
        port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export { freePort } from "../local-nginx.js";

export interface Answer {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/** GET through the router with a Host header (what `curl -H 'Host: …'` does). */
export function get(port: number, host: string, path = "/", headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { Host: host, ...headers }, agent: false, timeout: 5_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** The documented curl command, for real (asynchronously: the backends answer from this process). */
export async function curl(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("curl", ["-sS", "--max-time", "5", ...args], { encoding: "utf8" });
  return stdout;
}

/** The model's route and upstream for one virtual host (src/model/desired.ts routingResources). */
export function routing(
  host: string,
  servers: string[],
  opts: { protocol?: string; context?: string; sticky?: boolean; ports?: number[]; services?: string[] } = {},
): DesiredResource[] {
  const context = opts.context ?? "";
  const name = host + context.replace(/\//g, "_");
  const protocol = opts.protocol ?? "http";
  return [
    {
      address: `upstream.${name}`,
      type: "upstream",
      provider: "routing",
      name,
      index: null,
      service: "web",
      attributes: { name, servers, sticky: opts.sticky ?? false, protocol },
      dependsOn: [],
      references: {
        endpoints: servers.map((s) => {
          const [, address, port] = /^(.*):(\d+)$/.exec(s)!;
          return { address, attribute: "endpoints", key: `${port}/tcp` };
        }),
      },
    },
    {
      address: `route.${name}`,
      type: "route",
      provider: "routing",
      name,
      index: null,
      service: "web",
      attributes: {
        virtual_host: host,
        protocol,
        context,
        upstream: name,
        services: opts.services ?? ["web"],
        ports: opts.ports ?? [8080],
      },
      dependsOn: [`upstream.${name}`],
    },
  ];
}

/** A replica as the docker provider records it after apply: container port published on 127.0.0.1. */
export function container(service: string, index: number, hostPort: number, containerPort = 8080): RecordedResource {
  return {
    address: `container.${service}[${index}]`,
    type: "container",
    provider: "docker",
    attributes: {
      name: `p_${service}_${index + 1}`,
      service,
      index,
      ports: [{ container_port: containerPort, protocol: "tcp", host_ip: "127.0.0.1", host_port: null }],
      published: { [`${containerPort}/tcp`]: hostPort },
      endpoints: { [`${containerPort}/tcp`]: [`127.0.0.1:${hostPort}`] },
      running: true,
    },
  };
}

const COMPUTED = new Set(["serving"]);

/** One project's state and the executor's side of applying routing changes to it. */
export class ProjectRun {
  readonly recorded: RecordedResource[] = [];
  readonly logs: string[] = [];
  private desired: DesiredResource[] = [];

  constructor(
    readonly project: string,
    readonly provider: RoutingProvider,
  ) {}

  ctx(): ApplyContext {
    return {
      project: this.project,
      log: (message) => this.logs.push(message),
      aborted: false,
      recordedAttributes: (address) => this.recorded.find((r) => r.address === address)?.attributes,
      recorded: () => this.recorded,
    };
  }

  /** Sets (or replaces) a replica's recorded attributes, as the executor records the docker provider's result. */
  setContainer(resource: RecordedResource): void {
    this.record(resource.address, resource);
  }

  /**
   * Plans (references resolved from the records, resolveDesired, then compare with the record)
   * and applies like the executor; returns the addresses changed. `force`: addresses a drift
   * makes the planner change although their attributes match (a deleted include file, a stopped router).
   */
  async apply(desired: DesiredResource[], opts: { force?: string[] } = {}): Promise<string[]> {
    this.desired = desired;
    const recorded = new Map(this.recorded.map((r) => [r.address, r]));
    const referenced = desired.map((d) => withRecordedReferences(d, recorded));
    const resolved = await this.provider.resolveDesired(referenced);
    const changes: ResourceChange[] = [];
    for (const d of [...resolved].sort(byCreateOrder)) {
      const before = this.recorded.find((r) => r.address === d.address)?.attributes ?? null;
      if (before && same(before, d.attributes) && !opts.force?.includes(d.address)) continue;
      changes.push(changeOf(d.address, d.type as "route" | "upstream", before ? ["update"] : ["create"], before, d.attributes));
    }
    const gone = this.recorded.filter((r) => r.provider === "routing" && !resolved.some((d) => d.address === r.address));
    for (const r of gone.sort((a, b) => -byCreateOrder(a, b))) {
      changes.push(changeOf(r.address, r.type as "route" | "upstream", ["delete"], r.attributes, null));
    }
    for (const change of changes) {
      const result = await this.provider.apply(change, this.ctx());
      this.record(change.address, result && { address: change.address, type: change.type, provider: "routing", attributes: result });
    }
    return changes.map((c) => c.address);
  }

  /** The last template again: what the next apply plans once the replicas' records changed. */
  reapply(opts: { force?: string[] } = {}): Promise<string[]> {
    return this.apply(this.desired, opts);
  }

  private record(address: string, resource: RecordedResource | null): void {
    const i = this.recorded.findIndex((r) => r.address === address);
    if (i >= 0) this.recorded.splice(i, 1);
    if (resource) this.recorded.push(resource);
  }
}

function changeOf(address: string, type: "route" | "upstream", actions: Actions, before: Attributes | null, after: Attributes | null): ResourceChange {
  return {
    address,
    type,
    provider: "routing",
    name: address.slice(address.indexOf(".") + 1),
    index: null,
    service: "web",
    actions,
    before,
    after,
    replacePaths: [],
    sensitivePaths: [],
    identifierPaths: [],
    reason: null,
    dependsOn: [],
  };
}

/** Upstreams before the routes that use them. */
function byCreateOrder(a: { type: string; address: string }, b: { type: string; address: string }): number {
  const rank = (t: string) => (t === "upstream" ? 0 : 1);
  return rank(a.type) - rank(b.type) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);
}

function same(recorded: Attributes, desired: Attributes): boolean {
  const strip = (a: Attributes) => Object.fromEntries(Object.entries(a).filter(([k]) => !COMPUTED.has(k)));
  return canonicalJson(strip(recorded)) === canonicalJson(strip(desired));
}
