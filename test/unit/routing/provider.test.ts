/**
 * The routing provider's planning side, against a router folder written by hand (no nginx
 * process): what resolveDesired adds and refuses, what refresh reads back from the live file.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/core/errors.js";
import type { DesiredResource } from "../../../src/core/types.js";
import { renderProjectConfig } from "../../../providers/routing/render.js";
import { placeholderServers, renderRoutes } from "../../../providers/routing/routes.js";
import { RoutingProvider } from "../../../providers/routing/routing-provider.js";
import { projectFiles } from "../../../providers/routing/state-header.js";
import { desiredOf, routingOf, SETTINGS } from "./fixtures.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function routerDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "berth-router-unit-"));
  dirs.push(dir);
  return dir;
}

/** Lays out `projects` as the router's live generation, as an apply would have. */
async function liveRouter(dir: string, projects: Record<string, string>): Promise<void> {
  const generation = path.join(dir, "generations", "000001");
  mkdirSync(path.join(generation, "projects"), { recursive: true });
  mkdirSync(path.join(generation, "streams"), { recursive: true });
  for (const [project, yaml] of Object.entries(projects)) {
    const resources = routingOf(await desiredOf(yaml, project));
    const files = projectFiles(project, "127.0.0.1:8480", resources, renderProjectConfig(renderRoutes(project, resources, placeholderServers), SETTINGS));
    writeFileSync(path.join(generation, "projects", `${project}.conf`), files.http!);
    if (files.stream) writeFileSync(path.join(generation, "streams", `${project}.conf`), files.stream);
  }
  symlinkSync("generations/000001", path.join(dir, "current"));
}

const WEB = `
web:
  image: berth/web:1
  ports: ["8080"]
  labels:
    aliyun.routing.port_8080: http://tomcat-sample
    aliyun.scale: "2"
`;

async function rejected(promise: Promise<unknown>): Promise<UserError> {
  const e = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

const routingOnly = (desired: DesiredResource[]) => desired.filter((d) => d.provider === "routing");

describe("RoutingProvider.resolveDesired", () => {
  it("adds each route's nginx text, backends shown by address", async () => {
    const provider = new RoutingProvider({ listen: "127.0.0.1:8480", dir: routerDir(), project: "demo" });
    const resolved = await provider.resolveDesired(routingOnly(await desiredOf(WEB)));
    const route = resolved.find((d) => d.address === "route.tomcat-sample.localhost")!;
    expect(route.attributes.rendered_config).toContain("server container.web[1]:8080;");
    expect(route.attributes.rendered_config).toContain("listen 127.0.0.1:8480;");
    expect(resolved.find((d) => d.type === "upstream")!.attributes.rendered_config).toBeUndefined();
  });

  it("a virtual host another project routes is a plan error naming it", async () => {
    const dir = routerDir();
    await liveRouter(dir, { shop: WEB });
    const provider = new RoutingProvider({ listen: null, dir, project: "demo" });
    const e = await rejected(provider.resolveDesired(routingOnly(await desiredOf(WEB))));
    expect(e.code).toBe("E_ROUTE_CLAIMED");
    expect(e.message).toContain("virtual host tomcat-sample.localhost is already routed by project 'shop'");
    expect(e.where).toEqual({ address: "route.tomcat-sample.localhost" });
  });

  it("the project's own live file is no claim against it", async () => {
    const dir = routerDir();
    await liveRouter(dir, { demo: WEB });
    const provider = new RoutingProvider({ listen: null, dir, project: "demo" });
    await expect(provider.resolveDesired(routingOnly(await desiredOf(WEB)))).resolves.toHaveLength(2);
  });

  it("https without a certificate is refused before apply", async () => {
    const provider = new RoutingProvider({ listen: null, dir: routerDir(), project: "demo", env: {} });
    const yaml = WEB.replace("http://tomcat-sample", "https://tomcat-sample");
    const e = await rejected(provider.resolveDesired(routingOnly(await desiredOf(yaml))));
    expect(e.code).toBe("E_ROUTE_TLS");
    expect(e.message).toContain("BERTH_ROUTER_TLS_CERT and BERTH_ROUTER_TLS_KEY");
  });

  it("a certificate that cannot be read is refused before apply", async () => {
    const env = { BERTH_ROUTER_TLS_CERT: "/nonexistent/cert.pem", BERTH_ROUTER_TLS_KEY: "/nonexistent/key.pem" };
    const provider = new RoutingProvider({ listen: null, dir: routerDir(), project: "demo", env });
    const yaml = WEB.replace("http://tomcat-sample", "wss://tomcat-sample");
    expect((await rejected(provider.resolveDesired(routingOnly(await desiredOf(yaml))))).message).toContain("cannot read /nonexistent/cert.pem");
  });

  it("tcp without nginx's stream module is refused before apply", async () => {
    const provider = new RoutingProvider({ listen: null, dir: routerDir(), project: "demo", streamModule: null });
    const yaml = WEB.replace("http://tomcat-sample", "tcp://db");
    const e = await rejected(provider.resolveDesired(routingOnly(await desiredOf(yaml))));
    expect(e.code).toBe("E_ROUTE_TCP");
    expect(e.message).toContain("libnginx-mod-stream");
  });

  it("a tcp route on the router's own port is refused", async () => {
    const provider = new RoutingProvider({ listen: "127.0.0.1:8080", dir: routerDir(), project: "demo", streamModule: "/x/ngx_stream_module.so" });
    const yaml = WEB.replace("http://tomcat-sample", "tcp://db");
    const e = await rejected(provider.resolveDesired(routingOnly(await desiredOf(yaml))));
    expect(e.code).toBe("E_ROUTE_TCP");
    expect(e.message).toContain("127.0.0.1:8080, already used by the router's http port");
  });
});

describe("RoutingProvider.refresh", () => {
  it("reads the routes back from the live include file's header", async () => {
    const dir = routerDir();
    await liveRouter(dir, { demo: WEB });
    const provider = new RoutingProvider({ listen: null, dir, project: "demo" });
    const observed = await provider.refresh({ project: "demo", recorded: [], desired: [] });
    const desired = routingOf(await desiredOf(WEB));
    expect(observed.map((o) => o.address)).toEqual(desired.map((d) => d.address));
    const route = observed.find((o) => o.type === "route")!;
    // No master runs: the route is there but does not serve (drift the next apply repairs).
    expect(route.attributes).toEqual({ ...desired.find((d) => d.type === "route")!.attributes, serving: false });
  });

  it("a hand-deleted include file is drift: nothing observed", async () => {
    const dir = routerDir();
    await liveRouter(dir, { demo: WEB });
    rmSync(path.join(dir, "generations", "000001", "projects", "demo.conf"));
    const provider = new RoutingProvider({ listen: null, dir, project: "demo" });
    expect(await provider.refresh({ project: "demo", recorded: [], desired: [] })).toEqual([]);
  });

  it("a hand-edited include file shows as a changed rendered_config", async () => {
    const dir = routerDir();
    await liveRouter(dir, { demo: WEB });
    const file = path.join(dir, "current", "projects", "demo.conf");
    writeFileSync(file, readFileSync(file, "utf8").replace("proxy_connect_timeout 2s;", "proxy_connect_timeout 60s;"));
    const provider = new RoutingProvider({ listen: null, dir, project: "demo" });
    const route = (await provider.refresh({ project: "demo", recorded: [], desired: [] })).find((o) => o.type === "route")!;
    expect(route.attributes.rendered_config).toContain("edited outside Berth");
  });

  it("no router folder at all: nothing observed", async () => {
    const provider = new RoutingProvider({ listen: null, dir: path.join(routerDir(), "absent"), project: "demo" });
    expect(await provider.refresh({ project: "demo", recorded: [], desired: [] })).toEqual([]);
  });
});
