import { describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { judge } from "../../../providers/docker/dependencies.js";
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
