import { render } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup } from "ink-testing-library";
import { countChanges } from "../../../src/core/plan.js";
import { PlanView, type BrowseResult } from "../../../src/tui/PlanView.js";
import { expectGolden } from "../golden.js";
import { SECRETS, basePlan, change, container, createOnlyPlan, deletePlan, driftSecretsPlan, replacePlan, updatePlan } from "../render/fixtures.js";
import { delay, largePlan, listening, plain, selectedLine } from "./helpers.js";
import { maskPlan } from "../../../src/core/mask.js";

const golden = (name: string) => new URL(`./golden/${name}.txt`, import.meta.url);

/** One plan with every kind of change, across services and shared resources. */
function mixedPlan() {
  return basePlan([
    ...createOnlyPlan().changes.filter((c) => c.address !== "container.web[1]"),
    ...replacePlan().changes.filter((c) => c.address !== "container.web[0]"),
    ...deletePlan().changes.filter((c) => c.service !== "web"),
    change("container.api[0]", ["update"], container("api", 0), container("api", 0, { restart: "on-failure" }), { reason: "attributes-changed" }),
  ]);
}

/** Generous per key: a press written before the previous one re-rendered is lost, and CI machines are busy. */
async function keys(stdin: { write(data: string): void }, ...presses: string[]): Promise<void> {
  for (const p of presses) {
    stdin.write(p);
    await delay(50);
  }
}

async function view(plan = mixedPlan(), props: { height?: number; mode?: "plan" | "confirm"; color?: boolean; verb?: "Apply" | "Destroy" } = {}) {
  const onExit = vi.fn<(result: BrowseResult) => void>();
  const t0 = performance.now();
  const ui = render(
    <PlanView plan={maskPlan(plan)} color={props.color ?? false} height={props.height ?? 40} mode={props.mode ?? "plan"} verb={props.verb} onExit={onExit} />,
  );
  const firstFrameMs = performance.now() - t0;
  await listening(ui.stdin);
  return { ...ui, onExit, firstFrameMs, frame: () => plain(ui.lastFrame()) };
}

afterEach(() => cleanup());

describe("plan view", () => {
  it("opens on the counts, the destructive changes, then every change grouped by service", async () => {
    const ui = await view();
    await delay();
    expectGolden(golden("plan-initial"), ui.frame());
    const frame = ui.frame();
    expect(frame.indexOf("Plan: 6 to add, 1 to change, 4 to destroy.")).toBe(0);
    expect(frame.indexOf("! destroy (2): container.db[0], container.old[0]")).toBeLessThan(frame.indexOf("! replace (2)"));
    expect(frame.indexOf("! replace (2)")).toBeLessThan(frame.indexOf("  shared ("));
  });

  it("moves with j/k and the arrow keys, skipping group headings", async () => {
    const ui = await view();
    await delay();
    expect(selectedLine(ui.lastFrame())).toBe("▸   + network.default  create");
    await keys(ui.stdin, "j", "j");
    expect(selectedLine(ui.lastFrame())).toBe("▸   + container.web[0]  create");
    await keys(ui.stdin, "\u001b[B");
    expect(selectedLine(ui.lastFrame())).toBe("▸   + discovery.demo_web  create");
    await keys(ui.stdin, "k", "\u001b[A");
    expect(selectedLine(ui.lastFrame())).toBe("▸   - container.old[0]  destroy");
    await keys(ui.stdin, "G");
    expect(selectedLine(ui.lastFrame())).toBe("▸   ~ container.api[0]  update in-place");
    await keys(ui.stdin, "j", "g");
    expect(selectedLine(ui.lastFrame())).toBe("▸   + network.default  create");
    await keys(ui.stdin, "k");
    expect(selectedLine(ui.lastFrame())).toBe("▸   + network.default  create");
  });

  it("opens a resource to the text plan's attribute diff with Enter, and closes it again", async () => {
    const ui = await view(updatePlan());
    await delay();
    await keys(ui.stdin, "\r");
    const open = ui.frame();
    expect(open).toContain("▾   ~ container.web[0]  update in-place");
    expect(open).toContain("# container.web[0] will be updated in-place");
    expect(open).toMatch(/~ restart +=  *"always" -> "on-failure"/);
    await keys(ui.stdin, "\r");
    expect(ui.frame()).not.toContain("# container.web[0] will be updated in-place");
  });

  it("shows a route's nginx configuration diff when it is opened with Space", async () => {
    const ui = await view(updatePlan());
    await delay();
    await keys(ui.stdin, "j", " ");
    expectGolden(golden("plan-route-open"), ui.frame());
    expect(ui.frame()).toContain("-    listen 127.0.0.1:8080;");
    expect(ui.frame()).toContain("+    listen 127.0.0.1:8081;");
    // Enter on one of the diff lines folds its resource and puts the cursor back on it.
    await keys(ui.stdin, "j", "j", "j", "\r");
    expect(ui.frame()).not.toContain("listen 127.0.0.1:8081");
    expect(selectedLine(ui.lastFrame())).toBe("▸   ~ route.web.localhost  update in-place");
  });

  it("filters by address with /, and Esc clears the filter", async () => {
    const ui = await view();
    await delay();
    await keys(ui.stdin, "/", "w", "o", "r", "k", "e", "r");
    expect(ui.frame()).toContain("/worker_");
    expect(ui.frame()).toContain("▸ -/+ container.worker[0]");
    expect(ui.frame()).not.toContain("container.web[0]");
    await keys(ui.stdin, "\r");
    expect(ui.frame()).toContain('1 of 9 changes · filter "worker" (esc clears)');
    // Letters browse again once the filter is kept.
    await keys(ui.stdin, "\u0008", "/", "\u007f", "\u007f", "\u007f", "\u007f", "\u007f", "\u007f", "x", "y", "z");
    expect(ui.frame()).toContain("no change matches the filter");
    await keys(ui.stdin, "\u001b");
    expect(ui.frame()).toContain("\n9 changes");
    expect(ui.frame()).toContain("container.web[0]");
  });

  it("shows only destructive changes with d, and everything again with a second d", async () => {
    const ui = await view();
    await delay();
    await keys(ui.stdin, "d");
    const frame = ui.frame();
    expect(frame).toContain("4 of 9 changes · destructive only");
    for (const a of ["container.db[0]", "container.old[0]", "container.web[1]", "container.worker[0]"]) expect(frame).toContain(a);
    expect(frame).not.toContain("network.default");
    await keys(ui.stdin, "d");
    expect(ui.frame()).toContain("network.default");
  });

  it("quits with q", async () => {
    const ui = await view();
    await delay();
    await keys(ui.stdin, "q");
    expect(ui.onExit).toHaveBeenCalledExactlyOnceWith("quit");
  });

  it("renders only the rows that fit, scrolling with the cursor", async () => {
    const ui = await view(mixedPlan(), { height: 14 });
    await delay();
    expect(ui.frame().split("\n").length).toBeLessThanOrEqual(14);
    expect(ui.frame()).not.toContain("container.api[0]");
    await keys(ui.stdin, "G");
    expect(ui.frame()).toContain("▸   ~ container.api[0]");
    expect(ui.frame()).not.toContain("network.default  create");
    expect(ui.frame().split("\n").length).toBeLessThanOrEqual(14);
  });

  it("never shows a secret, opened or not", async () => {
    const ui = await view(driftSecretsPlan(), { height: 60 });
    await delay();
    await keys(ui.stdin, "\r", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "\r", "G", "\r");
    const everything = ui.frames.join("\n");
    expect(everything).toContain("(sensitive value)");
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
  });

  it("colours by action only when asked (NO_COLOR)", async () => {
    const colored = await view(mixedPlan(), { color: true });
    await delay();
    expect(colored.lastFrame()).toMatch(/\u001b\[3[12]m/);
    colored.unmount();
    const uncolored = await view(mixedPlan(), { color: false });
    await delay();
    await keys(uncolored.stdin, "\r");
    for (const f of uncolored.frames) expect(f).not.toMatch(/\u001b\[/);
  });

  it("opens a 10,000-change plan on a screenful: the header counts and a window of rows", async () => {
    const plan = largePlan(100, 100);
    const counts = countChanges(plan);
    const ui = await view(plan, { height: 40 });
    const firstFrame = plain(ui.frames[0]);
    expect(firstFrame.split("\n").length).toBeLessThan(100);
    expect(firstFrame).toContain(`Plan: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy.`);
    const destroyed = plan.changes.filter((c) => c.actions.length === 1 && c.actions[0] === "delete").length;
    expect(firstFrame).toContain(`! destroy (${destroyed}): container.svc000[4], container.svc000[11], container.svc000[18]`);
    expect(ui.firstFrameMs).toBeLessThan(5000); // a sanity bound: the bench holds the real target (500 ms)
    await keys(ui.stdin, "G");
    expect(selectedLine(ui.lastFrame())).toBe("▸   + container.svc099[99]  create");
    await keys(ui.stdin, "k", "k", "k", "k", "\r");
    expect(selectedLine(ui.lastFrame())).toBe("▾ -/+ container.svc099[95]  replace (destroy, then create)");
    // The opened diff scrolls into view below its resource.
    expect(ui.frame()).toContain('~ image = "berth/svc099:1" -> "berth/svc099:2" # forces replacement');
    expect(ui.frame()).toContain("# (12 unchanged attributes hidden)");
    expect(ui.frame().split("\n").length).toBeLessThan(100);
  });

  it("shows a big plan's notices in its first frame (the plan comes masked)", async () => {
    const plan = { ...largePlan(20, 100), warnings: [{ severity: "warning" as const, code: "W_LATEST", message: "image berth/svc000:2 has no digest" }] };
    const ui = await view(plan, { height: 30 });
    expect(plain(ui.frames[0])).toContain("Warning: image berth/svc000:2 has no digest");
    expect(ui.frame().split("\n").length).toBeLessThanOrEqual(30);
  });
});

describe("plan view, confirm mode", () => {
  it("asks Terraform's question below the plan", async () => {
    const ui = await view(replacePlan(), { mode: "confirm", height: 24 });
    await delay();
    expectGolden(golden("confirm-initial"), ui.frame());
  });

  it("approves when yes is typed and Enter pressed", async () => {
    const ui = await view(replacePlan(), { mode: "confirm" });
    await delay();
    await keys(ui.stdin, "y", "e", "s");
    expect(ui.frame()).toContain("Enter a value: yes_");
    expect(ui.onExit).not.toHaveBeenCalled();
    await keys(ui.stdin, "\r");
    expect(ui.onExit).toHaveBeenCalledExactlyOnceWith("approve");
  });

  it("accepts a pasted answer", async () => {
    const ui = await view(replacePlan(), { mode: "confirm" });
    await delay();
    await keys(ui.stdin, "yes\r");
    expect(ui.onExit).toHaveBeenCalledExactlyOnceWith("approve");
  });

  it("rejects any other answer", async () => {
    const ui = await view(replacePlan(), { mode: "confirm" });
    await delay();
    await keys(ui.stdin, "y", "e", "p", "\r");
    expect(ui.onExit).toHaveBeenCalledExactlyOnceWith("reject");
  });

  it("rejects with n, q and Ctrl-C", async () => {
    for (const key of ["n", "q", "\u0003"]) {
      const ui = await view(replacePlan(), { mode: "confirm" });
      await delay();
      await keys(ui.stdin, key);
      expect(ui.onExit, JSON.stringify(key)).toHaveBeenCalledExactlyOnceWith("reject");
      ui.unmount();
    }
  });

  it("keeps browsing keys until an answer is started, and the arrows while typing", async () => {
    const ui = await view(replacePlan(), { mode: "confirm" });
    await delay();
    await keys(ui.stdin, "j", "\r");
    expect(ui.frame()).toContain("# container.web[1] must be replaced (create replacement and then destroy)");
    await keys(ui.stdin, "y", "j");
    expect(ui.frame()).toContain("Enter a value: yj_");
    await keys(ui.stdin, "\u001b[B");
    expect(selectedLine(ui.lastFrame())).toBe("# container.web[1] must be replaced (create replacement and then destroy)");
    // Backspace edits, Esc drops the answer and letters browse again.
    await keys(ui.stdin, "\u007f");
    expect(ui.frame()).toContain("Enter a value: y_");
    await keys(ui.stdin, "\u001b", "G");
    expect(ui.frame()).toContain("Enter a value: _");
    expect(selectedLine(ui.lastFrame())).toBe("▸ -/+ container.worker[0]  replace (destroy, then create)  interrupts service");
    expect(ui.onExit).not.toHaveBeenCalled();
  });

  it("browses with keys typed faster than the view reads them: `j j ⏎` in one chunk opens, never answers", async () => {
    const ui = await view(replacePlan(), { mode: "confirm" });
    await delay();
    await keys(ui.stdin, "jj\r");
    expect(ui.onExit).not.toHaveBeenCalled();
    expect(ui.frame()).toContain("Enter a value: _");
    expect(ui.frame()).toContain("# container.worker[0] must be replaced");
  });

  it("says which of plan and answer has the keys, and Tab moves them between the two", async () => {
    const ui = await view(replacePlan(), { mode: "confirm" });
    await delay();
    expect(ui.frame()).toContain("keys browse the plan until you type");
    await keys(ui.stdin, "\t");
    expect(ui.frame()).toContain("keys type the answer");
    // j is a letter of the answer now, not a move.
    await keys(ui.stdin, "j");
    expect(ui.frame()).toContain("Enter a value: j_");
    expect(selectedLine(ui.lastFrame())).toBe("▸ -/+ container.web[0]  replace (destroy, then create)");
    await keys(ui.stdin, "\u007f", "y", "e", "\t", "j");
    expect(ui.frame()).toContain("keys browse the plan until you type");
    expect(selectedLine(ui.lastFrame())).toBe("▸ +/- container.web[1]  replace (create, then destroy)");
    expect(ui.frame()).toContain("Enter a value: ye");
    // The answer goes on where it stopped.
    await keys(ui.stdin, "s", "\r");
    expect(ui.onExit).toHaveBeenCalledExactlyOnceWith("approve");
  });

  it("asks the destroy question for destroy", async () => {
    const ui = await view(deletePlan(), { mode: "confirm", verb: "Destroy" });
    await delay();
    expect(ui.frame()).toContain("Do you really want to destroy all resources?");
    expect(ui.frame()).toContain("yes ⏎ to destroy");
  });
});

describe("plan view, moves", () => {
  it("says where a renamed resource moved from", async () => {
    const moved = change("container.api[0]", ["update"], container("web", 0), container("api", 0), { reason: "moved", movedFrom: "container.web[0]" });
    const ui = await view(basePlan([moved]));
    await delay();
    expect(ui.frame()).toContain("~ container.api[0]  update in-place · moved from container.web[0]");
    await keys(ui.stdin, "\r");
    expect(ui.frame()).toContain("# container.api[0] will be updated in-place (moved from container.web[0])");
  });
});

describe("plan view, no changes", () => {
  it("says so", async () => {
    const ui = await view(basePlan([change("container.web[0]", ["no-op"], container("web", 0), container("web", 0))]));
    await delay();
    expect(ui.frame()).toContain("No changes. Your infrastructure matches the configuration.");
    expect(ui.frame()).toContain("0 changes");
  });
});
