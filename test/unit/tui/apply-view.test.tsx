import { cleanup, render } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { UserError } from "../../../src/core/errors.js";
import type { ApplyEvent, ApplySummary } from "../../../src/core/events.js";
import { ApplyView } from "../../../src/tui/ApplyView.js";
import { expectGolden } from "../golden.js";
import { delay, listening, plain } from "./helpers.js";

const golden = (name: string) => new URL(`./golden/${name}.txt`, import.meta.url);

const SUMMARY: ApplySummary = { added: 2, changed: 1, destroyed: 1, failed: 0, skipped: 0, ms: 2500, interrupted: false };

/** An ApplyView fed by hand, on a clock the test moves. */
async function applyView(opts: { total?: number; verb?: "Apply" | "Destroy"; color?: boolean } = {}) {
  const clock = { now: 0 };
  let listener: ((e: ApplyEvent) => void) | null = null;
  const onInterrupt = vi.fn();
  const onFinished = vi.fn();
  const ui = render(
    <ApplyView
      events={(l) => {
        listener = l;
        return () => (listener = null);
      }}
      total={opts.total ?? 4}
      verb={opts.verb ?? "Apply"}
      color={opts.color ?? false}
      now={() => clock.now}
      tickMs={60_000}
      onInterrupt={onInterrupt}
      onFinished={onFinished}
    />,
  );
  /** Sends events at clock time `at`, and waits until the frame shows `shown`. */
  const sendShowing = async (at: number, shown: string, ...events: ApplyEvent[]) => {
    clock.now = at;
    for (const e of events) listener!(e);
    await vi.waitFor(() => expect(plain(ui.lastFrame())).toContain(shown), { timeout: 3000, interval: 5 });
  };
  const send = (at: number, ...events: ApplyEvent[]) => sendShowing(at, shownBy(events[events.length - 1]), ...events);
  await listening(ui.stdin);
  await vi.waitFor(() => expect(listener).not.toBeNull());
  return { ...ui, send, sendShowing, clock, onInterrupt, onFinished, frame: () => plain(ui.lastFrame()) };
}

/** Text the frame holds once the view has taken this event in. */
function shownBy(e: ApplyEvent): string {
  switch (e.kind) {
    case "apply-start":
      return `/${e.total}`;
    case "step-start":
      return `${e.address}: `;
    case "step-log":
      return e.message;
    case "step-done":
      return `✓ ${e.address}:`;
    case "step-failed":
      return `✗ Error: ${e.address}:`;
    case "step-skipped":
      return `- ${e.address}:`;
    case "interrupt":
      return "Interrupt received";
    case "apply-done":
      return e.summary.failed > 0 || e.summary.interrupted ? " stopped: " : " complete! ";
  }
}

const start = (address: string, actions: ApplyEvent & { kind: "step-start" } extends { actions: infer A } ? A : never): ApplyEvent => ({
  kind: "step-start",
  address,
  actions,
});

afterEach(() => cleanup());

describe("apply view", () => {
  it("shows each change in flight with a spinner and its elapsed time, and the overall progress", async () => {
    const ui = await applyView();
    await ui.send(0, { kind: "apply-start", total: 4 }, start("network.default", ["create"]));
    await ui.send(400, { kind: "step-done", address: "network.default", actions: ["create"], ms: 400 });
    await ui.send(500, start("container.web[0]", ["create"]), start("container.db[0]", ["delete"]));
    await ui.send(1700, { kind: "step-log", address: "container.web[0]", message: "pulling berth/web:1" });
    const frame = ui.frame();
    expect(frame).toContain("✓ network.default: Creation complete after 0.4s");
    expect(frame).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] container\.web\[0\]: Creating\.\.\. 1\.2s pulling berth\/web:1$/m);
    expect(frame).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] container\.db\[0\]: Destroying\.\.\. 1\.2s$/m);
    expect(frame).toMatch(/1\/4 · 1\.7s elapsed · about 5\.1s left$/m);
    expect(frame).toMatch(/^█{8}░{22} 1\/4/m);
  });

  it("ends with Terraform's summary and the total time", async () => {
    const ui = await applyView();
    await ui.send(0, { kind: "apply-start", total: 4 }, start("network.default", ["create"]));
    await ui.send(300, { kind: "step-done", address: "network.default", actions: ["create"], ms: 300 });
    await ui.send(300, start("container.web[0]", ["create"]), start("container.web[1]", ["update"]), start("container.old[0]", ["delete"]));
    await ui.send(
      2500,
      { kind: "step-done", address: "container.web[1]", actions: ["update"], ms: 1100 },
      { kind: "step-done", address: "container.old[0]", actions: ["delete"], ms: 1500 },
      { kind: "step-done", address: "container.web[0]", actions: ["create"], ms: 2200 },
      { kind: "apply-done", summary: SUMMARY },
    );
    expectGolden(golden("apply-success"), ui.frame());
    expect(ui.frame()).toContain("Apply complete! Resources: 2 added, 1 changed, 1 destroyed in 2.5s.");
    expect(ui.onFinished).toHaveBeenCalledOnce();
  });

  it("shows an error on the row of the change that failed", async () => {
    const ui = await applyView({ total: 3 });
    await ui.send(0, { kind: "apply-start", total: 3 }, start("container.web[0]", ["create"]), start("container.web[1]", ["create"]));
    const error = new UserError("E_DOCKER", "port 8080 is already allocated", { address: "container.web[1]" });
    await ui.send(800, { kind: "step-failed", address: "container.web[1]", actions: ["create"], ms: 800, error });
    expect(ui.frame()).toContain("✗ Error: container.web[1]: port 8080 is already allocated (after 0.8s)");
    expect(ui.frame()).toMatch(/1\/3 · 1 failed · /);
    await ui.send(
      1000,
      { kind: "step-done", address: "container.web[0]", actions: ["create"], ms: 1000 },
      { kind: "step-skipped", address: "route.web.localhost", reason: "a change it depends on did not complete" },
      { kind: "apply-done", summary: { ...SUMMARY, added: 1, changed: 0, destroyed: 0, failed: 1, skipped: 1, ms: 1000 } },
    );
    expectGolden(golden("apply-failure"), ui.frame());
    expect(ui.frame()).toContain("Apply stopped: 1 added, 0 changed, 0 destroyed; 1 failed, 1 not started.");
  });

  it("passes Ctrl-C to the CLI and says it is stopping after the changes in flight", async () => {
    const ui = await applyView({ total: 2 });
    await ui.send(0, { kind: "apply-start", total: 2 }, start("container.web[0]", ["delete", "create"]));
    ui.stdin.write("\u0003");
    await vi.waitFor(() => expect(ui.onInterrupt).toHaveBeenCalledOnce());
    await ui.send(100, { kind: "interrupt", forced: false });
    expect(ui.frame()).toContain("stopping after in-flight changes… (press Ctrl-C again to force)");
    expect(ui.frame()).toContain("container.web[0]: Replacing...");
    await ui.send(
      900,
      { kind: "step-done", address: "container.web[0]", actions: ["delete", "create"], ms: 900 },
      { kind: "step-skipped", address: "container.web[1]", reason: "interrupted" },
      { kind: "apply-done", summary: { ...SUMMARY, added: 1, changed: 0, destroyed: 1, skipped: 1, ms: 900, interrupted: true } },
    );
    expectGolden(golden("apply-interrupted"), ui.frame());
    // A second Ctrl-C is the CLI's to handle too (it forces).
    ui.stdin.write("\u0003");
    await delay();
    expect(ui.onInterrupt).toHaveBeenCalledOnce();
  });

  it("says Destroy for destroy", async () => {
    const ui = await applyView({ total: 1, verb: "Destroy" });
    await ui.send(
      300,
      { kind: "apply-start", total: 1 },
      start("container.web[0]", ["delete"]),
      { kind: "step-done", address: "container.web[0]", actions: ["delete"], ms: 300 },
      { kind: "apply-done", summary: { ...SUMMARY, added: 0, changed: 0, destroyed: 1, ms: 300 } },
    );
    expect(ui.frame()).toContain("Destroy complete! Resources: 1 destroyed in 0.3s.");
  });

  it("reads events from an async iterable too", async () => {
    async function* events(): AsyncGenerator<ApplyEvent> {
      yield { kind: "apply-start", total: 1 };
      yield start("network.default", ["create"]);
      yield { kind: "step-done", address: "network.default", actions: ["create"], ms: 50 };
      yield { kind: "apply-done", summary: { ...SUMMARY, added: 1, changed: 0, destroyed: 0, ms: 50 } };
    }
    const ui = render(<ApplyView events={events()} total={1} verb="Apply" color={false} />);
    await vi.waitFor(() => expect(plain(ui.lastFrame())).toContain(" complete! "));
    expect(plain(ui.lastFrame())).toContain("✓ network.default: Creation complete after 0.1s");
    expect(plain(ui.lastFrame())).toContain("Apply complete! Resources: 1 added, 0 changed, 0 destroyed in 0.1s.");
  });

  it("uses no colour under NO_COLOR, and colour otherwise", async () => {
    for (const color of [false, true]) {
      const ui = await applyView({ total: 2, color });
      await delay();
      await ui.send(0, { kind: "apply-start", total: 2 }, start("a.x", ["create"]), start("b.y", ["create"]));
      await ui.send(100, { kind: "step-done", address: "a.x", actions: ["create"], ms: 100 });
      const error = new UserError("E_X", "boom");
      await ui.send(200, { kind: "step-failed", address: "b.y", actions: ["create"], ms: 100, error });
      await ui.send(200, { kind: "apply-done", summary: { ...SUMMARY, failed: 1, ms: 200 } });
      const all = ui.frames.join("");
      if (color) expect(all).toMatch(/\u001b\[3[12]m/);
      else expect(all).not.toMatch(/\u001b\[/);
      ui.unmount();
    }
  });

  it("keeps many changes in flight to a bounded number of rows", async () => {
    const ui = await applyView({ total: 40 });
    await ui.sendShowing(0, "more in flight", { kind: "apply-start", total: 40 }, ...Array.from({ length: 30 }, (_, i) => start(`container.web[${i}]`, ["create"])));
    const frame = ui.frame();
    expect(frame).toContain("container.web[11]: Creating...");
    expect(frame).not.toContain("container.web[12]: Creating...");
    expect(frame).toContain("… and 18 more in flight");
  });
});
