import type { Address, Attributes, AttrValue, RecordedResource } from "../../src/core/types.js";
import {
  checkContext,
  checkHost,
  checkEndpoint,
  checkPort,
  checkProject,
  checkProtocol,
  checkUpstreamName,
  parseServerRef,
  type RouteProtocol,
} from "./names.js";

/**
 * Route and upstream resources (as the model writes them, src/model/desired.ts) turned into
 * what the renderer needs, every name checked on the way. Pure: no I/O.
 */

/** One route ready to render. */
export interface RenderRoute {
  address: Address;
  host: string;
  protocol: RouteProtocol;
  /** "" for the whole host, else "/app". */
  context: string;
  /** The nginx upstream's name, unique on the shared router: berth.<project>.<upstream>. */
  upstreamId: string;
  sticky: boolean;
  /** Backends: "127.0.0.1:32768" live, "container.web[0]:8080" in a plan. None: the route answers 503. */
  servers: string[];
  /** tcp routes listen on the router's address at the route's container port. */
  tcpPort: number | null;
}

/** A routing resource by address, as recorded or as a change will leave it. */
export interface RoutingResource {
  address: Address;
  type: "route" | "upstream";
  attributes: Attributes;
}

/**
 * Where an upstream's backends come from: in a plan, the servers by address
 * ("container.web[0]:8080": ports the engine assigns are not known yet); live, the upstream's
 * endpoints ("127.0.0.1:32768"), the replicas' own values that apply resolved into it.
 */
export type ServerSource = "placeholder" | "live";
export const placeholderServers: ServerSource = "placeholder";
export const liveServers: ServerSource = "live";

export function upstreamId(project: string, upstream: string): string {
  return `berth.${checkProject(project)}.${checkUpstreamName(upstream)}`;
}

/**
 * The routes of one project, sorted by host and context, each joined with its upstream
 * (found by name) and its backends resolved by `resolve`.
 */
export function renderRoutes(project: string, resources: readonly RoutingResource[], resolve: ServerSource): RenderRoute[] {
  const upstreams = new Map<string, RoutingResource>();
  for (const r of resources) if (r.type === "upstream") upstreams.set(String(r.attributes.name), r);
  const routes = resources.filter((r) => r.type === "route").map((r) => renderRoute(project, r, upstreams, resolve));
  return routes.sort((a, b) => compareText(a.host, b.host) || compareText(a.context, b.context) || compareText(a.address, b.address));
}

function renderRoute(project: string, route: RoutingResource, upstreams: ReadonlyMap<string, RoutingResource>, resolve: ServerSource): RenderRoute {
  const { address, attributes: a } = route;
  const protocol = checkProtocol(a.protocol, address);
  const upstreamName = checkUpstreamName(a.upstream, address);
  const upstream = upstreams.get(upstreamName);
  const ports = (Array.isArray(a.ports) ? a.ports : []).map((p) => checkPort(p, address));
  return {
    address,
    host: checkHost(a.virtual_host, address),
    protocol,
    context: protocol === "tcp" ? "" : checkContext(a.context ?? "", address),
    upstreamId: upstreamId(project, upstreamName),
    sticky: upstream?.attributes.sticky === true,
    servers: upstream ? serversOf(upstream, resolve) : [],
    tcpPort: protocol === "tcp" ? (ports[0] ?? checkPort(undefined, address)) : null,
  };
}

function serversOf(upstream: RoutingResource, source: ServerSource): string[] {
  const texts = source === "placeholder" ? upstream.attributes.servers : upstream.attributes.endpoints;
  const out: string[] = [];
  for (const text of Array.isArray(texts) ? texts : []) {
    const server = source === "placeholder" ? placeholder(text, upstream.address) : checkEndpoint(text, upstream.address);
    if (!out.includes(server)) out.push(server);
  }
  return out;
}

function placeholder(text: AttrValue, address: Address): string {
  parseServerRef(text, address);
  return text as string;
}

/** Recorded resources of this provider, with the changes made so far in this apply laid over them. */
export function routingView(
  recorded: readonly RecordedResource[],
  overlay: ReadonlyMap<Address, RoutingResource | null>,
): RoutingResource[] {
  const byAddress = new Map<Address, RoutingResource>();
  for (const r of recorded) {
    if (r.type === "route" || r.type === "upstream") byAddress.set(r.address, { address: r.address, type: r.type, attributes: r.attributes });
  }
  for (const [address, r] of overlay) {
    if (r) byAddress.set(address, r);
    else byAddress.delete(address);
  }
  return [...byAddress.values()].sort((a, b) => compareText(a.address, b.address));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
