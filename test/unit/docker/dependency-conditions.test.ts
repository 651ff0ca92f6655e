import { describe, expect, it } from "vitest";
import type Docker from "dockerode";
import type { ApplyContext } from "../../../src/core/provider.js";
import { judge, waitForDependencies } from "../../../providers/docker/dependencies.js";
import { healthConfig } from "../../../providers/docker/container-spec.js";

type State = Docker.ContainerInspectInfo["State"];
const NEVER = "0001-01-01T00:00:00Z";
const state = (s: Partial<State>): State =>
  ({ Status: "running", Running: true, ExitCode: 0, StartedAt: "2026-01-01T00:00:00Z", ...s }) as State;
const health = (Status: string, Output = "") => ({ Status, FailingStreak: 0, Log: [{ Start: "", End: "", ExitCode: 1, Output }] });

/** compose's three conditions against what the engine reports, one look at a time. */
describe("depends_on conditions against an inspected container", () => {
  it("service_started: running, or started and exited since; a container never started is waited on", () => {
    expect(judge(state({}), "db", "service_started")).toEqual({ kind: "met" });
    expect(judge(state({ Running: false, Status: "exited", ExitCode: 2 }), "db", "service_started")).toEqual({ kind: "met" });
    expect(judge(state({ Running: false, Status: "created", StartedAt: NEVER }), "db", "service_started").kind).toBe("waiting");
  });

  it("service_healthy: healthy; starting waits; unhealthy fails with the last line of the probe's output", () => {
    expect(judge(state({ Health: health("healthy") } as Partial<State>), "db", "service_healthy")).toEqual({ kind: "met" });
    expect(judge(state({ Health: health("starting") } as Partial<State>), "db", "service_healthy")).toEqual({ kind: "waiting", seen: "db is starting" });
    expect(judge(state({ Health: health("unhealthy", "checking\nconnection refused\n") } as Partial<State>), "db", "service_healthy")).toEqual({
      kind: "failed",
      seen: "db is unhealthy: connection refused",
    });
    expect(judge(state({}), "db", "service_healthy")).toEqual({ kind: "failed", seen: "db has no healthcheck (service_healthy needs one)" });
    expect(judge(state({ Running: false, Status: "exited", ExitCode: 1 }), "db", "service_healthy")).toEqual({ kind: "inactive", seen: "db exited with code 1" });
  });

  it("service_completed_successfully: exit 0 is met, another code fails naming it, running waits", () => {
    expect(judge(state({ Running: false, Status: "exited", ExitCode: 0 }), "migrate", "service_completed_successfully")).toEqual({ kind: "met" });
    expect(judge(state({ Running: false, Status: "exited", ExitCode: 3 }), "migrate", "service_completed_successfully")).toEqual({
      kind: "failed",
      seen: "migrate exited with code 3",
    });
    expect(judge(state({}), "migrate", "service_completed_successfully").kind).toBe("waiting");
  });
});

describe("healthcheck → the engine's HealthConfig", () => {
  it("durations in nanoseconds, start_interval included; no test keeps the image's", () => {
    expect(
      healthConfig({ test: ["CMD-SHELL", "true"], interval_seconds: 1, timeout_seconds: 0.5, retries: 3, start_period_seconds: 10, start_interval_seconds: 0.2 }),
    ).toEqual({ Test: ["CMD-SHELL", "true"], Interval: 1e9, Timeout: 5e8, StartPeriod: 1e10, StartInterval: 2e8, Retries: 3 });
    expect(healthConfig({ test: [], interval_seconds: 2, timeout_seconds: null, retries: null, start_period_seconds: null })).toEqual({
      Test: undefined,
      Interval: 2e9,
      Timeout: undefined,
      StartPeriod: undefined,
      StartInterval: undefined,
      Retries: undefined,
    });
  });
});

describe("waiting for dependencies (a fake engine)", () => {
  const gone = Object.assign(new Error("no such container"), { statusCode: 404 });
  /** An engine where each named container answers inspect with the next of its states (404 when none). */
  const engine = (states: Record<string, Partial<State>[]>) =>
    ({
      getContainer: (id: string) => ({
        inspect: async () => {
          const queue = states[id];
          if (!queue) throw gone;
          return { State: state(queue.length > 1 ? queue.shift()! : queue[0]) };
        },
      }),
    }) as unknown as Docker;
  const ctx = (recorded: Record<string, Record<string, string>>, logs: string[] = []): ApplyContext => ({
    project: "p",
    log: (m) => logs.push(m),
    aborted: false,
    recordedAttributes: (a) => recorded[a],
    recorded: () => [],
  });
  const edges = (condition: string, required: boolean) => ({ "container.db[0]": { condition, required, restart: false } });

  it("waits while the dependency starts, then returns", async () => {
    const logs: string[] = [];
    const docker = engine({ c1: [{ Health: health("starting") }, { Health: health("starting") }, { Health: health("healthy") }] as Partial<State>[] });
    await waitForDependencies(docker, {
      address: "container.web[0]",
      conditions: edges("service_healthy", true),
      timeoutMs: 5_000,
      ctx: ctx({ "container.db[0]": { service: "db", container_id: "c1" } }, logs),
    });
    expect(logs).toEqual(["waiting for db to be healthy"]);
  });

  it("required: false — a dependency with no container is no error; required — it is", async () => {
    const logs: string[] = [];
    const wait = (required: boolean) =>
      waitForDependencies(engine({}), {
        address: "container.web[0]",
        conditions: edges("service_started", required),
        timeoutMs: 1_000,
        ctx: ctx({ "container.db[0]": { service: "db", container_id: "c1" } }, logs),
      });
    await wait(false);
    expect(logs).toEqual(["not waiting for db (depends_on required: false): db has no container"]);
    await expect(wait(true)).rejects.toThrow("needs db to start, but db has no container");
  });

  it("gives up after the timeout, saying what it saw last", async () => {
    const docker = engine({ c1: [{ Health: health("starting", "not yet") }] as Partial<State>[] });
    const wait = waitForDependencies(docker, {
      address: "container.web[0]",
      conditions: edges("service_healthy", true),
      timeoutMs: 500,
      ctx: ctx({ "container.db[0]": { service: "db", container_id: "c1" } }),
    });
    await expect(wait).rejects.toMatchObject({ message: "waited 1s for db to be healthy; db is starting: not yet", where: { address: "container.web[0]" } });
  });
});
