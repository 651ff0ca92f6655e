/**
 * The etcd state backend against the real etcd (`npm run engines`): the conformance suite every
 * backend passes, each test under its own key prefix, plus what only a lease-backed lock does:
 * a holder that died (its lease revoked) no longer blocks anyone.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { EtcdStateBackend } from "../../../state/etcd/etcd-backend.js";
import { nextState } from "../../../state/new-state.js";
import { stateBackendConformance } from "../../unit/state/conformance.js";
import { ETCD_ENDPOINT, deletePrefix, rawEtcd, requireEtcd } from "../discovery/fixtures.js";

const PROJECT = "shop";

function uniquePrefix(): string {
  return `berth-test-${randomBytes(4).toString("hex")}`;
}

function open(prefix: string, lockTtlSeconds?: number): EtcdStateBackend {
  return new EtcdStateBackend({ endpoints: [ETCD_ENDPOINT], prefix, project: PROJECT, tls: null, lockTtlSeconds });
}

beforeAll(async () => {
  await (await requireEtcd()).close();
});

stateBackendConformance("etcd", async () => {
  const prefix = uniquePrefix();
  return {
    backend: open(prefix),
    second: async () => open(prefix),
    cleanup: () => deletePrefix(`/${prefix}/`),
  };
});

describe("etcd state backend", () => {
  const prefixes: string[] = [];
  const opened: EtcdStateBackend[] = [];

  function backendOn(prefix: string, lockTtlSeconds?: number): EtcdStateBackend {
    const backend = open(prefix, lockTtlSeconds);
    opened.push(backend);
    return backend;
  }

  afterEach(async () => {
    for (const b of opened.splice(0)) await b.close();
    for (const p of prefixes.splice(0)) await deletePrefix(`/${p}/`);
  });

  it("keeps the state at /<prefix>/state/<project> and the previous one at .../backup", async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const backend = backendOn(prefix);
    const first = nextState(null, PROJECT, []);
    await backend.write(first, 0);
    const second = nextState(first, PROJECT, []);
    await backend.write(second, 1);

    const etcd = rawEtcd();
    try {
      expect(JSON.parse((await etcd.get(`/${prefix}/state/${PROJECT}`).string())!)).toMatchObject({ serial: 2 });
      expect(JSON.parse((await etcd.get(`/${prefix}/state/${PROJECT}/backup`).string())!)).toMatchObject({ serial: 1 });
    } finally {
      etcd.close();
    }
  });

  it("lets the lock be taken once its holder's lease is gone (the holder died)", async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const holder = backendOn(prefix, 15);
    const other = backendOn(prefix, 15);
    const lockKey = `/${prefix}/lock/${PROJECT}`;
    const held = await holder.lock("berth apply");
    await expect(other.lock("berth apply")).rejects.toMatchObject({ code: "E_STATE_LOCKED" });

    // Simulate the holder's death as etcd sees it: its lease ends (expiry or revocation).
    const etcd = rawEtcd();
    try {
      const [kv] = (await etcd.get(lockKey).exec()).kvs;
      expect(JSON.parse(kv.value.toString())).toMatchObject({ pid: process.pid, host: hostname(), command: "berth apply" });
      await etcd.leaseClient.leaseRevoke({ ID: kv.lease });

      const taken = await other.lock("berth destroy");
      // The dead holder releasing late must not remove the new holder's lock.
      await held.release();
      expect(JSON.parse((await etcd.get(lockKey).string())!)).toMatchObject({ command: "berth destroy" });
      await taken.release();
      expect(await etcd.get(lockKey).string()).toBeNull();
    } finally {
      etcd.close();
    }
  });

  it("takes over at once a lock whose holder was killed on this host, though its lease lives on", async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const lockKey = `/${prefix}/lock/${PROJECT}`;
    const etcd = rawEtcd();
    try {
      // What a kill -9 leaves: the key on a lease nobody revoked, naming a pid that is gone.
      const lease = etcd.lease(60);
      const dead = { pid: 2 ** 22 + 17, host: hostname(), command: "berth apply", since: new Date().toISOString() };
      await lease.put(lockKey).value(JSON.stringify(dead));
      const taken = await backendOn(prefix).lock("berth apply");
      expect(JSON.parse((await etcd.get(lockKey).string())!)).toMatchObject({ pid: process.pid });
      await taken.release();
      await lease.revoke();
    } finally {
      etcd.close();
    }
  });

  it("names the lock's key and lease in the refusal", async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const held = await backendOn(prefix).lock("berth apply");
    try {
      const message = await backendOn(prefix)
        .lock("berth plan")
        .catch((e: Error) => e.message);
      expect(message).toMatch(/^state is locked by pid \d+ on host .+ \("berth apply"\) since \d{4}-/);
      expect(message).toContain(`/${prefix}/lock/${PROJECT}`);
    } finally {
      await held.release();
    }
  });

  it("reports a corrupt state with E_STATE_CORRUPT naming the backup key", async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const etcd = rawEtcd();
    try {
      await etcd.put(`/${prefix}/state/${PROJECT}`).value("{not json");
      await expect(backendOn(prefix).read()).rejects.toMatchObject({ code: "E_STATE_CORRUPT", message: expect.stringContaining("/backup") });
    } finally {
      etcd.close();
    }
  });

  it("fails with E_ETCD_UNREACHABLE when nothing listens", async () => {
    const backend = new EtcdStateBackend({ endpoints: ["http://127.0.0.1:9"], prefix: "x", project: PROJECT, tls: null });
    opened.push(backend);
    await expect(backend.read()).rejects.toMatchObject({ code: "E_ETCD_UNREACHABLE" });
  });
});
