import { spawnSync } from "node:child_process";
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../../src/core/types.js";
import type { LockHolder } from "../../../state/backend.js";
import { LocalStateBackend } from "../../../state/local/local-backend.js";
import { emptyState, nextState, serializeState } from "../../../state/new-state.js";
import { openStateBackend } from "../../../state/open-backend.js";
import { listAddresses, removeResource, showResource } from "../../../state/state-queries.js";
import { stateBackendConformance } from "./conformance.js";

stateBackendConformance("local file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-state-"));
  const path = join(dir, ".berth", "shop.state.json");
  return {
    backend: new LocalStateBackend(path),
    second: async () => new LocalStateBackend(path),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

const web0: RecordedResource = {
  address: "container.web[0]",
  type: "container",
  provider: "docker",
  attributes: { name: "shop_web_0", image: "nginx:1.27", env: { B: "2", A: "1" } },
  dependsOn: ["network.default"],
};
const web10: RecordedResource = { ...web0, address: "container.web[10]", attributes: { name: "shop_web_10" } };
const web2: RecordedResource = { ...web0, address: "container.web[2]", attributes: { name: "shop_web_2" } };
const network: RecordedResource = {
  address: "network.default",
  type: "network",
  provider: "docker",
  attributes: { name: "shop_default" },
};

/** The pid of a process that has just exited: nothing runs under it (pids are not reused that fast). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe("LocalStateBackend", () => {
  let dir: string;
  let path: string;
  let backend: LocalStateBackend;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-state-"));
    path = join(dir, ".berth", "shop.state.json");
    backend = new LocalStateBackend(path);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the directory 0700 and writes the state, its backup and the lock holder 0600", async () => {
    const first = nextState(null, "shop", [network]);
    await backend.write(first, 0);
    await backend.write(nextState(first, "shop", [network, web0]), 1);
    const lock = await backend.lock("berth apply");

    expect(await modeOf(join(dir, ".berth"))).toBe(0o700);
    expect(await modeOf(path)).toBe(0o600);
    expect(await modeOf(`${path}.backup`)).toBe(0o600);
    expect(await modeOf(`${path}.lock.json`)).toBe(0o600);
    await lock.release();
  });

  it("keeps the previous state in <path>.backup", async () => {
    const first = nextState(null, "shop", [network]);
    await backend.write(first, 0);
    const firstText = await readFile(path, "utf8");
    await backend.write(nextState(first, "shop", [network, web0]), 1);

    expect(await readFile(`${path}.backup`, "utf8")).toBe(firstText);
    expect((await backend.read())?.serial).toBe(2);
  });

  it("swaps the backup by a hard link and leaves no temporary file behind", async () => {
    const first = nextState(null, "shop", [network]);
    await backend.write(first, 0);
    const second = nextState(first, "shop", [network, web0]);
    await backend.write(second, 1);
    const secondText = await readFile(path, "utf8");
    await backend.write(nextState(second, "shop", [network]), 2);

    expect(await readFile(`${path}.backup`, "utf8")).toBe(secondText);
    expect(await modeOf(`${path}.backup`)).toBe(0o600);
    expect((await readdir(join(dir, ".berth"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("leaves no temporary file when a writer killed between its two renames left the backup a link of the state", async () => {
    // rename(2) between two links of one file succeeds doing nothing: the staged backup link stayed.
    const first = nextState(null, "shop", [network]);
    await backend.write(first, 0);
    await rm(`${path}.backup`, { force: true });
    await link(path, `${path}.backup`);
    await backend.write(nextState(first, "shop", [network, web0]), 1);

    expect((await readdir(join(dir, ".berth"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(JSON.parse(await readFile(`${path}.backup`, "utf8")).serial).toBe(1);
    expect((await backend.read())?.serial).toBe(2);
  });

  it("removes the temporary files a writer killed mid-write left, and only those", async () => {
    const first = nextState(null, "shop", [network]);
    await backend.write(first, 0);
    const abandoned = `${path}.${2 ** 22 + 17}.0a1b2c3d.tmp`;
    const someoneElses = `${path}.${process.pid}.0a1b2c3d.tmp`;
    await writeFile(abandoned, "half a state");
    await writeFile(someoneElses, "being written");
    await backend.write(nextState(first, "shop", [network, web0]), 1);

    const left = await readdir(join(dir, ".berth"));
    expect(left).not.toContain(abandoned.split("/").pop());
    expect(left).toContain(someoneElses.split("/").pop());
  });

  it("removes them when an apply takes the lock, even if it then has nothing to write", async () => {
    await backend.write(nextState(null, "shop", [network]), 0);
    const abandoned = `${path}.backup.${2 ** 22 + 17}.0a1b2c3d.tmp`;
    await writeFile(abandoned, "half a backup");
    const lock = await backend.lock("berth apply");
    await lock.release();
    expect(await readdir(join(dir, ".berth"))).not.toContain(abandoned.split("/").pop());
  });

  it("takes over at once the write lock of a writer killed while it held it", async () => {
    const first = nextState(null, "shop", [network]);
    await backend.write(first, 0);
    await mkdir(`${path}.write.lock`);
    await writeFile(`${path}.write.lock/pid`, `${2 ** 22 + 17} ${hostname()}\n`);
    const t0 = performance.now();
    await backend.write(nextState(first, "shop", [network, web0]), 1);

    expect(performance.now() - t0).toBeLessThan(2_000); // not the 10 s a stale lock takes
    expect((await backend.read())?.serial).toBe(2);
  });

  it("reports a corrupt file with E_STATE_CORRUPT, naming the file and its backup", async () => {
    await mkdir(join(dir, ".berth"));
    await writeFile(path, '{"version": 1, "lineage": "x", "ser');

    const error = await backend.read().catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "E_STATE_CORRUPT" });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain(`${path}.backup`);
  });

  it("reports valid JSON that is not a state as corrupt, and refuses to write over it", async () => {
    await mkdir(join(dir, ".berth"));
    await writeFile(path, '{"resources": []}\n');

    await expect(backend.read()).rejects.toMatchObject({ code: "E_STATE_CORRUPT" });
    await expect(backend.write(nextState(null, "shop", []), 0)).rejects.toMatchObject({ code: "E_STATE_CORRUPT" });
    expect(await readFile(path, "utf8")).toBe('{"resources": []}\n');
  });

  it("takes over a lock left by a process that no longer runs on this host", async () => {
    const dead: LockHolder = { pid: deadPid(), host: hostname(), command: "berth apply", since: "2026-01-01T00:00:00.000Z" };
    await mkdir(`${path}.lock`, { recursive: true });
    await writeFile(`${path}.lock.json`, JSON.stringify(dead));

    const lock = await backend.lock("berth destroy");

    const holder = JSON.parse(await readFile(`${path}.lock.json`, "utf8")) as LockHolder;
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), command: "berth destroy" });
    await lock.release();
    await expect(stat(`${path}.lock`)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(stat(`${path}.lock.json`)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("does not take over a fresh lock held from another host, and says how to remove it", async () => {
    const remote: LockHolder = { pid: deadPid(), host: `not-${hostname()}`, command: "berth apply", since: "2026-01-01T00:00:00.000Z" };
    await mkdir(`${path}.lock`, { recursive: true });
    await writeFile(`${path}.lock.json`, JSON.stringify(remote));

    const error = await backend.lock("berth destroy").catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "E_STATE_LOCKED" });
    expect((error as Error).message).toBe(
      `state is locked by pid ${remote.pid} on host ${remote.host} ("berth apply") since 2026-01-01T00:00:00.000Z; ` +
        `if no such process runs, remove ${path}.lock`,
    );
  });

  it("writes byte-identical stable JSON for the same state, whatever the order it was built in", async () => {
    const state = nextState(null, "shop", [web10, network, web0, web2]);
    const shuffled = {
      resources: [...state.resources].reverse().map((r) => ({ attributes: r.attributes, provider: r.provider, type: r.type, address: r.address, ...(r.dependsOn ? { dependsOn: r.dependsOn } : {}) })),
      project: state.project,
      serial: state.serial,
      lineage: state.lineage,
      version: state.version,
    };
    const other = new LocalStateBackend(join(dir, "other", "shop.state.json"));

    await backend.write(state, 0);
    await other.write(shuffled, 0);

    const text = await readFile(path, "utf8");
    expect(await readFile(join(dir, "other", "shop.state.json"), "utf8")).toBe(text);
    expect(text).toBe(serializeState(state));
    expect(text.endsWith("}\n")).toBe(true);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(["version", "lineage", "serial", "project", "resources"]);
    expect((JSON.parse(text) as { resources: RecordedResource[] }).resources.map((r) => r.address)).toEqual([
      "container.web[0]",
      "container.web[2]",
      "container.web[10]",
      "network.default",
    ]);
    expect(text).toContain('"env": {\n          "A": "1",\n          "B": "2"\n        }');
  });
});

describe("new-state helpers", () => {
  it("starts a new lineage at serial 1 and keeps it afterwards", () => {
    const first = nextState(null, "shop", [network]);
    const second = nextState(first, "shop", []);

    expect(first).toMatchObject({ version: 1, serial: 1, project: "shop" });
    expect(first.lineage).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatchObject({ serial: 2, lineage: first.lineage, resources: [] });
    expect(emptyState("shop", "L")).toEqual({ version: 1, lineage: "L", serial: 0, project: "shop", resources: [] });
  });
});

describe("openStateBackend", () => {
  it("defaults to .berth/<project>.state.json beside the template", async () => {
    const backend = await openStateBackend(undefined, { templateDir: "/srv/shop", project: "shop" });

    expect(backend).toBeInstanceOf(LocalStateBackend);
    expect(backend.location).toBe("/srv/shop/.berth/shop.state.json");
  });

  it("opens a given path as a local file", async () => {
    const backend = await openStateBackend("/tmp/x/state.json", { templateDir: "/srv/shop", project: "shop" });

    expect(backend.location).toBe("/tmp/x/state.json");
  });

  it("refuses an unknown scheme", async () => {
    await expect(openStateBackend("consul://h:8500/x", { templateDir: ".", project: "shop" })).rejects.toMatchObject({
      code: "E_STATE_BACKEND",
    });
  });
});

describe("state queries", () => {
  const state = nextState(null, "shop", [web10, network, web0, web2]);

  it("lists addresses in address order", () => {
    expect(listAddresses(state)).toEqual(["container.web[0]", "container.web[2]", "container.web[10]", "network.default"]);
    expect(listAddresses(null)).toEqual([]);
  });

  it("shows one resource, or suggests close matches", () => {
    expect(showResource(state, "network.default")).toEqual(network);
    expect(() => showResource(state, "container.web")).toThrow(
      "no resource container.web in the state; did you mean container.web[0], container.web[2], container.web[10]?",
    );
    expect(() => showResource(state, "network.defualt")).toThrow("did you mean network.default?");
    expect(() => showResource(null, "network.default")).toThrow("the state is empty");
  });

  it("removes one resource into a new array", () => {
    const remaining = removeResource(state, "container.web[2]");

    expect(remaining.map((r) => r.address)).toEqual(["container.web[0]", "container.web[10]", "network.default"]);
    expect(state.resources).toHaveLength(4);
    expect(() => removeResource(state, "container.web[3]")).toThrow(expect.objectContaining({ code: "E_NO_SUCH_RESOURCE" }));
  });
});
