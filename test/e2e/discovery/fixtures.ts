/**
 * Shared pieces of the discovery e2e tests: the real etcd (`npm run engines`), test containers
 * of the demo image `berth/web:1` (`npm run images`) published on 127.0.0.1, and polling.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { Etcd3 } from "etcd3";
import { EtcdConnection } from "../../../src/clients/etcd.js";
import { removeProject } from "../helpers.js";

export const ETCD_ENDPOINT = "http://127.0.0.1:2379";

/** Fails loudly when etcd does not answer: an e2e test never skips. */
export async function requireEtcd(): Promise<EtcdConnection> {
  const etcd = new EtcdConnection({ endpoints: [ETCD_ENDPOINT], tls: null });
  try {
    await etcd.run("checking that etcd runs", (c) => c.get("/berth/ping").exec());
  } catch (e) {
    await etcd.close();
    throw new Error(`e2e tests need a running etcd at ${ETCD_ENDPOINT} (npm run engines): ${(e as Error).message}`);
  }
  return etcd;
}

/** A plain client for the tests' own reads and writes (what an operator or another tool would do). */
export function rawEtcd(): Etcd3 {
  return new Etcd3({ hosts: [ETCD_ENDPOINT] });
}

export async function deletePrefix(prefix: string): Promise<void> {
  const client = rawEtcd();
  try {
    await client.delete().prefix(prefix).exec();
  } finally {
    client.close();
  }
}

/** Starts replica n (1-based) of `service`, labelled as Berth labels it, port 8080 published on 127.0.0.1. */
export async function startWebContainer(docker: Docker, project: string, service: string, n: number): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: "berth/web:1",
    name: `${project}_${service}_${n}`,
    Labels: { "berth.project": project, "berth.service": service, "berth.index": String(n - 1) },
    ExposedPorts: { "8080/tcp": {} },
    HostConfig: { PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] } },
  });
  await container.start();
  return container;
}

export async function cleanProject(docker: Docker, project: string): Promise<void> {
  await removeProject(docker, project);
  await deletePrefix(`/berth/services/${project}_`);
}

/** Polls until `check` returns something truthy; the value and how long it took. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<{ value: NonNullable<T>; ms: number }> {
  const started = performance.now();
  let last: unknown;
  while (performance.now() - started < timeoutMs) {
    try {
      const value = await check();
      if (value) return { value: value as NonNullable<T>, ms: performance.now() - started };
    } catch (e) {
      last = e;
    }
    await sleep(5);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
}

export { freePort } from "../local-nginx.js";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Reads server-sent events from a streaming response: each `data:` payload, parsed. */
export async function* sseEvents(res: Response): AsyncGenerator<unknown> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = block
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      if (data) yield JSON.parse(data);
    }
  }
}
