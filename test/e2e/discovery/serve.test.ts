/**
 * `berth discovery serve` against the real etcd: the article's `/services/{serviceId}` JSON,
 * 404 for unknown services, a stream that sends the record again within a second of a change,
 * and HTTPS that admits only clients with a certificate from the CA (tried with the article's
 * curl command line).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCerts, type CertFiles } from "../../../providers/discovery/certs.js";
import type { EtcdConnection } from "../../../src/clients/etcd.js";
import { startDiscoveryServer, type DiscoveryServer } from "../../../providers/discovery/server.js";
import { deletePrefix, rawEtcd, requireEtcd, sseEvents as events } from "./fixtures.js";

const project = `tserve${randomBytes(3).toString("hex")}`;
const id = `${project}_gitlab`;
const recordKey = `/berth/services/${id}`;
const containerId = "13b3ee3e7ca247537756ad4db117d76f52d9a40efd84d561f1b865200597c97d";
const etcdClient = rawEtcd();
let etcd: EtcdConnection;
let server: DiscoveryServer;
const logs: string[] = [];

const service = {
  name: "gitlab",
  project,
  definition: {
    image: "registry.aliyuncs.com/acs-sample/sameersbn-gitlab:7.14.1",
    labels: { "aliyun.routing.port_80": "gitlab-test" },
    links: ["redis:redisio", "postgresql:postgresql"],
    ports: ["80", "10022:22"],
    volumes: ["/srv/docker/gitlab/gitlab:/home/git/data"],
  },
  extensions: { scale: 1, routing: [{ virtual_host: "gitlab-test.localhost", protocol: "http", port: 80 }] },
};
const container = {
  name: `/${project}_gitlab_1`,
  node: "node-1",
  ip: "172.64.0.8",
  running: true,
  status: "running",
  health: "success",
  published: { "80/tcp": 32768 },
};

beforeAll(async () => {
  etcd = await requireEtcd();
  await etcdClient.put(recordKey).value(JSON.stringify({ Service: service }));
  await etcdClient.put(`${recordKey}/containers/${containerId}`).value(JSON.stringify(container));
  // A service whose id starts with this one's: must not leak into it.
  await etcdClient.put(`${recordKey}2`).value(JSON.stringify({ Service: { ...service, name: "gitlab2" } }));
  server = await startDiscoveryServer({ etcd, listen: "127.0.0.1:0", log: (m) => logs.push(m) });
});

afterAll(async () => {
  await server?.close();
  await etcd?.close();
  await deletePrefix(`/berth/services/${project}_`);
  etcdClient.close();
});


describe("discovery API", () => {
  it("answers GET /services/{serviceId} with the article's JSON", async () => {
    const res = await fetch(`${server.url}/services/${id}`);

    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ Service: service, Containers: { [containerId]: container } });
  });

  it("answers 404 with a JSON error for an unknown service", async () => {
    const res = await fetch(`${server.url}/services/${project}_nothing`);

    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: `no service ${project}_nothing is recorded` });
  });

  it("lists the services", async () => {
    const res = await fetch(`${server.url}/services`);
    const body = (await res.json()) as { services: string[] };

    expect(body.services).toEqual(expect.arrayContaining([id, `${id}2`]));
  });

  it("streams the record now and again within a second of every change", async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/services/${id}?stream=true`, { signal: controller.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const stream = events(res);
    try {
      expect(await stream.next()).toMatchObject({ value: { Service: { name: "gitlab" } } });

      const started = performance.now();
      await etcdClient.put(`${recordKey}/containers/${containerId}`).value(JSON.stringify({ ...container, running: false, status: "exited" }));
      const next = await stream.next();
      const ms = performance.now() - started;

      expect(next.value).toMatchObject({ Containers: { [containerId]: { running: false, status: "exited" } } });
      expect(ms).toBeLessThan(1_000);
      console.log(`discovery stream: change received ${ms.toFixed(1)} ms after the put`);
    } finally {
      controller.abort();
      await etcdClient.put(`${recordKey}/containers/${containerId}`).value(JSON.stringify(container));
    }
  });

  it("streams for Accept: text/event-stream too, and 404s an unknown service instead of streaming", async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/services/${id}`, { headers: { accept: "text/event-stream" }, signal: controller.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    controller.abort();

    const unknown = await fetch(`${server.url}/services/${project}_nothing?stream=true`);
    expect(unknown.status).toBe(404);
  });

  it("serves only the project given with -p", async () => {
    const scoped = await startDiscoveryServer({ etcd, listen: "127.0.0.1:0", project: "someotherproject", log: () => {} });
    try {
      expect((await fetch(`${scoped.url}/services/${id}`)).status).toBe(404);
    } finally {
      await scoped.close();
    }
  });

  it("refuses plain HTTP on an address other machines can reach", async () => {
    await expect(startDiscoveryServer({ etcd, listen: "0.0.0.0:0", log: () => {} })).rejects.toMatchObject({ code: "E_DISCOVERY_LISTEN" });
  });
});

describe("discovery API over TLS with client certificates", () => {
  let dir: string;
  let certs: CertFiles;
  let tlsServer: DiscoveryServer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "berth-certs-"));
    certs = await createCerts({ dir });
    tlsServer = await startDiscoveryServer({
      etcd,
      listen: "127.0.0.1:0",
      tls: { ca: certs.ca, cert: certs.server, key: certs.serverKey },
      log: () => {},
    });
  });

  afterAll(async () => {
    await tlsServer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile("curl", ["-sS", "--max-time", "5", ...args], { cwd: dir }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it("answers the article's curl command line with the agent's certificate", async () => {
    const res = await curl(["-k", "--cert", "agent.pem", "--key", "agent-key.pem", "-w", "\n%{http_code}", `${tlsServer.url}/services/${id}`]);

    expect(res.code).toBe(0);
    const [body, status] = [res.stdout.slice(0, res.stdout.lastIndexOf("\n")), res.stdout.slice(res.stdout.lastIndexOf("\n") + 1)];
    expect(status).toBe("200");
    expect(JSON.parse(body)).toMatchObject({ Service: { name: "gitlab", project }, Containers: { [containerId]: { running: true } } });
  });

  it("verifies the server against the CA (127.0.0.1 is in the certificate)", async () => {
    const res = await curl(["--cacert", "ca.pem", "--cert", "agent.pem", "--key", "agent-key.pem", "-o", "/dev/null", "-w", "%{http_code}", `${tlsServer.url}/services/${id}`]);

    expect(res).toMatchObject({ code: 0, stdout: "200" });
  });

  it("refuses the handshake without a client certificate", async () => {
    const res = await curl(["-k", "-o", "/dev/null", "-w", "%{http_code}", `${tlsServer.url}/services/${id}`]);

    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe("000");
    expect(res.stderr).toMatch(/certificate required|handshake|alert|SSL/i);
  });
});
