/**
 * Defense in depth: the loader already rejects these, but a hand-edited state file or plan
 * must not get a `;`, a brace, a quote or a `$` into the router's nginx configuration either.
 */
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/core/errors.js";
import type { Attributes } from "../../../src/core/types.js";
import { renderProjectConfig } from "../../../providers/routing/render.js";
import { liveServers, placeholderServers, renderRoutes, type RoutingResource } from "../../../providers/routing/routes.js";
import { checkTlsFiles, parseListen } from "../../../providers/routing/settings.js";
import { SETTINGS } from "./fixtures.js";

function resources(route: Partial<Attributes>, upstream: Partial<Attributes> = {}): RoutingResource[] {
  return [
    {
      address: "upstream.web.localhost",
      type: "upstream",
      attributes: { name: "web.localhost", servers: ["container.web[0]:8080"], sticky: false, protocol: "http", ...upstream },
    },
    {
      address: "route.web.localhost",
      type: "route",
      attributes: {
        virtual_host: "web.localhost",
        protocol: "http",
        context: "",
        upstream: "web.localhost",
        services: ["web"],
        ports: [8080],
        ...route,
      },
    },
  ];
}

function rejection(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error("expected a UserError");
}

const render = (r: RoutingResource[], project = "demo") => renderProjectConfig(renderRoutes(project, r, placeholderServers), SETTINGS);

describe("names rendered into the router configuration are checked again", () => {
  it.each<[string, Partial<Attributes>]>([
    ["a host with a directive", { virtual_host: "web.localhost; return 301 http://evil" }],
    ["a host with a brace", { virtual_host: "web}" }],
    ["a host with a variable", { virtual_host: "$host" }],
    ["a host with a newline", { virtual_host: "web\nlocalhost" }],
    ["a host with upper case", { virtual_host: "Web.localhost" }],
    ["an empty host label", { virtual_host: "web..localhost" }],
    ["a context with a space", { context: "/a b" }],
    ["a context with a semicolon", { context: "/a;deny all" }],
    ["a context with a brace", { context: "/a{" }],
    ["a context with a variable", { context: "/$uri" }],
    ["a context with a quote", { context: '/a"' }],
    ["a context walking up", { context: "/../etc" }],
    ["a context without a leading slash", { context: "api" }],
    ["a context with a trailing slash", { context: "/api/" }],
    ["an unknown protocol", { protocol: "gopher" }],
    ["a port that is text", { protocol: "tcp", ports: ["5432; listen 80"] }],
    ["a port out of range", { protocol: "tcp", ports: [70000] }],
    ["an upstream name with a space", { upstream: "web localhost" }],
  ])("%s", (_what, route) => {
    const e = rejection(() => render(resources(route)));
    expect(e.code).toBe("E_ROUTE_INVALID");
    expect(e.where).toEqual({ address: "route.web.localhost" });
  });

  it.each<[string, Partial<Attributes>]>([
    ["a server with a directive", { servers: ["container.web[0]:8080; server evil:80"] }],
    ["a server that is a bare address", { servers: ["10.0.0.1:8080"] }],
    ["a server with a text port", { servers: ["container.web[0]:http"] }],
  ])("%s", (_what, upstream) => {
    expect(rejection(() => render(resources({}, upstream))).code).toBe("E_ROUTE_INVALID");
  });

  it("a project name that is a path", () => {
    expect(rejection(() => render(resources({}), "../etc")).code).toBe("E_ROUTE_INVALID");
  });

  it.each([
    ["a host address that is not an IPv4 address", "127.0.0.1;evil:32768"],
    ["a port that is not a port", "127.0.0.1:1; evil"],
    ["a port out of range", "127.0.0.1:70000"],
    ["no port", "127.0.0.1"],
  ])("a recorded endpoint with %s", (_what, endpoint) => {
    expect(rejection(() => renderRoutes("demo", resources({}, { endpoints: [endpoint] }), liveServers)).code).toBe("E_ROUTE_INVALID");
  });

  it.each(["/etc/tls/cert.pem; evil", "/etc/tls/my cert.pem", "relative/cert.pem", '/etc/"cert".pem', "/etc/../cert.pem", "/etc/$cert"])(
    "a TLS path %j",
    (cert) => {
      expect(rejection(() => checkTlsFiles({ cert, key: "/etc/tls/key.pem" })).code).toBe("E_ROUTE_TLS");
    },
  );

  it.each(["127.0.0.1:8480; evil", "localhost:8480", "127.0.0.1:99999", "256.0.0.1:80", "127.0.0.1"])("a listen address %j", (listen) => {
    expect(rejection(() => parseListen(listen)).code).toBe("E_ROUTER");
  });

  it("a bare port listens on loopback", () => {
    expect(parseListen("8480")).toEqual({ host: "127.0.0.1", port: 8480 });
  });
});
