import { maskPlan } from "../../../src/core/mask.js";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ContainerAttributes } from "../../../providers/docker/attributes.js";
import { containerSpec, containerUpdate } from "../../../providers/docker/container-spec.js";
import type { Attributes, DesiredResource } from "../../../src/core/types.js";
import { buildDesired } from "../../../src/model/desired.js";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { expectGolden } from "../golden.js";
import { planOf, recorded, summarize } from "../planner/fixtures.js";
import { EVERY_SETTING } from "../template/settings-fixture.js";
import { load } from "../template/helpers.js";

const golden = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), "golden", name);

async function desiredOf(yaml: string): Promise<DesiredResource[]> {
  return buildDesired(await load(yaml), { project: "p", publishAddress: "127.0.0.1", discovery: false }).resources;
}

function webOf(resources: DesiredResource[]): DesiredResource {
  return resources.find((r) => r.address === "container.web[0]")!;
}

describe("container settings reach the engine", () => {
  it("every setting → the engine's create options", async () => {
    const attrs = webOf(await desiredOf(EVERY_SETTING)).attributes as unknown as ContainerAttributes;
    expect(attrs.name).toBe("the-web");
    const spec = containerSpec(attrs, { name: attrs.name, temporary: false, stopTimeoutSeconds: 10, address: "container.web[0]" });
    expectGolden(golden("create-options.json"), JSON.stringify(spec.create, null, 2) + "\n");
  });

  it("a template setting none of them creates exactly what it did before they existed", async () => {
    const attrs = webOf(await desiredOf("services:\n  web:\n    image: a\n")).attributes as unknown as ContainerAttributes;
    const spec = containerSpec(attrs, { name: attrs.name, temporary: false, stopTimeoutSeconds: 10, address: "container.web[0]" });
    expect(JSON.parse(JSON.stringify(spec.create.HostConfig))).toEqual({
      PortBindings: {},
      RestartPolicy: { Name: "no" },
      ExtraHosts: [],
      Binds: [],
      NetworkMode: "p_default",
    });
    expect(spec.create.StopTimeout).toBe(10);
    expect("platform" in spec.create).toBe(false);
  });

  it("the update body carries the restart policy and the changed limits only", () => {
    const base = { restart: "no", mem_limit: 64 * 2 ** 20, cpus: 0.5, pids_limit: 50 } as unknown as ContainerAttributes;
    expect(containerUpdate(base, { ...base, mem_limit: 128 * 2 ** 20 }, "a")).toEqual({ Memory: 134217728, MemorySwap: 268435456 });
    expect(containerUpdate(base, { ...base, memswap_limit: -1 }, "a")).toEqual({ Memory: 67108864, MemorySwap: -1 });
    expect(containerUpdate(base, { ...base, cpus: 1.5, restart: "on-failure:2" }, "a")).toEqual({
      RestartPolicy: { Name: "on-failure", MaximumRetryCount: 2 },
      NanoCpus: 1500000000,
    });
    expect(containerUpdate(base, { ...base, pids_limit: undefined }, "a")).toEqual({ PidsLimit: -1 });
    expect(containerUpdate(base, base, "a")).toEqual({});
  });
});

describe("docker schema: limits update in place, everything else replaces", () => {
  const yaml = (extra: string) => `services:\n  web:\n    image: a\n${extra}`;

  async function change(from: string, to: string): Promise<{ summary: string[]; text: string }> {
    const before = webOf(await desiredOf(yaml(from)));
    const after = webOf(await desiredOf(yaml(to)));
    const p = planOf({ desired: [after], recorded: [recorded(before)] });
    return { summary: summarize(p), text: renderPlanText(maskPlan(p), { color: false }) };
  }

  it("mem_limit, cpus, pids_limit, restart: in place, same container", async () => {
    const result = await change("    mem_limit: 64m\n    cpus: 0.5\n", "    mem_limit: 128m\n    cpus: 1\n    pids_limit: 100\n    restart: always\n");
    expect(result.summary).toEqual(["container.web[0]: update (attributes-changed)"]);
    expectGolden(golden("plan-limits-in-place.txt"), result.text);
  });

  it("taking a memory limit away replaces (the engine cannot lift it); a pids limit it can", async () => {
    expect((await change("    mem_limit: 64m\n", "")).summary).toEqual(["container.web[0]: delete,create (attributes-changed)"]);
    expect((await change("    pids_limit: 64\n", "")).summary).toEqual(["container.web[0]: update (attributes-changed)"]);
  });

  it("cap_add, tmpfs, init, container_name: a new container", async () => {
    for (const [from, to] of [
      ["", "    cap_add: [NET_ADMIN]\n"],
      ["    tmpfs: /run\n", "    tmpfs: /tmp\n"],
      ["", "    init: true\n"],
      ["", "    container_name: web-one\n"],
    ]) {
      expect((await change(from, to)).summary, to).toEqual(["container.web[0]: delete,create (attributes-changed)"]);
    }
  });

  it("the config hash ignores what updates in place, and follows what replaces", async () => {
    const hash = async (extra: string) => (webOf(await desiredOf(yaml(extra))).attributes as Attributes).config_hash;
    expect(await hash("    mem_limit: 64m\n")).toBe(await hash("    mem_limit: 128m\n    pids_limit: 5\n"));
    expect(await hash("")).not.toBe(await hash("    init: true\n"));
  });
});
