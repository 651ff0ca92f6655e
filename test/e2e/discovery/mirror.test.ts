/**
 * The watch under `berth sync` and the streaming API, against the real etcd reached through a
 * loopback TCP relay that the test can cut: while etcd is unreachable the last snapshot stays,
 * and once it answers again the mirror reads everything and catches up with what changed
 * meanwhile.
 */
import { randomBytes } from "node:crypto";
import { createServer, connect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdConnection } from "../../../providers/discovery/etcd.js";
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
});
