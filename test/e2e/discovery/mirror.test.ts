/**
 * The watch under `berth sync` and the streaming API, against the real etcd reached through a
 * loopback TCP relay that the test can cut: while etcd is unreachable the last snapshot stays,
 * and once it answers again the mirror reads everything and catches up with what changed
 * meanwhile. And when etcd has compacted away the revision the watch must start from, the mirror
 * reads everything again and follows on from there.
 */
import { randomBytes } from "node:crypto";
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdConnection } from "../../../src/clients/etcd.js";
import { PrefixMirror, type MirrorSnapshot } from "../../../providers/discovery/prefix-mirror.js";
import { deletePrefix, rawEtcd, requireEtcd, waitFor } from "./fixtures.js";

/** A relay 127.0.0.1:<port> → etcd at 127.0.0.1:2379 whose connections can be cut and refused. */
class Relay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(2379, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

const prefix = `/berth/test-mirror-${randomBytes(3).toString("hex")}/`;
const etcdClient = rawEtcd();
const relay = new Relay();
let etcd: EtcdConnection;

beforeAll(async () => {
  await (await requireEtcd()).close();
  await relay.open();
  etcd = new EtcdConnection({ endpoints: [`http://127.0.0.1:${relay.port}`], tls: null });
});

afterAll(async () => {
  await relay.cut();
  await etcd?.close();
  await deletePrefix(prefix);
  etcdClient.close();
});

describe("prefix mirror", () => {
  it("keeps the last snapshot while etcd is away and catches up when it is back", async () => {
    await etcdClient.put(`${prefix}a`).value("1");
    const snapshots: MirrorSnapshot[] = [];
    const logs: string[] = [];
    const mirror = new PrefixMirror(etcd, {
      prefix,
      onSnapshot: (s) => void snapshots.push(s),
      log: (m) => logs.push(m),
      backoffMs: { initial: 100, max: 1_000 },
    });
    await mirror.start();
    try {
      expect(snapshots.at(-1)?.kvs).toEqual(new Map([[`${prefix}a`, "1"]]));

      await etcdClient.put(`${prefix}b`).value("2");
      await waitFor(() => snapshots.at(-1)?.kvs.get(`${prefix}b`) === "2", 1_000, "the watch to report b");

      await relay.cut();
      await etcdClient.put(`${prefix}a`).value("changed while away");
      await etcdClient.delete().key(`${prefix}b`);
      await waitFor(() => logs.some((l) => l.includes("retrying")), 5_000, "the mirror to notice etcd is away");
      expect(snapshots.at(-1)?.kvs.get(`${prefix}a`)).toBe("1");

      await relay.open();
      const back = await waitFor(() => snapshots.at(-1)?.kvs.get(`${prefix}a`) === "changed while away", 10_000, "the mirror to catch up");
      expect(snapshots.at(-1)?.kvs.has(`${prefix}b`)).toBe(false);
      console.log(`mirror: caught up ${back.ms.toFixed(0)} ms after etcd was reachable again`);

      await etcdClient.put(`${prefix}c`).value("3");
      await waitFor(() => snapshots.at(-1)?.kvs.get(`${prefix}c`) === "3", 1_000, "the new watch to report c");
    } finally {
      await mirror.stop();
    }
  });

  it("reads everything again when the revision its watch starts from was compacted", async () => {
    // The mirror reads at R and watches from R + 1 once the snapshot was handled. Holding the
    // first onSnapshot (a slow nginx -t and reload in `berth sync`) opens that window: changes
    // and one compaction to the current revision happen inside it, so etcd answers the watch
    // from R + 1 with ErrCompacted (the watch is canceled with compact_revision set).
    const p = `${prefix}compact/`;
    await etcdClient.put(`${p}a`).value("1");
    await etcdClient.put(`${p}b`).value("2");
    const snapshots: MirrorSnapshot[] = [];
    const logs: string[] = [];
    let holding!: (revision: number) => void;
    const held = new Promise<number>((resolve) => (holding = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const mirror = new PrefixMirror(etcd, {
      prefix: p,
      onSnapshot: async (s) => {
        snapshots.push(s);
        if (snapshots.length === 1) {
          holding(s.revision);
          await gate;
        }
      },
      log: (m) => logs.push(m),
      backoffMs: { initial: 100, max: 1_000 },
    });
    const started = mirror.start();
    started.catch(() => {});
    try {
      const readAt = await Promise.race([held, started.then(() => -1)]);
      expect(snapshots[0].kvs).toEqual(new Map([[`${p}a`, "1"], [`${p}b`, "2"]]));

      await etcdClient.put(`${p}a`).value("changed before the watch");
      await etcdClient.delete().key(`${p}b`);
      await etcdClient.put(`${p}c`).value("3");
      const current = Number((await etcdClient.get(`${p}a`).exec()).header.revision);
      expect(current).toBeGreaterThan(readAt + 1);
      // Cluster-wide, but it only drops history older than now: nothing else watches from the past.
      // Someone sharing this etcd may have compacted further meanwhile; that serves as well.
      await etcdClient.kv.compact({ revision: String(current), physical: true }).catch((e: Error) => {
        if (!/compacted/.test(e.message)) throw e;
      });
      const compactedAt = performance.now();

      release();
      await started;
      const want = new Map([[`${p}a`, "changed before the watch"], [`${p}c`, "3"]]);
      const caughtUp = await waitFor(
        () => snapshots.length > 1 && sameEntries(snapshots.at(-1)!.kvs, want),
        5_000,
        "the mirror to read everything again after the compaction",
      );
      expect(snapshots.at(-1)!.revision).toBeGreaterThanOrEqual(current);
      // Through the cancel path, once, and not through a disconnect and back-off.
      expect(logs.filter((l) => l.includes("was canceled (compacted?)"))).toHaveLength(1);
      expect(logs.some((l) => l.includes("retrying"))).toBe(false);
      console.log(`mirror: read everything again ${(performance.now() - compactedAt).toFixed(0)} ms after the compaction (${caughtUp.ms.toFixed(0)} ms after the watch could start); ${logs.join(" | ")}`);

      // The new watch follows on.
      await etcdClient.put(`${p}d`).value("4");
      await waitFor(() => snapshots.at(-1)?.kvs.get(`${p}d`) === "4", 1_000, "the watch after the compaction to report d");
      await etcdClient.delete().key(`${p}a`);
      await waitFor(() => snapshots.at(-1)?.kvs.has(`${p}a`) === false, 1_000, "the watch after the compaction to report a's deletion");
      expect(snapshots.at(-1)!.kvs).toEqual(new Map([[`${p}c`, "3"], [`${p}d`, "4"]]));
    } finally {
      release();
      await mirror.stop();
    }
  });
});

function sameEntries(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...b].every(([k, v]) => a.get(k) === v);
}
