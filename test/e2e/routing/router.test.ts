/**
 * The router against the real nginx (Debian's /usr/sbin/nginx): a router folder of its own in a
 * temporary directory, listening on a free port on 127.0.0.1. Node HTTP servers on 127.0.0.1
 * stand in for replicas' published ports. The router is stopped by its pid in afterAll.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { request } from "node:http";
import { createConnection, createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/core/errors.js";
import { isAlive } from "../../../src/core/process.js";
import { RoutingProvider, routerStatus, type RoutingProviderOptions } from "../../../providers/routing/routing-provider.js";
import { STREAM_MODULE } from "../../../providers/routing/settings.js";
import { stopRouter } from "../../../providers/routing/stop-router.js";
import { container, curl, freePort, get, ProjectRun, requireNginx, routing, startBackend, type Backend } from "./harness.js";

const dir = mkdtempSync(path.join(tmpdir(), "berth-router-e2e-"));
let port = 0;
const backends: Record<string, Backend> = {};
const figures: Record<string, number> = {};

function provider(project: string, extra: Partial<RoutingProviderOptions> = {}): RoutingProvider {
  return new RoutingProvider({ listen: `127.0.0.1:${port}`, dir, project, ...extra });
}

async function rejected(promise: Promise<unknown>): Promise<UserError> {
  const e = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

/** Which backends answer `host` over `n` requests. */
async function answering(host: string, n = 12): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const answer = await get(port, host);
    expect(answer.status, answer.body).toBe(200);
    seen.add(answer.body.split(" ")[0]);
  }
  return seen;
}

beforeAll(async () => {
  requireNginx();
  port = await freePort();
  for (const name of ["alpha", "beta", "gamma", "delta"]) backends[name] = await startBackend(name);
});

afterAll(async () => {
  const pid = (await routerStatus({ dir })).pid;
  await stopRouter(dir);
  if (pid !== null) expect(isAlive(pid)).toBe(false);
  await Promise.all(Object.values(backends).map((b) => b.close()));
  rmSync(dir, { recursive: true, force: true });
  console.log(`router figures (ms): ${JSON.stringify(figures)}`);
});

describe("the router", () => {
  let web: ProjectRun;
  beforeAll(() => {
    web = new ProjectRun("shop", provider("shop"));
  });
  const HOST = "tomcat-sample.localhost";

  it("routes a virtual host to every replica's published port, round robin", async () => {
    web.setContainer(container("web", 0, backends.alpha.port));
    web.setContainer(container("web", 1, backends.beta.port));
    const t0 = performance.now();
    const changed = await web.apply(routing(HOST, ["container.web[0]:8080", "container.web[1]:8080"]));
    figures.firstApplyWithStart = Math.round(performance.now() - t0);
    expect(changed).toEqual([`upstream.${HOST}`, `route.${HOST}`]);
    expect(web.logs.some((l) => l.includes(`listening on http://127.0.0.1:${port}`))).toBe(true);
    expect(await answering(HOST)).toEqual(new Set(["alpha", "beta"]));

    const status = await routerStatus({ dir });
    expect(status).toMatchObject({ running: true, listen: `127.0.0.1:${port}`, projects: ["shop"], starts: 1 });
    expect(status.servingHash).toBe(status.configHash);
  });

  it("answers the documented curl commands; an unknown host gets a 404 naming it", async () => {
    expect(await curl(["-H", `Host: ${HOST}`, `http://127.0.0.1:${port}/`])).toMatch(/^(alpha|beta) tomcat-sample\.localhost \/\n$/);
    expect(await curl(["--resolve", `${HOST}:${port}:127.0.0.1`, `http://${HOST}:${port}/x`])).toMatch(/^(alpha|beta) tomcat-sample\.localhost:\d+ \/x\n$/);
    expect(await curl(["-H", "Host: nobody.localhost", `http://127.0.0.1:${port}/`])).toBe("no route for nobody.localhost on this router\n");
  });

  it("records the route with its rendered configuration; refresh reads the same back", async () => {
    const route = web.recorded.find((r) => r.address === `route.${HOST}`)!;
    expect(route.attributes.rendered_config).toContain("server container.web[1]:8080;");
    expect(route.attributes.serving).toBe(true);
    const observed = await web.provider.refresh({ project: "shop", recorded: web.recorded, desired: [] });
    for (const o of observed) {
      const recorded = web.recorded.find((r) => r.address === o.address)!;
      for (const [key, value] of Object.entries(o.attributes)) expect(recorded.attributes[key], `${o.address} ${key}`).toEqual(value);
    }
  });

  it("nothing rendered changed: no reload (same master, same reload count)", async () => {
    const before = await routerStatus({ dir });
    expect(await web.apply(routing(HOST, ["container.web[0]:8080", "container.web[1]:8080"]))).toEqual([]);
    const after = await routerStatus({ dir });
    expect(after.pid).toBe(before.pid);
    expect(after.reloads).toBe(before.reloads);
    expect(after.generation).toBe(before.generation);
  });

  it("a replaced replica: the upstream's update moves traffic to its new endpoint before the old one stops, with no failed request", async () => {
    const answers: { startedAt: number; backend: string }[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const startedAt = performance.now();
        const answer = await get(port, HOST).catch((e: Error) => ({ status: 0, body: e.message, headers: {} }));
        answers.push({ startedAt, backend: answer.status === 200 ? answer.body.split(" ")[0] : `${answer.status} ${answer.body}` });
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const before = await routerStatus({ dir });
    // What the executor does in a hand-over: record the new replica (gamma replaces beta), then
    // apply the upstream that refers to it (its endpoints known only now), then stop the old one.
    web.setContainer(container("web", 1, backends.gamma.port));
    const t0 = performance.now();
    expect(await web.reapply()).toEqual([`upstream.${HOST}`]);
    const confirmed = performance.now();
    figures.upstreamHandOver = Math.round(confirmed - t0);
    await new Promise((r) => setTimeout(r, 150));
    stop = true;
    await load;
    expect(answers.filter((a) => !["alpha", "beta", "gamma"].includes(a.backend))).toEqual([]);
    expect(answers.length).toBeGreaterThan(10);
    // Once the upstream's update returns the old replica may stop: no request started after that reaches it.
    const afterConfirm = answers.filter((a) => a.startedAt > confirmed);
    expect(afterConfirm.length).toBeGreaterThan(0);
    expect(afterConfirm.filter((a) => a.backend === "beta")).toEqual([]);
    const after = await routerStatus({ dir });
    expect(after.reloads).toBe(before.reloads + 1);
    expect(after.pid).toBe(before.pid);
    figures.reloadSighupToServing = after.lastReloadMs ?? -1;
    expect(await answering(HOST)).toEqual(new Set(["alpha", "gamma"]));
  });

  it("a host with no ready backend answers 503 naming it", async () => {
    await web.apply([
      ...routing(HOST, ["container.web[0]:8080", "container.web[1]:8080"]),
      ...routing("idle.localhost", ["container.idle[0]:8080"], { services: ["idle"] }),
    ]);
    const answer = await get(port, "idle.localhost");
    expect(answer).toMatchObject({ status: 503, body: "no backend for idle.localhost\n" });
  });

  it("context paths and websockets", async () => {
    web.setContainer(container("chat", 0, backends.delta.port, 3000));
    await web.apply([
      ...routing(HOST, ["container.web[0]:8080", "container.web[1]:8080"]),
      ...routing(HOST, ["container.chat[0]:3000"], { context: "/live", protocol: "ws", ports: [3000], services: ["chat"] }),
    ]);
    expect((await get(port, HOST, "/live/room")).body).toBe(`delta ${HOST} /live/room\n`);
    expect((await get(port, HOST, "/other")).body).toMatch(/^(alpha|gamma) /);
    const redirect = await get(port, HOST, "/live");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe("/live/");
    expect(await websocketEcho(HOST, "/live/socket", "ping over the router")).toBe("ping over the router");
  });

  it("request bodies stream to the replica, chunked or not, with no size limit of the router's own", async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    expect(await post(HOST, body, false)).toMatch(/^(alpha|gamma) received 3145728\n$/);
    expect(await post(HOST, body, true)).toMatch(/^(alpha|gamma) received 3145728\n$/);
  });

  it("session_sticky: a client keeps its backend through its SERVERID cookie", async () => {
    await web.apply([...routing(HOST, ["container.web[0]:8080", "container.web[1]:8080"], { sticky: true })]);
    const first = await get(port, HOST);
    const cookie = String(first.headers["set-cookie"]?.[0] ?? "").split(";")[0];
    expect(cookie).toMatch(/^SERVERID=[0-9a-f]{32}$/);
    const backend = first.body.split(" ")[0];
    for (let i = 0; i < 8; i++) {
      const again = await get(port, HOST, "/", { Cookie: cookie });
      expect(again.body.split(" ")[0]).toBe(backend);
      expect(again.headers["set-cookie"]).toBeUndefined();
    }
    await web.apply(routing(HOST, ["container.web[0]:8080", "container.web[1]:8080"]));
  });

  it("a configuration nginx rejects: E_ROUTER with nginx's message, and the last known good keeps serving", async () => {
    const broken = new ProjectRun(
      "shop",
      provider("shop", {
        beforeValidate: (staged) => {
          const file = path.join(staged, "projects", "shop.conf");
          writeFileSync(file, `${readFileSync(file, "utf8")}\nserver { listen ${port}; no_such_directive on; }\n`);
        },
      }),
    );
    broken.recorded.push(...web.recorded);
    const before = await routerStatus({ dir });
    const e = await rejected(broken.apply(routing(HOST, ["container.web[0]:8080"])));
    expect(e.code).toBe("E_ROUTER");
    expect(e.message).toContain('unknown directive "no_such_directive"');
    const after = await routerStatus({ dir });
    expect(after).toMatchObject({ pid: before.pid, generation: before.generation, configHash: before.configHash, servingHash: before.configHash });
    expect(await answering(HOST)).toEqual(new Set(["alpha", "gamma"]));
  });

  it("a reload nginx fails after `nginx -t` passed (its https port is taken): rolled back, E_ROUTER, still serving", async () => {
    const tls = selfSignedCertificate();
    const blocker = await occupy();
    const run = new ProjectRun("blocked", provider("blocked", { tls, env: { BERTH_ROUTER_TLS_LISTEN: `127.0.0.1:${blocker.port}` } }));
    run.setContainer(container("web", 0, backends.alpha.port));
    const before = await routerStatus({ dir });
    const t0 = performance.now();
    const e = await rejected(run.apply(routing("secure.localhost", ["container.web[0]:8080"], { protocol: "https" })));
    figures.failedReloadRollback = Math.round(performance.now() - t0);
    expect(e.code).toBe("E_ROUTER");
    expect(e.message).toContain("Address already in use");
    await new Promise<void>((r) => blocker.server.close(() => r()));
    const after = await routerStatus({ dir });
    expect(after).toMatchObject({ pid: before.pid, generation: before.generation, servingHash: before.configHash });
    expect(after.projects).toEqual(["shop"]);
    expect(await answering(HOST)).toEqual(new Set(["alpha", "gamma"]));
  });

  it("https with the user's certificate", async () => {
    const tls = selfSignedCertificate();
    const tlsPort = await freePort();
    const run = new ProjectRun("secure", provider("secure", { tls, env: { BERTH_ROUTER_TLS_LISTEN: `127.0.0.1:${tlsPort}` } }));
    run.setContainer(container("web", 0, backends.beta.port));
    await run.apply(routing("secure.localhost", ["container.web[0]:8080"], { protocol: "https" }));
    expect(await httpsGet(tlsPort, "secure.localhost")).toBe("beta secure.localhost /\n");
    await run.apply([]);
  });

  it("tcp routes through nginx's stream module (or E_ROUTE_TCP without it)", async () => {
    const tcpPort = await freePort();
    const echo = await tcpEcho();
    const run = new ProjectRun("db", provider("db"));
    run.setContainer(container("db", 0, echo.port, tcpPort));
    const desired = routing("db.localhost", [`container.db[0]:${tcpPort}`], { protocol: "tcp", ports: [tcpPort], services: ["db"] });
    if (!existsSync(STREAM_MODULE)) {
      expect((await rejected(run.apply(desired))).code).toBe("E_ROUTE_TCP");
      return;
    }
    await run.apply(desired);
    expect(await tcpRoundTrip(tcpPort, "hello tcp")).toBe("hello tcp");
    await run.apply([]);
    await new Promise<void>((r) => echo.server.close(() => r()));
  });

  it("projects share the router; a host another project routes is refused at plan and at apply", async () => {
    const other = new ProjectRun("blog", provider("blog"));
    other.setContainer(container("web", 0, backends.delta.port));
    await other.apply(routing("blog.localhost", ["container.web[0]:8080"]));
    expect((await get(port, "blog.localhost")).body).toBe("delta blog.localhost /\n");
    expect((await routerStatus({ dir })).projects).toEqual(["blog", "shop"]);

    const claim = routing(HOST, ["container.web[0]:8080"]);
    const atPlan = await rejected(other.provider.resolveDesired(claim));
    expect(atPlan.code).toBe("E_ROUTE_CLAIMED");
    expect(atPlan.message).toContain("already routed by project 'shop'");
    // A plan made before the other project claimed it: the router refuses under its lock too.
    const [upstream, route] = claim;
    const atApply = await rejected(
      other.provider.apply(
        { ...changeFor(route.address, "route", route.attributes), dependsOn: [] },
        { ...other.ctx(), recorded: () => [...other.recorded, { address: upstream.address, type: "upstream", provider: "routing", attributes: upstream.attributes }] },
      ),
    );
    expect(atApply.code).toBe("E_ROUTE_CLAIMED");
  });

  it("the router keeps its address while other projects use it: another --router-listen is refused", async () => {
    const elsewhere = new ProjectRun("elsewhere", provider("elsewhere", { listen: `127.0.0.1:${await freePort()}` }));
    elsewhere.setContainer(container("web", 0, backends.alpha.port));
    const e = await rejected(elsewhere.apply(routing("elsewhere.localhost", ["container.web[0]:8080"])));
    expect(e.code).toBe("E_ROUTER");
    expect(e.message).toContain(`listens on 127.0.0.1:${port} for 'blog', 'shop'`);
  });

  it("concurrent applies of two projects are serialised by the router's lock", async () => {
    const a = new ProjectRun("conc-a", provider("conc-a"));
    const b = new ProjectRun("conc-b", provider("conc-b"));
    a.setContainer(container("web", 0, backends.alpha.port));
    b.setContainer(container("web", 0, backends.beta.port));
    const before = await routerStatus({ dir });
    await Promise.all([a.apply(routing("a.localhost", ["container.web[0]:8080"])), b.apply(routing("b.localhost", ["container.web[0]:8080"]))]);
    const after = await routerStatus({ dir });
    expect(after.reloads).toBe(before.reloads + 2);
    expect(after.projects).toEqual(["blog", "conc-a", "conc-b", "shop"]);
    expect((await get(port, "a.localhost")).body).toMatch(/^alpha /);
    expect((await get(port, "b.localhost")).body).toMatch(/^beta /);
    await Promise.all([a.apply([]), b.apply([])]);
  });

  it("removing every route removes the project's file: refresh observes nothing", async () => {
    const blog = new ProjectRun("blog", provider("blog"));
    blog.recorded.push(...(await blog.provider.refresh({ project: "blog", recorded: [], desired: [] })).map((o) => ({ ...o, provider: "routing" as const })));
    blog.setContainer(container("web", 0, backends.delta.port));
    expect(await blog.apply([])).toEqual(["route.blog.localhost", "upstream.blog.localhost"]);
    expect(await blog.provider.refresh({ project: "blog", recorded: [], desired: [] })).toEqual([]);
    expect((await get(port, "blog.localhost")).status).toBe(404);
    expect((await routerStatus({ dir })).projects).toEqual(["shop"]);
  });

  it("a hand-deleted include file is drift; the next apply puts it back", async () => {
    const file = path.join(dir, "current", "projects", "shop.conf");
    rmSync(file);
    expect(await web.provider.refresh({ project: "shop", recorded: web.recorded, desired: [] })).toEqual([]);
    await web.reapply({ force: [`route.${HOST}`] });
    expect(existsSync(file)).toBe(true);
    expect(await answering(HOST)).toEqual(new Set(["alpha", "gamma"]));
  });

  it("a stopped router shows as routes that do not serve; the next apply starts it", async () => {
    expect(await stopRouter(dir)).toBe(true);
    const observed = await web.provider.refresh({ project: "shop", recorded: web.recorded, desired: [] });
    expect(observed.find((o) => o.address === `route.${HOST}`)!.attributes.serving).toBe(false);
    const t0 = performance.now();
    await web.reapply({ force: [`route.${HOST}`] });
    figures.restartUnchanged = Math.round(performance.now() - t0);
    expect((await routerStatus({ dir })).running).toBe(true);
    expect(await answering(HOST)).toEqual(new Set(["alpha", "gamma"]));
  });
});

// ------------------------------------------------------------------ helpers

function changeFor(address: string, type: "route" | "upstream", after: Record<string, unknown>) {
  return {
    address,
    type,
    provider: "routing" as const,
    name: address.slice(address.indexOf(".") + 1),
    index: null,
    service: "web",
    actions: ["create"] as ["create"],
    before: null,
    after: after as never,
    replacePaths: [],
    sensitivePaths: [],
    identifierPaths: [],
    reason: null,
  };
}

function post(host: string, body: Buffer, chunked: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Host: host, ...(chunked ? { "Transfer-Encoding": "chunked" } : { "Content-Length": body.length }) };
    const req = request({ host: "127.0.0.1", port, path: "/upload", method: "POST", agent: false, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    for (let offset = 0; offset < body.length; offset += 256 * 1024) req.write(body.subarray(offset, offset + 256 * 1024));
    req.end();
  });
}

function selfSignedCertificate(): { cert: string; key: string } {
  const cert = path.join(dir, "tls-cert.pem");
  const key = path.join(dir, "tls-key.pem");
  if (!existsSync(cert)) {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=secure.localhost", "-keyout", key, "-out", cert], {
      stdio: "ignore",
    });
  }
  return { cert, key };
}

function occupy(): Promise<{ server: TcpServer; port: number }> {
  return new Promise((resolve) => {
    const server = createTcpServer(() => {});
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : 0 });
    });
  });
}

function httpsGet(tlsPort: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port: tlsPort, path: "/", servername: host, headers: { Host: host }, rejectUnauthorized: false, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve(body));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function websocketEcho(host: string, urlPath: string, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path: urlPath,
      agent: false,
      headers: { Host: host, Connection: "Upgrade", Upgrade: "websocket" },
    });
    req.on("upgrade", (res, socket) => {
      expect(res.statusCode).toBe(101);
      socket.once("data", (data) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.write(message);
    });
    req.on("response", (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on("error", reject);
    req.end();
  });
}

function tcpEcho(): Promise<{ server: TcpServer; port: number }> {
  return new Promise((resolve) => {
    const server = createTcpServer((socket) => socket.pipe(socket));
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : 0 });
    });
  });
}

function tcpRoundTrip(tcpPort: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port: tcpPort }, () => socket.write(message));
    socket.once("data", (data) => {
      resolve(data.toString());
      socket.destroy();
    });
    socket.on("error", reject);
  });
}
