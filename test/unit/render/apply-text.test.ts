import { describe, expect, it } from "vitest";
import { formatApplyEvent, formatApplySummary, formatDuration } from "../../../src/render/apply-text.js";
import { shouldColor, stripAnsi } from "../../../src/render/color.js";
import { UserError } from "../../../src/core/errors.js";
import type { ApplyEvent } from "../../../src/core/events.js";

const plain = { color: false };
const line = (e: ApplyEvent) => formatApplyEvent(e, plain);

describe("apply progress lines", () => {
  it("uses Terraform's words for each action", () => {
    const a = "container.web[0]";
    expect(line({ kind: "step-start", address: a, actions: ["create"] })).toBe("container.web[0]: Creating...");
    expect(line({ kind: "step-done", address: a, actions: ["create"], ms: 1234 })).toBe("container.web[0]: Creation complete after 1.2s");
    expect(line({ kind: "step-start", address: a, actions: ["delete"] })).toBe("container.web[0]: Destroying...");
    expect(line({ kind: "step-done", address: a, actions: ["delete"], ms: 300 })).toBe("container.web[0]: Destruction complete after 0.3s");
    expect(line({ kind: "step-start", address: a, actions: ["update"] })).toBe("container.web[0]: Modifying...");
    expect(line({ kind: "step-done", address: a, actions: ["update"], ms: 61_000 })).toBe("container.web[0]: Modifications complete after 1m1s");
    expect(line({ kind: "step-start", address: a, actions: ["delete", "create"] })).toBe("container.web[0]: Replacing...");
    expect(line({ kind: "step-done", address: a, actions: ["create", "delete"], ms: 2000 })).toBe("container.web[0]: Replacement complete after 2.0s");
    expect(line({ kind: "step-start", address: a, actions: ["no-op"] })).toBeNull();
    expect(line({ kind: "apply-start", total: 3 })).toBeNull();
  });

  it("prints failures, skipped steps and interrupts", () => {
    const error = new UserError("E_DOCKER", "port 8080 is already allocated");
    expect(line({ kind: "step-failed", address: "container.web[0]", actions: ["create"], ms: 10, error })).toBe(
      "Error: container.web[0]: port 8080 is already allocated",
    );
    expect(line({ kind: "step-skipped", address: "route.web.localhost", reason: "container.web[0] failed" })).toBe(
      "route.web.localhost: Not started: container.web[0] failed",
    );
    expect(line({ kind: "interrupt", forced: false })).toBe(
      "Interrupt received: stopping after in-flight changes… (press Ctrl-C again to force)",
    );
  });

  it("colours only when asked", () => {
    const e: ApplyEvent = { kind: "step-start", address: "container.web[0]", actions: ["create"] };
    const colored = formatApplyEvent(e, { color: true }) ?? "";
    expect(colored).toMatch(/\u001b\[/);
    expect(stripAnsi(colored)).toBe(line(e));
  });
});

describe("apply summary", () => {
  const ok = { added: 3, changed: 1, destroyed: 2, failed: 0, skipped: 0, ms: 3400, interrupted: false };

  it("reports a complete apply or destroy", () => {
    expect(formatApplySummary(ok, "Apply")).toBe("Apply complete! Resources: 3 added, 1 changed, 2 destroyed in 3.4s.");
    expect(formatApplySummary({ ...ok, added: 0, changed: 0 }, "Destroy")).toBe("Destroy complete! Resources: 2 destroyed in 3.4s.");
    expect(line({ kind: "apply-done", summary: ok })).toBeNull();
  });

  it("reports a stopped apply with what failed and what never started", () => {
    expect(formatApplySummary({ ...ok, failed: 1, skipped: 2 }, "Apply")).toBe(
      "Apply stopped: 3 added, 1 changed, 2 destroyed; 1 failed, 2 not started.",
    );
    expect(formatApplySummary({ ...ok, interrupted: true, skipped: 4 }, "Apply")).toBe(
      "Apply stopped: 3 added, 1 changed, 2 destroyed; 0 failed, 4 not started.",
    );
  });

  it("formats durations", () => {
    expect(formatDuration(0)).toBe("0.0s");
    expect(formatDuration(59_940)).toBe("59.9s");
    expect(formatDuration(125_000)).toBe("2m5s");
  });
});

describe("shouldColor", () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  it("colours a terminal unless NO_COLOR or TERM=dumb", () => {
    expect(shouldColor(tty, { TERM: "xterm-256color" })).toBe(true);
    expect(shouldColor({ isTTY: false } as NodeJS.WriteStream, {})).toBe(false);
    expect(shouldColor(tty, { NO_COLOR: "1" })).toBe(false);
    expect(shouldColor(tty, { NO_COLOR: "" })).toBe(true);
    expect(shouldColor(tty, { TERM: "dumb" })).toBe(false);
  });
});
