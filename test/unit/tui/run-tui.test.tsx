import { describe, expect, it, vi } from "vitest";
import { browsePlan, confirmPlan, startApplyView } from "../../../src/tui/run-tui.js";
import { stripAnsi } from "../../../src/render/color.js";
import { replacePlan, updatePlan } from "../render/fixtures.js";
import { FakeStdin, FakeStdout, delay, listening } from "./helpers.js";
import { maskPlan } from "../../../src/core/mask.js";

function terminal() {
  const stdin = new FakeStdin();
  const stdout = new FakeStdout();
  const io = { stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream };
  return { stdin, stdout, io, text: () => stripAnsi(stdout.output) };
}

/** Outside ink-testing-library Ink draws at most 30 frames a second: wait out its throttle. */
async function press(stdin: FakeStdin, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    stdin.press(key);
    await delay(50);
  }
}

/** Frames arrive on Ink's schedule: wait for the text rather than a fixed time. */
async function shows(t: { text(): string }, expected: string): Promise<void> {
  await vi.waitFor(() => expect(t.text()).toContain(expected), { timeout: 3000, interval: 20 });
}

describe("run-tui entry points", () => {
  it("browsePlan shows the plan until q", async () => {
    const t = terminal();
    let finished = false;
    const browsing = browsePlan(maskPlan(updatePlan()), { color: false, ...t.io }).then(() => (finished = true));
    await shows(t, "Plan: 0 to add, 2 to change, 0 to destroy.");
    await listening(t.stdin);
    await press(t.stdin, "j", "\r");
    await shows(t, "rendered_config = <<-EOT");
    expect(finished).toBe(false);
    await press(t.stdin, "q");
    await browsing;
    expect(finished).toBe(true);
  });

  it("confirmPlan is true only for yes", async () => {
    for (const [keys, approved] of [
      [["y", "e", "s", "\r"], true],
      [["y", "\r"], false],
      // Browsing keys that arrive in one chunk browse; the answer typed after them approves.
      [["jj\r", "yes\r"], true],
      // After Tab the same keys are the answer, and "jj" cancels.
      [["jj\r", "\t", "jj\r"], false],
      [["n"], false],
      [["\u0003"], false],
    ] as const) {
      const t = terminal();
      const answer = confirmPlan(maskPlan(replacePlan()), { color: true, verb: "Apply", ...t.io });
      await shows(t, "Do you want to perform these actions?");
      await listening(t.stdin);
      await press(t.stdin, ...keys);
      expect(await answer, keys.join("")).toBe(approved);
    }
  });

  it("refuses to browse without a terminal on stdin (no key could end the view)", async () => {
    const t = terminal();
    t.stdin.isTTY = false;
    await expect(browsePlan(maskPlan(updatePlan()), { color: false, ...t.io })).rejects.toThrow(/needs a terminal on standard input/);
  });

  it("startApplyView renders pushed events and resolves done() after the summary", async () => {
    const t = terminal();
    const onInterrupt = vi.fn();
    const view = startApplyView({ total: 2, verb: "Apply", color: false, onInterrupt, ...t.io });
    // Events sent before the view subscribed are not lost.
    view.emit({ kind: "apply-start", total: 2 });
    view.emit({ kind: "step-start", address: "network.default", actions: ["create"] });
    await shows(t, "network.default: Creating...");
    await listening(t.stdin);
    await press(t.stdin, "\u0003");
    expect(onInterrupt).toHaveBeenCalledOnce();
    view.emit({ kind: "interrupt", forced: false });
    await shows(t, "stopping after in-flight changes… (press Ctrl-C again to force)");
    view.emit({ kind: "step-done", address: "network.default", actions: ["create"], ms: 120 });
    view.emit({ kind: "step-skipped", address: "container.web[0]", reason: "interrupted" });
    view.emit({
      kind: "apply-done",
      summary: { added: 1, changed: 0, destroyed: 0, failed: 0, skipped: 1, ms: 130, interrupted: true },
    });
    await view.done();
    const text = t.text();
    expect(text).toContain("✓ network.default: Creation complete after 0.1s");
    expect(text).toContain("Apply stopped: 1 added, 0 changed, 0 destroyed; 0 failed, 1 not started.");
  });

  it("done() also returns when the executor never sent its summary", async () => {
    const t = terminal();
    const view = startApplyView({ total: 1, verb: "Destroy", color: false, ...t.io });
    view.emit({ kind: "step-start", address: "network.default", actions: ["delete"] });
    await shows(t, "network.default: Destroying...");
    await view.done();
    expect(t.text()).toContain("network.default: Destroying...");
  });
});
