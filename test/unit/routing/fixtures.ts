import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DesiredResource, RecordedResource } from "../../../src/core/types.js";
import { buildDesired } from "../../../src/model/desired.js";
import { resolveReference } from "../../../src/core/references.js";
import type { PortAttr } from "../../../providers/docker/attributes.js";
import { endpointsOf } from "../../../providers/docker/endpoints.js";
import { renderMainConfig, type RenderSettings } from "../../../providers/routing/render.js";
import type { RoutingResource } from "../../../providers/routing/routes.js";
import { NGINX_BINARY, STREAM_MODULE } from "../../../providers/routing/settings.js";
import { load } from "../template/helpers.js";

export const SETTINGS: RenderSettings = {
  listen: { host: "127.0.0.1", port: 8480 },
  tlsListen: { host: "127.0.0.1", port: 8481 },
  tls: { cert: "/etc/berth/tls/cert.pem", key: "/etc/berth/tls/key.pem" },
};

/** A compose template through the real loader and model: the resources Berth would plan. */
export async function desiredOf(yaml: string, project = "demo"): Promise<DesiredResource[]> {
  const template = await load(yaml);
  return buildDesired(template, { project, publishAddress: "127.0.0.1", discovery: false }).resources;
}

export function routingOf(desired: readonly DesiredResource[]): RoutingResource[] {
  return desired
    .filter((d) => d.type === "route" || d.type === "upstream")
    .map((d) => ({ address: d.address, type: d.type as "route" | "upstream", attributes: d.attributes }));
}

/** The containers as the docker provider records them after apply: ports published from `firstPort` on. */
export function recordedContainers(desired: readonly DesiredResource[], firstPort = 32768): RecordedResource[] {
  let next = firstPort;
  return desired
    .filter((d) => d.type === "container")
    .map((d) => {
      const ports = d.attributes.ports as { container_port: number; protocol: string }[];
      const published = Object.fromEntries(ports.map((p) => [`${p.container_port}/${p.protocol}`, next++]));
      // A copy per replica: the model may share one ports list between replicas, a test changes one.
      return withEndpoints({ address: d.address, type: d.type, provider: d.provider, attributes: structuredClone({ ...d.attributes, published }) });
    });
}

/** The endpoints the docker provider records for a container as its attributes now say (after a test changed them). */
export function withEndpoints(c: RecordedResource): RecordedResource {
  const a = c.attributes;
  const endpoints = endpointsOf((a.ports ?? []) as unknown as PortAttr[], (a.published ?? {}) as Record<string, number>, a.running !== false);
  return { ...c, attributes: { ...a, endpoints } };
}

/** The routing resources as they go live: each upstream's endpoints resolved from the replicas' records, as apply does. */
export function liveRoutingOf(desired: readonly DesiredResource[], containers: readonly RecordedResource[]): RoutingResource[] {
  const byAddress = new Map(containers.map((c) => [c.address, c.attributes]));
  return routingOf(desired).map((r) => {
    const ref = desired.find((d) => d.address === r.address)?.references?.endpoints;
    return ref ? { ...r, attributes: { ...r.attributes, endpoints: resolveReference(ref, (a) => byAddress.get(a)) ?? [] } } : r;
  });
}

/**
 * `nginx -t` on a router configuration made of these include files. Throws nginx's message.
 * Fails (does not skip) when Debian's nginx is not installed: run `npm run engines`.
 */
export function nginxCheck(files: { http: string; stream: string }): void {
  if (!existsSync(NGINX_BINARY)) throw new Error(`${NGINX_BINARY} is missing: run \`npm run engines\` (Debian package nginx)`);
  const dir = mkdtempSync(path.join(tmpdir(), "berth-nginx-t-"));
  mkdirSync(path.join(dir, "conf", "projects"), { recursive: true });
  mkdirSync(path.join(dir, "conf", "streams"), { recursive: true });
  mkdirSync(path.join(dir, "logs"));
  mkdirSync(path.join(dir, "temp"));
  const stream = files.stream !== "" ? STREAM_MODULE : null;
  writeFileSync(path.join(dir, "conf", "nginx.conf"), renderMainConfig({ listen: SETTINGS.listen, streamModule: stream }, "0123456789abcdef"));
  writeFileSync(path.join(dir, "conf", "projects", "demo.conf"), files.http);
  if (stream) writeFileSync(path.join(dir, "conf", "streams", "demo.conf"), files.stream);
  try {
    execFileSync(NGINX_BINARY, ["-t", "-q", "-p", `${dir}/`, "-c", path.join(dir, "conf", "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
