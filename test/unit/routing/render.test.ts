/**
 * What the router renders for each routing pattern, as golden files a reviewer reads:
 * the route's rendered_config as a plan shows it (backends by address), then the project's
 * include files as they go live (backends on their published ports). Every live rendering is
 * checked by the real `nginx -t`. `npm run golden` rewrites the files.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderProjectConfig, renderRouteConfig, renderMainConfig } from "../../../providers/routing/render.js";
import { liveServers, placeholderServers, renderRoutes } from "../../../providers/routing/routes.js";
import { STREAM_MODULE } from "../../../providers/routing/settings.js";
import { projectFiles } from "../../../providers/routing/state-header.js";
import { expectGolden } from "../golden.js";
import { desiredOf, liveRoutingOf, nginxCheck, recordedContainers, routingOf, SETTINGS, withEndpoints } from "./fixtures.js";

const golden = (name: string) => new URL(`./golden/${name}.txt`, import.meta.url);

const CASES: Record<string, string> = {
  // The article's first pattern: three replicas behind one test domain.
  http: `
web:
  image: berth/web:1
  ports: ["8080"]
  labels:
    aliyun.routing.port_8080: http://tomcat-sample
    aliyun.scale: "3"
`,
  ws: `
chat:
  image: berth/chat:1
  ports: ["3000"]
  labels:
    aliyun.routing.port_3000: ws://chat
    aliyun.scale: "2"
`,
  "context-path": `
shop:
  image: berth/shop:1
  ports: ["80"]
  labels:
    aliyun.routing.port_80: http://shop.example.com
api:
  image: berth/api:1
  ports: ["8080"]
  labels:
    aliyun.routing.port_8080: http://shop.example.com/api/v1
    aliyun.scale: "2"
`,
  sticky: `
web:
  image: berth/web:1
  ports: ["8080"]
  labels:
    aliyun.routing.port_8080: http://tomcat-sample
    aliyun.routing.session_sticky: "true"
    aliyun.scale: "2"
`,
  tcp: `
db:
  image: berth/db:1
  ports: ["5432"]
  labels:
    aliyun.routing.port_5432: tcp://db
    aliyun.scale: "2"
`,
  // aliyun.scale 0: the host stays routed and says why nothing answers.
  "empty-upstream": `
web:
  image: berth/web:1
  ports: ["8080"]
  labels:
    aliyun.routing.port_8080: http://tomcat-sample
    aliyun.scale: "0"
`,
  // The article's "route to node" pattern: tomcat1 and tomcat2 both serve tomcat.ir.
  "two-services-one-host": `
tomcat1:
  image: berth/web:1
  ports: ["8080"]
  labels:
    aliyun.routing.port_8080: http://tomcat.ir
    aliyun.scale: "2"
tomcat2:
  image: berth/web:1
  ports: ["8080"]
  labels:
    aliyun.routing.port_8080: http://tomcat.ir
    aliyun.scale: "2"
`,
  https: `
web:
  image: berth/web:1
  ports: ["8443"]
  labels:
    aliyun.routing.port_8443: https://secure;wss://secure/live
`,
};

async function renderCase(yaml: string): Promise<{ text: string; live: { http: string; stream: string } }> {
  const desired = await desiredOf(yaml);
  const resources = routingOf(desired);
  const planned = renderRoutes("demo", resources, placeholderServers);
  const live = renderProjectConfig(renderRoutes("demo", liveRoutingOf(desired, recordedContainers(desired)), liveServers), SETTINGS);
  const sections = planned.map((r) => `## rendered_config of ${r.address} (plan)\n${renderRouteConfig(r, SETTINGS)}`);
  sections.push(`## projects/demo.conf body (live)\n${live.http}`);
  if (live.stream) sections.push(`## streams/demo.conf body (live)\n${live.stream}`);
  return { text: sections.join("\n"), live };
}

describe("router configuration", () => {
  for (const [name, yaml] of Object.entries(CASES)) {
    it(`${name}: renders as the golden file`, async () => {
      const { text } = await renderCase(yaml);
      expectGolden(golden(name), text);
    });
  }

  it("rendering is deterministic: the same routes give the same bytes", async () => {
    const a = await renderCase(CASES["two-services-one-host"]);
    const b = await renderCase(CASES["two-services-one-host"]);
    expect(a.text).toBe(b.text);
  });

  it("an empty upstream never reaches nginx: the host answers 503 naming itself", async () => {
    const { live } = await renderCase(CASES["empty-upstream"]);
    expect(live.http).not.toContain("upstream ");
    expect(live.http).toContain('return 503 "no backend for tomcat-sample.localhost\\n";');
  });

  it("replicas with no endpoint (port not published yet, stopped) are left out", async () => {
    const desired = await desiredOf(CASES.http);
    const containers = recordedContainers(desired);
    containers[1].attributes.published = null;
    containers[2].attributes.running = false;
    const live = renderProjectConfig(renderRoutes("demo", liveRoutingOf(desired, containers.map(withEndpoints)), liveServers), SETTINGS);
    expect(live.http.match(/server 127\.0\.0\.1:\d+;/g)).toEqual(["server 127.0.0.1:32768;"]);
  });

  it("a port published on every address is reached on loopback, a specific address on that address", async () => {
    const desired = await desiredOf(CASES.http);
    const containers = recordedContainers(desired);
    (containers[0].attributes.ports as { host_ip: string }[])[0].host_ip = "0.0.0.0";
    (containers[1].attributes.ports as { host_ip: string }[])[0].host_ip = "127.0.0.2";
    const live = renderProjectConfig(renderRoutes("demo", liveRoutingOf(desired, containers.map(withEndpoints)), liveServers), SETTINGS);
    expect(live.http).toContain("server 127.0.0.1:32768;");
    expect(live.http).toContain("server 127.0.0.2:32769;");
  });

  it("the include file carries its resources in a header line", async () => {
    const desired = await desiredOf(CASES.http);
    const resources = routingOf(desired);
    const config = renderProjectConfig(renderRoutes("demo", liveRoutingOf(desired, recordedContainers(desired)), liveServers), SETTINGS);
    const files = projectFiles("demo", "127.0.0.1:8480", resources, config);
    expect(files.stream).toBeNull();
    expectGolden(golden("project-file"), files.http!);
  });

  it("the router's main file", () => {
    expectGolden(golden("main"), renderMainConfig({ listen: SETTINGS.listen, streamModule: STREAM_MODULE }, "0123456789abcdef"));
  });

  it("nginx -t accepts every live rendering (Debian's /usr/sbin/nginx)", async () => {
    const streamInstalled = existsSync(STREAM_MODULE);
    for (const [name, yaml] of Object.entries(CASES)) {
      if (name === "https") continue; // needs real certificate files: covered end to end
      const { live } = await renderCase(yaml);
      if (live.stream && !streamInstalled) continue; // tcp without the module is refused earlier (E_ROUTE_TCP)
      expect(() => nginxCheck(live), name).not.toThrow();
    }
  });
});
