/**
 * `berth sync` end to end, every engine real: containers of `berth/web:1` published on
 * 127.0.0.1, `berth agent` writing their entries to etcd, the sync rendering an nginx upstream
 * from them and a real nginx master proxying through it. A scale-up reaches nginx within a
 * second; the propagation time (container start → nginx reloaded with the new upstream) is
 * measured and its median printed.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiscoveryAgent } from "../../../providers/discovery/agent.js";
import type { EtcdConnection } from "../../../src/clients/etcd.js";
import { ServiceSync, type SyncUpdate } from "../../../providers/discovery/sync.js";
import { requireDocker } from "../helpers.js";
import { cleanProject, freePort, median, rawEtcd, requireEtcd, startWebContainer, waitFor } from "./fixtures.js";

const NGINX = process.env.BERTH_NGINX || "/usr/sbin/nginx";
const project = `tsync${randomBytes(3).toString("hex")}`;
const id = `${project}_web`;
const etcdClient = rawEtcd();
let docker: Docker;
let etcd: EtcdConnection;
let agent: DiscoveryAgent;
let dir: string;
let nginxPort: number;
const logs: string[] = [];
const containers: Docker.Container[] = [];

const TEMPLATE = ["# rendered by berth sync for ${serviceName}", "upstream ${serviceName} {", "    ${upstreamServers}", "}", ""].join("\n");

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}

async function nginxPid(): Promise<number | null> {
  const text = await readFile(path.join(dir, "nginx.pid"), "utf8").catch(() => "");
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

/** Which containers answer curl through nginx: their hostnames (the demo server prints its hostname). */
async function hostnamesThroughNginx(requests: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < requests; i++) {
    const { code, output } = await run("curl", ["-sf", "--max-time", "2", `http://127.0.0.1:${nginxPort}/`]);
    const host = code === 0 ? /hostname=(\S+)/.exec(output)?.[1] : undefined;
    if (host) seen.add(host);
  }
  return seen;
}

function serverLines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim().startsWith("server "));
}

beforeAll(async () => {
  docker = await requireDocker();
  etcd = await requireEtcd();
  await docker.getImage("berth/web:1").inspect().catch(() => {
    throw new Error("the demo image berth/web:1 is missing: run `npm run images`");
  });
  dir = await mkdtemp(path.join(tmpdir(), "berth-sync-"));
  await mkdir(path.join(dir, "temp"));
  nginxPort = await freePort();
  // The service's record, as `berth apply` writes it: the routed port is the default upstream port.
  await etcdClient.put(`/berth/services/${id}`).value(
    JSON.stringify({
      Service: { name: "web", project, definition: { image: "berth/web:1" }, extensions: { scale: 1, routing: [{ virtual_host: "web.localhost", protocol: "http", port: 8080 }] } },
    }),
  );
  containers.push(await startWebContainer(docker, project, "web", 1));
  agent = new DiscoveryAgent({ etcd, docker, project, ttlSeconds: 10, log: (m) => logs.push(m) });
  await agent.start();
});

afterAll(async () => {
  const pid = dir ? await nginxPid() : null;
  if (pid) process.kill(pid, "SIGTERM");
  await agent?.stop();
  await cleanProject(docker, project);
  await etcd?.close();
  etcdClient.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("berth sync", () => {
  it("renders the upstream from the records and validates it with a real nginx -t (--once)", async () => {
    await writeFile(path.join(dir, "upstream.tmpl"), TEMPLATE);
    const sync = new ServiceSync({
      etcd,
      serviceId: id,
      templateFile: path.join(dir, "upstream.tmpl"),
      outFile: path.join(dir, "upstream.conf"),
      nginx: NGINX,
      log: (m) => logs.push(m),
    });

    expect(await sync.once()).toBe("updated");
    expect(await sync.once()).toBe("unchanged");

    const text = await readFile(path.join(dir, "upstream.conf"), "utf8");
    const published = (await containers[0].inspect()).NetworkSettings.Ports["8080/tcp"]![0].HostPort;
    expect(text).toBe(`# rendered by berth sync for ${id}\nupstream ${id} {\n    server 127.0.0.1:${published};\n}\n`);
  });

  it("leaves the last good file in place when nginx rejects the rendered text", async () => {
    const template = path.join(dir, "broken.tmpl");
    const out = path.join(dir, "broken.conf");
    await writeFile(out, "# last good\n");
    await writeFile(template, "upstream ${serviceName} {\n    ${upstreamServers}\n    no_such_directive on;\n}\n");
    const sync = new ServiceSync({ etcd, serviceId: id, templateFile: template, outFile: out, nginx: NGINX, log: (m) => logs.push(m) });

    await expect(sync.once()).rejects.toMatchObject({ code: "E_SYNC_REJECTED" });
    expect(await readFile(out, "utf8")).toBe("# last good\n");
    expect(logs.join("\n")).toContain("no_such_directive");
  });

  it("keeps nginx's own $variables and validates a full nginx.conf template as it is", async () => {
    const template = path.join(dir, "full.tmpl");
    const out = path.join(dir, "full.conf");
    await writeFile(
      template,
      [
        `pid ${dir}/full.pid;`,
        "events {}",
        "http {",
        "    upstream ${serviceName} {",
        "        ${upstreamServers}",
        "    }",
        "    server {",
        "        listen 127.0.0.1:1;",
        "        location / { proxy_set_header Host $host; proxy_pass http://${serviceName}; }",
        "    }",
        "}",
        "",
      ].join("\n"),
    );
    const sync = new ServiceSync({ etcd, serviceId: id, templateFile: template, outFile: out, nginx: NGINX, log: (m) => logs.push(m) });

    expect(await sync.once()).toBe("updated");
    const text = await readFile(out, "utf8");
    expect(text).toContain("proxy_set_header Host $host;");
    expect(text).toMatch(/^ {8}server 127\.0\.0\.1:\d+;$/m);
  });

  it("follows a scale-up into a running nginx within a second, and measures the propagation", async () => {
    const mainConf = path.join(dir, "nginx.conf");
    await writeFile(
      mainConf,
      [
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        "worker_processes 1;",
        "events { worker_connections 128; }",
        "http {",
        "    access_log off;",
        `    client_body_temp_path ${dir}/temp/client_body;`,
        `    proxy_temp_path ${dir}/temp/proxy;`,
        `    fastcgi_temp_path ${dir}/temp/fastcgi;`,
        `    uwsgi_temp_path ${dir}/temp/uwsgi;`,
        `    scgi_temp_path ${dir}/temp/scgi;`,
        `    include ${dir}/upstream.conf;`,
        "    server {",
        `        listen 127.0.0.1:${nginxPort};`,
        `        location / { proxy_pass http://${id}; proxy_next_upstream error timeout; }`,
        "    }",
        "}",
        "",
      ].join("\n"),
    );
    const started = await run(NGINX, ["-p", `${dir}/`, "-e", `${dir}/error.log`, "-c", mainConf]);
    expect(started, started.output).toMatchObject({ code: 0 });
    expect(await nginxPid()).not.toBeNull();
    const first = await hostnamesThroughNginx(4);
    expect(first.size).toBe(1);

    const updates: { at: number; update: SyncUpdate }[] = [];
    const sync = new ServiceSync({
      etcd,
      serviceId: id,
      templateFile: path.join(dir, "upstream.tmpl"),
      outFile: path.join(dir, "upstream.conf"),
      nginx: NGINX,
      nginxConf: mainConf,
      nginxPidFile: path.join(dir, "nginx.pid"),
      resyncSeconds: 60,
      log: (m) => logs.push(m),
      onUpdate: (update) => updates.push({ at: performance.now(), update }),
    });
    await sync.start();
    try {
      // Scale-up: a second replica starts; the agent sees the event, the sync re-renders, nginx reloads.
      const t0 = performance.now();
      containers.push(await startWebContainer(docker, project, "web", 2));
      const started2 = performance.now();
      const { value: scaled } = await waitFor(
        () => updates.find((u) => u.at > t0 && u.update.servers.length === 2 && u.update.reloaded),
        1_000,
        "an upstream of 2 servers",
      );
      expect(serverLines(await readFile(path.join(dir, "upstream.conf"), "utf8"))).toHaveLength(2);
      const both = await waitFor(async () => (await hostnamesThroughNginx(4)).size === 2, 1_000, "nginx to reach both replicas");
      console.log(
        `sync: scale-up reached nginx's upstream ${(scaled.at - started2).toFixed(0)} ms after docker start returned ` +
          `(${(scaled.at - t0).toFixed(0)} ms after create+start began); both replicas answered through nginx ${(performance.now() - t0).toFixed(0)} ms after`,
      );
      expect(both.ms).toBeLessThan(1_000);

      // Propagation figures: start a replica, time until nginx was reloaded with it; remove it again.
      const fromCreate: number[] = [];
      const fromStarted: number[] = [];
      for (let n = 3; n <= 9; n++) {
        const before = performance.now();
        const replica = await startWebContainer(docker, project, "web", n);
        const startedAt = performance.now();
        const { value: up } = await waitFor(
          () => updates.find((u) => u.at > before && u.update.servers.length === 3 && u.update.reloaded),
          2_000,
          `replica ${n} in the upstream`,
        );
        fromCreate.push(up.at - before);
        fromStarted.push(up.at - startedAt);
        const down = performance.now();
        await replica.remove({ force: true });
        await waitFor(() => updates.find((u) => u.at > down && u.update.servers.length === 2), 2_000, `replica ${n} out of the upstream`);
      }
      const ms = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
      console.log(
        `sync: propagation → nginx reloaded with the new replica: median ${median(fromStarted).toFixed(0)} ms after docker start returned ` +
          `(samples ${ms(fromStarted)}); median ${median(fromCreate).toFixed(0)} ms counting docker create+start (samples ${ms(fromCreate)})`,
      );
      expect(median(fromStarted)).toBeLessThan(1_000);

      // Scale-down: a stopped replica leaves the upstream; nginx keeps answering from the other.
      const down = performance.now();
      await containers[1].stop({ t: 1 });
      await waitFor(() => updates.find((u) => u.at > down && u.update.servers.length === 1), 1_000, "an upstream of 1 server");
      expect((await hostnamesThroughNginx(3)).size).toBe(1);
    } finally {
      await sync.stop();
    }
  });

  it("keeps the last good upstream when no replica runs (nginx refuses an empty upstream)", async () => {
    const out = path.join(dir, "upstream.conf");
    const before = await readFile(out, "utf8");
    const sync = new ServiceSync({
      etcd,
      serviceId: id,
      templateFile: path.join(dir, "upstream.tmpl"),
      outFile: out,
      nginx: NGINX,
      nginxConf: path.join(dir, "nginx.conf"),
      nginxPidFile: path.join(dir, "nginx.pid"),
      log: (m) => logs.push(m),
    });
    await sync.start();
    try {
      await containers[0].stop({ t: 1 });
      await waitFor(() => logs.some((l) => l.includes("no servers are inside upstream")), 2_000, "nginx to refuse the empty upstream");
      expect(await readFile(out, "utf8")).toBe(before);
      expect((await hostnamesThroughNginx(1)).size).toBe(0);
    } finally {
      await sync.stop();
    }
  });
});
