import { accessSync, constants } from "node:fs";
import { UserError } from "../../src/core/errors.js";
import type { ResourceChange } from "../../src/core/plan.js";
import type { ApplyContext, Provider, RefreshContext } from "../../src/core/provider.js";
import type { Address, Attributes, DesiredResource, Observed, RecordedResource } from "../../src/core/types.js";
import { canonicalJson } from "../../src/core/hash.js";
import { checkClaims } from "./claims.js";
import { checkProject } from "./names.js";
import { renderProjectConfig, renderRouteConfig, type RenderSettings } from "./render.js";
import { Router, type PublishResult, type RouterOptions, type RouterStatus } from "./router.js";
import { liveServers, placeholderServers, renderRoutes, routingView, type RenderRoute, type RoutingResource } from "./routes.js";
import { routingSchema } from "./schema.js";
import { checkTlsFiles, formatListen, STREAM_MODULE, tlsFromEnv, tlsListenOf, type ListenAddress, type TlsFiles } from "./settings.js";
import { parseProjectFiles, projectFiles } from "./state-header.js";

export interface RoutingProviderOptions {
  /** --router-listen / BERTH_ROUTER_LISTEN; null: the running router's address, else 127.0.0.1:8480 (or a free port). */
  listen: string | null;
  /** BERTH_ROUTER_DIR, else ~/.berth/router. */
  dir?: string;
  project: string;
  /** Certificate and key for https and wss routes; default BERTH_ROUTER_TLS_CERT and BERTH_ROUTER_TLS_KEY. */
  tls?: TlsFiles | null;
  /** Default: BERTH_NGINX, else /usr/sbin/nginx. */
  nginx?: string;
  /** Default: Debian's stream module when installed; null disables tcp routes. */
  streamModule?: string | null;
  confirmTimeoutMs?: number;
  /** Test hook: runs on a staged configuration before `nginx -t` (to make it fail on purpose). */
  beforeValidate?: RouterOptions["beforeValidate"];
  env?: NodeJS.ProcessEnv;
}

/** What refresh reports as a route's rendered_config when its include file was edited by hand. */
const EDITED = "# the include file was edited outside Berth\n";

/**
 * Routes virtual hosts to replicas through the machine's shared nginx router: `route.<host>`
 * and `upstream.<name>` resources, rendered into the project's include file. Backends are each
 * upstream's endpoints: the replicas' own values (where the engine published their ports),
 * which the executor resolves into the upstream when it applies it. This provider reads no
 * other provider's records.
 */
export class RoutingProvider implements Provider {
  readonly name = "routing" as const;
  readonly schema = routingSchema;
  readonly router: Router;
  private readonly project: string;
  private readonly tlsOption: TlsFiles | null | undefined;
  private readonly env: NodeJS.ProcessEnv;
  /** Changes applied in this run that the executor may not have recorded yet (it records after apply returns). */
  private readonly inFlight = new Map<Address, RoutingResource | null>();
  /** Router changes of this provider, one at a time: each renders on top of the previous one. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: RoutingProviderOptions) {
    this.project = checkProject(opts.project);
    this.env = opts.env ?? process.env;
    this.tlsOption = opts.tls === undefined ? undefined : opts.tls && checkTlsFiles(opts.tls);
    this.router = new Router({
      dir: opts.dir,
      listen: opts.listen,
      nginx: opts.nginx,
      streamModule: opts.streamModule,
      confirmTimeoutMs: opts.confirmTimeoutMs,
      beforeValidate: opts.beforeValidate,
    });
  }

  /**
   * The project's include file as the live router has it: a deleted file means missing routes,
   * a hand-edited one changed routes, a router that does not run routes that do not serve.
   */
  async refresh(_ctx: RefreshContext): Promise<Observed[]> {
    const live = parseProjectFiles(this.router.liveFiles(this.project));
    if (!live) return [];
    const serving = this.router.pid() !== null;
    return live.header.resources.map((r) => ({
      address: r.address,
      type: r.type,
      attributes: r.type === "route" ? { ...r.attributes, serving, ...(live.edited ? { rendered_config: EDITED } : {}) } : r.attributes,
    }));
  }

  /**
   * Adds `rendered_config` to each route (its nginx text, backends shown by address) and
   * refuses what the router cannot serve: a host another project routes (E_ROUTE_CLAIMED),
   * https/wss without a certificate (E_ROUTE_TLS), tcp without the stream module (E_ROUTE_TCP),
   * and any name that is not safe to write into nginx's configuration (E_ROUTE_INVALID).
   */
  readonly resolvesOffline = true;

  async resolveDesired(desired: DesiredResource[]): Promise<DesiredResource[]> {
    const resources = desired.filter(isRouting).map((d) => ({ address: d.address, type: d.type, attributes: d.attributes }) as RoutingResource);
    if (!resources.some((r) => r.type === "route")) return desired;
    const listen = this.router.plannedListen();
    const routes = renderRoutes(this.project, resources, placeholderServers);
    const settings = this.settingsFor(routes, listen);
    checkClaims(this.project, routes, this.router.liveHeaders(), this.router.dir);
    const rendered = new Map(routes.map((r) => [r.address, renderRouteConfig(r, settings)]));
    return desired.map((d) => (rendered.has(d.address) ? { ...d, attributes: { ...d.attributes, rendered_config: rendered.get(d.address)! } } : d));
  }

  /**
   * Renders the project's complete include file from what is recorded (routes, upstreams, the
   * upstreams' endpoints) with this change applied, and makes it live (see Router.publish).
   */
  apply(change: ResourceChange, ctx: ApplyContext): Promise<Attributes | null> {
    const type = change.type;
    if (type !== "route" && type !== "upstream") {
      return Promise.reject(new UserError("E_PROVIDER", `the routing provider does not manage ${type} resources`, { address: change.address }));
    }
    return this.serialised(async () => {
      const next: RoutingResource | null = change.after ? { address: change.address, type, attributes: stripComputed(change.after) } : null;
      const overlay = new Map(this.inFlight).set(change.address, next);
      const published = await this.publish(ctx.recorded(), overlay, ctx);
      if (next === null) {
        this.inFlight.set(change.address, null);
        return null;
      }
      const route = published.placeholders.find((r) => r.address === change.address);
      const attributes: Attributes = route
        ? { ...next.attributes, rendered_config: renderRouteConfig(route, published.settings), serving: this.router.pid() !== null }
        : next.attributes;
      this.inFlight.set(change.address, { ...next, attributes });
      return attributes;
    });
  }

  /** Renders the project's files for the router's address and makes them live. */
  private async publish(
    recorded: readonly RecordedResource[],
    overlay: ReadonlyMap<Address, RoutingResource | null>,
    ctx: ApplyContext,
  ): Promise<{ result: PublishResult; placeholders: RenderRoute[]; settings: RenderSettings }> {
    forgetRecorded(this.inFlight, recorded);
    const view = routingView(recorded, overlay);
    const routes = renderRoutes(this.project, view, liveServers);
    const result = await this.router.publish(
      this.project,
      (listen) => projectFiles(this.project, formatListen(listen), view, renderProjectConfig(routes, this.settingsFor(routes, listen))),
      (message) => ctx.log(message),
    );
    if (result.reloaded) ctx.log(`router: reloaded in ${result.ms} ms (generation ${result.generation})`);
    const placeholders = renderRoutes(this.project, view, placeholderServers);
    return { result, placeholders, settings: this.settingsFor(placeholders, result.listen) };
  }

  /** Listen addresses and certificate for these routes; throws what the router cannot serve. */
  private settingsFor(routes: readonly RenderRoute[], listen: ListenAddress): RenderSettings {
    const tlsListen = tlsListenOf(listen, this.env);
    const tlsRoute = routes.find((r) => r.protocol === "https" || r.protocol === "wss");
    const tls = tlsRoute ? this.tlsFor(tlsRoute) : null;
    const tcpPorts = new Map<number, string>();
    for (const route of routes.filter((r) => r.protocol === "tcp")) {
      if (!this.router.hasStreamModule) {
        throw new UserError(
          "E_ROUTE_TCP",
          `${route.host} is a tcp route, but the installed nginx has no stream module (${STREAM_MODULE}, Debian package libnginx-mod-stream)`,
          { address: route.address },
        );
      }
      const port = route.tcpPort!;
      const clash = tcpPorts.get(port) ?? (port === listen.port ? "the router's http port" : port === tlsListen.port && tlsRoute ? "the router's https port" : null);
      if (clash) {
        throw new UserError("E_ROUTE_TCP", `tcp route ${route.host} would listen on ${listen.host}:${port}, already used by ${clash}`, {
          address: route.address,
        });
      }
      tcpPorts.set(port, `tcp route ${route.host}`);
    }
    return { listen, tlsListen, tls };
  }

  private tlsFor(route: RenderRoute): TlsFiles {
    const tls = this.tlsOption === undefined ? tlsFromEnv(this.env) : this.tlsOption;
    if (!tls) {
      throw new UserError(
        "E_ROUTE_TLS",
        `${route.host} is a ${route.protocol} route: give the router a certificate and key (PEM files) with BERTH_ROUTER_TLS_CERT and BERTH_ROUTER_TLS_KEY`,
        { address: route.address },
      );
    }
    for (const file of [tls.cert, tls.key]) {
      try {
        accessSync(file, constants.R_OK);
      } catch {
        throw new UserError("E_ROUTE_TLS", `cannot read ${file} (the router's TLS certificate or key)`, { address: route.address });
      }
    }
    return tls;
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}

/** Status of the router in `dir` (default BERTH_ROUTER_DIR, else ~/.berth/router). */
export function routerStatus(opts: { dir?: string } = {}): Promise<RouterStatus> {
  return new Router({ dir: opts.dir }).status();
}

/** Starts the router if it does not run; logs its address when it starts. */
export function ensureRouter(opts: RouterOptions & { log?: (message: string) => void } = {}): Promise<RouterStatus> {
  return new Router(opts).ensure(opts.log);
}

function isRouting(d: DesiredResource): boolean {
  return d.type === "route" || d.type === "upstream";
}

/** Recorded-only attributes the router writes: never part of what a route asks for. */
function stripComputed(attributes: Attributes): Attributes {
  const { rendered_config: _rendered, serving: _serving, ...rest } = attributes;
  return rest;
}

/** Drops in-flight changes once the executor has recorded them. */
function forgetRecorded(inFlight: Map<Address, RoutingResource | null>, recorded: readonly RecordedResource[]): void {
  const byAddress = new Map(recorded.map((r) => [r.address, r]));
  for (const [address, r] of inFlight) {
    const rec = byAddress.get(address);
    const done = r === null ? rec === undefined : rec !== undefined && canonicalJson(rec.attributes) === canonicalJson(r.attributes);
    if (done) inFlight.delete(address);
  }
}
