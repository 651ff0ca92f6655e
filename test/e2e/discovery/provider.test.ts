/**
 * The discovery provider against the real etcd: a record is written in the article's shape with
 * secrets masked, refresh reads it back as the recorded attributes, a record deleted by hand is
 * drift, delete removes the record with its containers, and a silent etcd is a clear error.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actions, ResourceChange } from "../../../src/core/plan.js";
import type { ApplyContext } from "../../../src/core/provider.js";
import type { Attributes, RecordedResource } from "../../../src/core/types.js";
import { MASK } from "../../../src/core/secrets.js";
import { buildDesired } from "../../../src/model/desired.js";
import { plan } from "../../../src/planner/plan.js";
import { loadTemplate } from "../../../src/template/load.js";
import { DiscoveryProvider } from "../../../providers/discovery/discovery-provider.js";
import { ETCD_ENDPOINT, deletePrefix, rawEtcd, requireEtcd } from "./fixtures.js";
import { ROOT } from "../helpers.js";

const project = `tdisc${randomBytes(3).toString("hex")}`;
const address = `discovery.${project}_db`;
const key = `/berth/services/${project}_db`;
const provider = new DiscoveryProvider({ endpoints: [ETCD_ENDPOINT], project, tls: null });
const etcd = rawEtcd();

const dbAttributes: Attributes = {
  path: key,
  name: "db",
  project,
  definition: {
    image: "registry.aliyuncs.com/acs-sample/mysql:5.7",
    labels: { "aliyun.logs": "/var/log/mysql" },
    environment: { MYSQL_ROOT_PASSWORD: "s3cret-pw", MYSQL_DATABASE: "app" },
    restart: "always",
  },
  extensions: { scale: 1, routing: [] },
};

function change(actions: Actions, before: Attributes | null, after: Attributes | null): ResourceChange {
  return {
    address,
    type: "discovery",
    provider: "discovery",
    name: `${project}_db`,
    index: null,
    service: "db",
    actions,
    before,
    after,
    replacePaths: [],
    sensitivePaths: [],
    identifierPaths: [],
    reason: null,
    dependsOn: [],
  };
}

function context(recorded: RecordedResource[] = []): ApplyContext & { logs: string[] } {
  const logs: string[] = [];
  return {
    project,
    logs,
    log: (m) => logs.push(m),
    aborted: false,
    recordedAttributes: (a) => recorded.find((r) => r.address === a)?.attributes,
    recorded: () => recorded,
  };
}

function recordedDb(attributes: Attributes = dbAttributes): RecordedResource {
  return { address, type: "discovery", provider: "discovery", attributes };
}

async function stored(k: string): Promise<unknown> {
  const text = await etcd.get(k).string();
  return text === null ? null : JSON.parse(text);
}

beforeAll(async () => {
  await (await requireEtcd()).close();
});

afterAll(async () => {
  await deletePrefix(`/berth/services/${project}_`);
  await provider.close();
  etcd.close();
});

describe("discovery provider", () => {
  it("writes the record in the article's shape, the password masked", async () => {
    const result = await provider.apply(change(["create"], null, dbAttributes), context());

    expect(result).toEqual(dbAttributes);
    expect(await stored(key)).toEqual({
      Service: {
        name: "db",
        project,
        definition: {
          image: "registry.aliyuncs.com/acs-sample/mysql:5.7",
          labels: { "aliyun.logs": "/var/log/mysql" },
          environment: { MYSQL_ROOT_PASSWORD: MASK, MYSQL_DATABASE: "app" },
          restart: "always",
        },
        extensions: { scale: 1, routing: [] },
      },
    });
    expect(await etcd.get(key).string()).not.toContain("s3cret-pw");
  });

  it("refreshes the record as recorded: no drift while etcd holds its masked form", async () => {
    const observed = await provider.refresh({ project, recorded: [recordedDb()], desired: [] });

    expect(observed).toEqual([{ address, type: "discovery", attributes: dbAttributes }]);
  });

  it("reports a record edited in etcd with what etcd holds", async () => {
    const edited = JSON.parse((await etcd.get(key).string())!) as { Service: { extensions: { scale: number } } };
    edited.Service.extensions.scale = 7;
    await etcd.put(key).value(JSON.stringify(edited));

    const [observed] = await provider.refresh({ project, recorded: [recordedDb()], desired: [] });

    expect(observed.attributes.extensions).toEqual({ scale: 7, routing: [] });
    await provider.apply(change(["update"], dbAttributes, dbAttributes), context());
  });

  it("does not see a record deleted by hand: the planner calls that drift", async () => {
    await etcd.delete().key(key);

    expect(await provider.refresh({ project, recorded: [recordedDb()], desired: [] })).toEqual([]);
    await provider.apply(change(["create"], null, dbAttributes), context());
  });

  it("ignores another project whose name starts with this one's", async () => {
    const otherKey = `/berth/services/${project}_x_db`;
    await etcd.put(otherKey).value(JSON.stringify({ Service: { name: "db", project: `${project}_x`, definition: {}, extensions: {} } }));
    try {
      const observed = await provider.refresh({ project, recorded: [recordedDb()], desired: [] });
      expect(observed.map((o) => o.address)).toEqual([address]);
    } finally {
      await etcd.delete().key(otherKey);
    }
  });

  it("writes container entries after apply from the recorded containers, and drops those no longer recorded", async () => {
    const container = (n: number, id: string, running: boolean): RecordedResource => ({
      address: `container.db[${n - 1}]`,
      type: "container",
      provider: "docker",
      attributes: { name: `${project}_db_${n}`, service: "db", index: n - 1, container_id: id, running, published: { "3306/tcp": 40000 + n } },
    });
    const stale = `/berth/services/${project}_db/containers/gone0000`;
    await etcd.put(stale).value(JSON.stringify({ name: `/${project}_db_9`, running: true }));
    const recorded = [recordedDb(), container(1, "fake0001", true), container(2, "fake0002", false)];
    const ctx = context(recorded);

    await provider.afterApply(recorded, ctx);

    expect(await stored(`/berth/services/${project}_db/containers/fake0001`)).toMatchObject({
      name: `/${project}_db_1`,
      running: true,
      status: "running",
      health: "success",
      published: { "3306/tcp": 40001 },
    });
    expect(await stored(`/berth/services/${project}_db/containers/fake0002`)).toMatchObject({ running: false, status: "exited", published: {} });
    expect(await stored(stale)).toBeNull();
    expect(ctx.logs.join("\n")).toContain(`${project}_db: 2 container entries written`);
  });

  it("leaves an entry an agent holds under its lease alone", async () => {
    const leased = `/berth/services/${project}_db/containers/fake0001`;
    const lease = etcd.lease(30);
    await lease.put(leased).value(JSON.stringify({ name: `/${project}_db_1`, running: true, note: "agent" }));
    try {
      const recorded = [
        recordedDb(),
        { address: "container.db[0]", type: "container", provider: "docker", attributes: { name: `${project}_db_1`, service: "db", container_id: "fake0001", running: true } },
      ] as RecordedResource[];
      await provider.afterApply(recorded, context(recorded));
      expect(await stored(leased)).toMatchObject({ note: "agent" });
    } finally {
      await lease.revoke();
    }
  });

  it("deletes the record together with its containers", async () => {
    await etcd.put(`/berth/services/${project}_db/containers/fake0003`).value("{}");

    const result = await provider.apply(change(["delete"], dbAttributes, null), context());

    expect(result).toBeNull();
    expect(await etcd.getAll().prefix(key).keys()).toEqual([]);
  });

  it("fails with E_ETCD_UNREACHABLE within about 2 s when etcd does not answer", async () => {
    // A listener that accepts and never speaks: what a hung or firewalled etcd looks like.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const away = new DiscoveryProvider({ endpoints: [`http://127.0.0.1:${port}`], project, tls: null });
    const started = performance.now();
    try {
      const error = await away.refresh({ project, recorded: [], desired: [] }).catch((e: unknown) => e);
      const ms = performance.now() - started;
      expect(error).toMatchObject({ code: "E_ETCD_UNREACHABLE" });
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
      expect(ms).toBeLessThan(3_000);
    } finally {
      await away.close();
      silent.close();
    }
  });

  it("plans nothing after apply, and a record deleted by hand as drift to re-create (the article's template)", async () => {
    const template = await loadTemplate(`${ROOT}/examples/04-discovery-api/docker-compose.yml`, { env: {}, domain: "localhost" });
    const desired = buildDesired(template, { project, publishAddress: "127.0.0.1", discovery: true }).resources.filter((d) => d.provider === "discovery");
    const planAgainst = async (recorded: RecordedResource[]) =>
      plan({
        project,
        berthVersion: "test",
        templateHash: template.hash,
        desired,
        recorded,
        stateLineage: null,
        stateSerial: 0,
        observation: { resources: (await provider.refresh({ project, recorded, desired })).map((o) => ({ ...o, provider: "discovery" })), gaps: [], observedProviders: ["discovery"] },
        schemas: { discovery: provider.schema },
      });

    const first = await planAgainst([]);
    expect(first.changes.map((c) => [c.address, c.actions])).toEqual([
      [`discovery.${project}_nginx`, ["create"]],
      [`discovery.${project}_tomcat`, ["create"]],
    ]);
    const recorded: RecordedResource[] = [];
    for (const c of first.changes) {
      recorded.push({ address: c.address, type: c.type, provider: c.provider, attributes: (await provider.apply(c, context()))! });
    }

    const again = await planAgainst(recorded);
    expect(again.drift).toEqual([]);
    expect(again.changes.every((c) => c.actions[0] === "no-op")).toBe(true);

    await etcd.delete().key(`/berth/services/${project}_tomcat`);
    const afterDelete = await planAgainst(recorded);
    expect(afterDelete.drift.map((d) => d.address)).toEqual([`discovery.${project}_tomcat`]);
    expect(afterDelete.changes.find((c) => c.address === `discovery.${project}_tomcat`)).toMatchObject({ actions: ["create"], reason: "drift-missing" });
  });
});
