/**
 * `berth agent` against the real dockerd and etcd: a container of the demo image, labelled for a
 * test project and published on 127.0.0.1, gets an entry under the agent's lease; `docker stop`
 * shows as running=false straight from the die event (before dockerd has torn the container's
 * networking down and the stop call returns); a start right after a stop wins; destroying it
 * removes the entry; stopping the agent revokes its lease and its entries go with it.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DiscoveryAgent } from "../../../providers/discovery/agent.js";
import type { EtcdConnection } from "../../../src/clients/etcd.js";
import { requireDocker } from "../helpers.js";
import { cleanProject, rawEtcd, requireEtcd, startWebContainer, waitFor } from "./fixtures.js";

const project = `tagent${randomBytes(3).toString("hex")}`;
const etcdClient = rawEtcd();
let docker: Docker;
let etcd: EtcdConnection;
const agents: DiscoveryAgent[] = [];
const logs: string[] = [];

function entryKey(containerId: string): string {
  return `/berth/services/${project}_web/containers/${containerId}`;
}

async function entry(containerId: string): Promise<Record<string, unknown> | null> {
  const text = await etcdClient.get(entryKey(containerId)).string();
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

/** When this test process saw each Docker event of the project (performance.now()), in order. */
async function recordEvents(): Promise<{ seen: { action: string; at: number }[]; close(): void }> {
  const stream = (await docker.getEvents({ filters: { type: ["container"], label: [`berth.project=${project}`] } } as Docker.GetEventsOptions)) as unknown as Readable;
  const seen: { action: string; at: number }[] = [];
  let buffered = "";
  stream.on("data", (chunk: Buffer) => {
    const at = performance.now();
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) seen.push({ action: (JSON.parse(line) as { Action: string }).Action, at });
    }
  });
  stream.on("error", () => {});
  return { seen, close: () => stream.destroy() };
}

async function startAgent(): Promise<DiscoveryAgent> {
  const agent = new DiscoveryAgent({ etcd, docker, project, ttlSeconds: 10, log: (m) => logs.push(m) });
  agents.push(agent);
  await agent.start();
  return agent;
}

beforeAll(async () => {
  docker = await requireDocker();
  etcd = await requireEtcd();
  await docker.getImage("berth/web:1").inspect().catch(() => {
    throw new Error("the demo image berth/web:1 is missing: run `npm run images`");
  });
});

afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.stop();
  await cleanProject(docker, project);
});

afterAll(async () => {
  await etcd?.close();
  etcdClient.close();
});

describe("discovery agent", () => {
  it("keeps a container's entry current: stop within a second, start, destroy", async () => {
    const container = await startWebContainer(docker, project, "web", 1);
    await startAgent();

    const first = await entry(container.id);
    expect(first).toMatchObject({ name: `/${project}_web_1`, node: hostname(), running: true, status: "running", health: "success" });
    expect(first?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((first?.published as Record<string, number>)["8080/tcp"]).toBeGreaterThan(0);
    const [kv] = (await etcdClient.get(entryKey(container.id)).exec()).kvs;
    expect(kv.lease).not.toBe("0");

    // Polled from the moment `docker stop` is called: the entry should change at the die
    // event, not once dockerd has finished tearing the container down (when the call returns).
    const events = await recordEvents();
    try {
      const stopCalled = performance.now();
      let stopReturned = Infinity;
      const stopping = container.stop({ t: 1 }).then(() => (stopReturned = performance.now()));
      const stopped = await waitFor(async () => (await entry(container.id))?.running === false, 5_000, "running=false after docker stop");
      const seenAt = stopCalled + stopped.ms;
      await stopping;
      const died = events.seen.find((e) => e.action === "die")?.at ?? NaN;
      // Lenient against a loaded machine; typically it is there before the call returns.
      expect(seenAt - stopReturned).toBeLessThan(1_000);
      expect(await entry(container.id)).toMatchObject({ name: `/${project}_web_1`, node: hostname(), running: false, status: "exited", health: "failure", published: {} });
      console.log(
        `agent: running=false ${(seenAt - stopCalled).toFixed(1)} ms after docker stop was called, ` +
          `${(seenAt - died).toFixed(1)} ms after the die event, ` +
          `${(seenAt - stopReturned).toFixed(1)} ms after docker stop returned (${(stopReturned - died).toFixed(1)} ms after die)`,
      );
    } finally {
      events.close();
    }
    // The inspect that follows writes the full entry; it agrees.
    await waitFor(async () => (await entry(container.id))?.ip === "", 1_000, "the inspected entry after the stop");

    await container.start();
    await waitFor(async () => (await entry(container.id))?.running === true, 1_000, "running=true after docker start");

    await container.remove({ force: true });
    await waitFor(async () => (await entry(container.id)) === null, 1_000, "the entry to go after the container was destroyed");
  });

  it("lets a start right after a stop win, and follows a restart and a SIGKILL", async () => {
    const container = await startWebContainer(docker, project, "web", 1);
    const logged = logs.length;
    await startAgent();
    const inspected = async () => (await container.inspect()).State.Running;

    // die → fast running=false; the inspect begun at die waits for the teardown while start
    // follows: whichever answers last, the start is newer and wins.
    await container.stop({ t: 1 });
    await container.start();
    await waitFor(async () => (await entry(container.id))?.running === true, 2_000, "running=true after stop then start");
    await container.restart({ t: 1 });
    await waitFor(async () => (await entry(container.id))?.running === true && (await inspected()), 2_000, "running=true after restart");
    // Longer than a teardown inspect: nothing late turns it back to false.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const after = await entry(container.id);
    expect(after).toMatchObject({ running: true, status: "running", health: "success" });
    const published = (await container.inspect()).NetworkSettings.Ports["8080/tcp"]?.[0]?.HostPort;
    expect((after?.published as Record<string, number>)["8080/tcp"]).toBe(Number(published));

    // SIGKILL cannot be survived: it is written at the kill.
    await container.kill();
    await waitFor(async () => (await entry(container.id))?.running === false, 1_000, "running=false after a SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await entry(container.id)).toMatchObject({ running: false, status: "exited", health: "failure", published: {}, ip: "" });
    expect(logs.slice(logged)).toEqual([]);
  });

  it("writes the entries of containers that were already there, and drops this machine's stale ones", async () => {
    const one = await startWebContainer(docker, project, "web", 1);
    const two = await startWebContainer(docker, project, "web", 2);
    const staleKey = entryKey("0123456789abcdef");
    await etcdClient.put(staleKey).value(JSON.stringify({ name: `/${project}_web_9`, node: hostname(), running: true }));
    const foreignKey = entryKey("fedcba9876543210");
    await etcdClient.put(foreignKey).value(JSON.stringify({ name: `/${project}_web_8`, node: "another-machine", running: true }));

    await startAgent();

    expect(await entry(one.id)).toMatchObject({ running: true });
    expect(await entry(two.id)).toMatchObject({ name: `/${project}_web_2`, running: true });
    expect(await etcdClient.get(staleKey).string()).toBeNull();
    expect(await etcdClient.get(foreignKey).string()).not.toBeNull();
  });

  it("revokes its lease when stopped: its entries go at once", async () => {
    const container = await startWebContainer(docker, project, "web", 1);
    const agent = await startAgent();
    expect(await entry(container.id)).not.toBeNull();

    await agent.stop();
    agents.splice(agents.indexOf(agent), 1);

    expect(await entry(container.id)).toBeNull();
  });

  it("fails to start with a clear error when etcd does not answer", async () => {
    const { EtcdConnection } = await import("../../../src/clients/etcd.js");
    const away = new EtcdConnection({ endpoints: ["http://127.0.0.1:9"], tls: null });
    const agent = new DiscoveryAgent({ etcd: away, docker, project, log: () => {} });
    try {
      await expect(agent.start()).rejects.toMatchObject({ code: "E_ETCD_UNREACHABLE" });
    } finally {
      await agent.stop();
      await away.close();
    }
  });
});
