import { describe, expect, it } from "vitest";
import type Docker from "dockerode";
import type { ContainerAttributes, HealthcheckAttr } from "../../../providers/docker/attributes.js";
import { healthcheckMode } from "../../../providers/docker/container-spec.js";
import { readyTimeoutMs, waitUntilReady } from "../../../providers/docker/readiness.js";

/** A container whose inspect answers the given states in turn (the last one repeats). */
const containerWith = (...states: object[]) =>
  ({ inspect: async () => ({ State: { Running: true, Status: "running", ExitCode: 0, ...(states.length > 1 ? states.shift() : states[0]) } }) }) as unknown as Docker.Container;
const health = (Status: string, Output = "") => ({ Health: { Status, Log: [{ Output }] } });
const ready = (c: Docker.Container, healthcheck: "declared" | "image" | "disabled") =>
  waitUntilReady(c, { healthcheck, ports: [], published: {}, timeoutMs: 3_000, aborted: () => false });
const withCheck = (h: Partial<HealthcheckAttr> | null) =>
  ({ healthcheck: h && { test: ["CMD", "true"], interval_seconds: null, timeout_seconds: null, retries: null, start_period_seconds: null, ...h } }) as ContainerAttributes;

/** Readiness of a create-before-destroy replacement, as the healthcheck keys shape it. */
describe("readiness and the healthcheck", () => {
  it("declared: waits through 'starting' for 'healthy'; unhealthy says the probe's last line", async () => {
    expect(await ready(containerWith(health("starting"), health("starting"), health("healthy")), "declared")).toEqual({ ready: true });
    expect(await ready(containerWith(health("unhealthy", "HTTP 503\n")), "declared")).toEqual({ ready: false, reason: "healthcheck reports unhealthy: HTTP 503" });
  });

  it("disable: true never waits on a health status; an image's HEALTHCHECK is waited on unless disabled", async () => {
    expect(await ready(containerWith(health("unhealthy")), "disabled")).toEqual({ ready: true });
    expect(await ready(containerWith(health("unhealthy")), "image")).toMatchObject({ ready: false });
    expect(await ready(containerWith({}), "image")).toEqual({ ready: true });
  });

  it("the mode follows the template: a test declares, NONE/disable disables, timings alone keep the image's", () => {
    expect(healthcheckMode(withCheck({}))).toBe("declared");
    expect(healthcheckMode(withCheck({ test: ["NONE"] }))).toBe("disabled");
    expect(healthcheckMode(withCheck({ test: [], interval_seconds: 1 }))).toBe("image");
    expect(healthcheckMode(withCheck(null))).toBe("image");
  });

  it("the ready timeout covers start_period and a first probe", () => {
    expect(readyTimeoutMs(withCheck(null), 60)).toBe(60_000);
    expect(readyTimeoutMs(withCheck({ start_period_seconds: 90, interval_seconds: 5, timeout_seconds: 2 }), 60)).toBe(97_000);
    expect(readyTimeoutMs(withCheck({ test: ["NONE"], start_period_seconds: 90 }), 60)).toBe(60_000);
  });
});
