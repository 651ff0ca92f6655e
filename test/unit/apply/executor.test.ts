import { describe, expect, it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { executePlan } from "../../../src/apply/executor.js";
import { StateRecorder } from "../../../src/apply/state-recorder.js";
import { UserError } from "../../../src/core/errors.js";
import type { ApplyEvent } from "../../../src/core/events.js";
import type { Plan, ResourceChange } from "../../../src/core/plan.js";
import type { Provider } from "../../../src/core/provider.js";
import { LocalStateBackend } from "../../../state/local/local-backend.js";
import { container, network, planOf, recorded } from "../planner/fixtures.js";

/** Records the order of calls; fails the addresses it is told to. The executor's scheduling is what is tested. */
function scriptedProvider(failing: string[] = []): Provider & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: "docker",
    schema: {},
    calls,
    refresh: async () => [],
    apply: async (change: ResourceChange) => {
      calls.push(`${change.actions.join(",")} ${change.address}`);
      await new Promise((r) => setTimeout(r, 5));
      if (failing.includes(change.address)) throw new UserError("E_TEST", "boom", { address: change.address });
      return change.after ? { ...change.after, container_id: `id-${change.address}` } : null;
    },
  };
}

async function run(plan: Plan, provider: Provider) {
  const dir = await mkdtemp(path.join(tmpdir(), "berth-exec-"));
  const backend = new LocalStateBackend(path.join(dir, "state.json"));
  const events: ApplyEvent[] = [];
  let t = 0;
  const summary = await executePlan({
    plan,
    providers: new Map([["docker", provider]]),
    recorder: new StateRecorder(backend, "p", null),
    parallelism: 4,
    emit: (e) => events.push(e),
    stopSignal: { stopped: false },
    now: () => (t += 1),
  });
  return { summary, events, state: await backend.read() };
}

describe("executor", () => {
  it("creates the network before the containers and records every change", async () => {
    const provider = scriptedProvider();
    const { summary, state } = await run(planOf({ desired: [network, container("web", 0), container("web", 1)], recorded: [] }), provider);
    expect(provider.calls[0]).toBe("create network.default");
    expect(summary).toMatchObject({ added: 3, failed: 0 });
    expect(state?.resources.map((r) => r.address)).toEqual(["container.web[0]", "container.web[1]", "network.default"]);
    // One write after the network; the two containers' writes may be coalesced into one.
    expect(state?.serial).toBeGreaterThanOrEqual(2);
    expect(state?.serial).toBeLessThanOrEqual(3);
  });

  it("coalesces the writes of changes that finish together, and loses none", async () => {
    const provider = scriptedProvider();
    const desired = [network, ...Array.from({ length: 40 }, (_, i) => container("web", i))];
    const { state } = await run(planOf({ desired, recorded: [] }), provider);
    expect(state?.resources).toHaveLength(41);
    expect(state?.serial).toBeLessThan(41);
  });

  it("deletes containers before the network they sit on", async () => {
    const provider = scriptedProvider();
    const rec = [network, container("web", 0)].map((d) => recorded(d));
    await run(planOf({ desired: [], recorded: rec, destroy: true }), provider);
    expect(provider.calls).toEqual(["delete container.web[0]", "delete network.default"]);
  });

  it("on a failure skips what depends on it, keeps what completed, and reports both", async () => {
    const provider = scriptedProvider(["container.db[0]"]);
    const db = container("db", 0);
    const web = { ...container("web", 0), dependsOn: ["network.default", "container.db[0]"] };
    const { summary, events, state } = await run(planOf({ desired: [network, db, web], recorded: [] }), provider);
    expect(summary).toMatchObject({ added: 1, failed: 1, skipped: 1 });
    expect(events.find((e) => e.kind === "step-failed")).toMatchObject({ address: "container.db[0]" });
    expect(events.find((e) => e.kind === "step-skipped")).toMatchObject({ address: "container.web[0]" });
    expect(state?.resources.map((r) => r.address)).toEqual(["network.default"]);
  });

  it("starts nothing more once a state write failed, and reports the failure", async () => {
    const provider = scriptedProvider();
    const dir = await mkdtemp(path.join(tmpdir(), "berth-exec-"));
    const backend = new LocalStateBackend(path.join(dir, "state.json"));
    // The disk fills after the first write: every later write fails.
    let writes = 0;
    const write = backend.write.bind(backend);
    backend.write = async (next, expected) => {
      if (++writes > 1) throw new UserError("E_STATE_WRITE", "no space left on device (ENOSPC)");
      return write(next, expected);
    };
    const desired = [network, ...Array.from({ length: 6 }, (_, i) => container("web", i))];
    const events: ApplyEvent[] = [];
    const applying = executePlan({
      plan: planOf({ desired, recorded: [] }),
      providers: new Map([["docker", provider]]),
      recorder: new StateRecorder(backend, "p", null),
      parallelism: 1,
      emit: (e) => events.push(e),
      stopSignal: { stopped: false },
      now: () => 0,
    });
    await expect(applying).rejects.toMatchObject({ code: "E_STATE_WRITE" });
    // network (write 1 ok), web[0] (write 2 fails): the five other replicas never start.
    expect(provider.calls).toEqual(["create network.default", "create container.web[0]"]);
    expect(events.filter((e) => e.kind === "step-skipped")).toHaveLength(5);
    expect((await backend.read())?.resources.map((r) => r.address)).toEqual(["network.default"]);
  });
});

describe("executor: create-before-destroy hand-over", () => {
  const ref = { address: "container.web[0]", attribute: "endpoints", key: "8080/tcp" };
  const base = { name: "x", index: null, service: "web", replacePaths: [] as string[][], sensitivePaths: [] as string[][], identifierPaths: [] as string[][], reason: null };
  const replica: ResourceChange = {
    ...base,
    address: "container.web[0]",
    type: "container",
    provider: "docker",
    index: 0,
    actions: ["create", "delete"],
    before: { name: "p_web_1", endpoints: { "8080/tcp": ["127.0.0.1:1001"] } },
    after: { name: "p_web_1" },
    dependsOn: [],
  };
  const upstream: ResourceChange = {
    ...base,
    address: "upstream.web.localhost",
    type: "upstream",
    provider: "routing",
    actions: ["update"],
    before: { endpoints: ["127.0.0.1:1001"] },
    after: {},
    dependsOn: ["container.web[0]"],
    references: { endpoints: [ref] },
    knownAfterApply: ["endpoints"],
  };

  function providers(failUpstream: boolean) {
    const calls: string[] = [];
    const docker: Provider = {
      name: "docker",
      schema: {},
      refresh: async () => [],
      apply: async () => {
        throw new Error("a replacement in steps never goes through apply");
      },
      replaceInSteps: {
        appliesTo: () => true,
        create: async (c) => (calls.push(`create ${c.address}`), { ...c.after, endpoints: { "8080/tcp": ["127.0.0.1:2002"] } }),
        destroyDeposed: async (c, created) => (calls.push(`destroy old ${c.address}`), created),
        abandon: async (c) => void calls.push(`abandon ${c.address}`),
      },
    };
    const routing: Provider = {
      name: "routing",
      schema: {},
      refresh: async () => [],
      apply: async (c) => {
        calls.push(`update ${c.address} ${JSON.stringify(c.after?.endpoints)}`);
        if (failUpstream) throw new UserError("E_TEST", "router down", { address: c.address });
        return c.after;
      },
    };
    return { calls, map: new Map<string, Provider>([["docker", docker], ["routing", routing]]) };
  }

  async function runWith(map: Map<string, Provider>) {
    const dir = await mkdtemp(path.join(tmpdir(), "berth-exec-"));
    const backend = new LocalStateBackend(path.join(dir, "state.json"));
    const events: ApplyEvent[] = [];
    let t = 0;
    const plan = { ...planOf({ desired: [], recorded: [] }), changes: [replica, upstream] };
    const summary = await executePlan({ plan, providers: map, recorder: new StateRecorder(backend, "p", null), parallelism: 4, emit: (e) => events.push(e), stopSignal: { stopped: false }, now: () => (t += 1) });
    return { summary, events, state: await backend.read() };
  }

  it("makes the new replica, moves the upstream to its endpoint, then removes the old one", async () => {
    const { calls, map } = providers(false);
    const { summary, state } = await runWith(map);
    expect(calls).toEqual(["create container.web[0]", 'update upstream.web.localhost ["127.0.0.1:2002"]', "destroy old container.web[0]"]);
    expect(summary).toMatchObject({ added: 1, changed: 1, destroyed: 1, failed: 0 });
    expect(state?.resources.find((r) => r.address === "upstream.web.localhost")?.attributes.endpoints).toEqual(["127.0.0.1:2002"]);
  });

  it("when the upstream cannot move over, the new replica is removed again and the old one stays recorded", async () => {
    const { calls, map } = providers(true);
    const { summary, events, state } = await runWith(map);
    expect(calls).toEqual(["create container.web[0]", 'update upstream.web.localhost ["127.0.0.1:2002"]', "abandon container.web[0]"]);
    expect(summary).toMatchObject({ failed: 1, skipped: 1 });
    expect(events.find((e) => e.kind === "step-skipped")).toMatchObject({ address: "container.web[0]" });
    expect(state?.resources.find((r) => r.address === "container.web[0]")?.attributes).toEqual(replica.before);
  });
});
