import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/core/errors.js";
import type { ApplyEvent } from "../../../src/core/events.js";
import { estimateRemainingMs, foldEvents, initialProgress, percentDone, type ApplyProgress } from "../../../src/tui/apply-progress.js";

const fold = (p: ApplyProgress, at: number, ...events: ApplyEvent[]) => foldEvents(p, events.map((event) => ({ event, at })));

describe("apply progress", () => {
  it("follows each step from start to end, with what it logged meanwhile", () => {
    let p = fold(initialProgress(3), 0, { kind: "apply-start", total: 4 }, { kind: "step-start", address: "a.x", actions: ["create"] });
    p = fold(p, 100, { kind: "step-log", address: "a.x", message: "pulling" }, { kind: "step-start", address: "b.y", actions: ["update"] });
    expect(p.total).toBe(4);
    expect(p.running.map((r) => [r.address, r.startedAt, r.log])).toEqual([
      ["a.x", 0, "pulling"],
      ["b.y", 100, null],
    ]);
    p = fold(
      p,
      400,
      { kind: "step-done", address: "a.x", actions: ["create"], ms: 400 },
      { kind: "step-failed", address: "b.y", actions: ["update"], ms: 300, error: new UserError("E_X", "boom") },
      { kind: "step-skipped", address: "c.z", reason: "interrupted" },
    );
    expect(p.running).toEqual([]);
    expect([p.succeeded, p.failed, p.skipped]).toEqual([1, 1, 1]);
    expect(p.finished.map((f) => f.key)).toEqual(["0:a.x", "1:b.y", "2:c.z"]);
  });

  it("estimates the time left at the pace so far, once a step has ended", () => {
    let p = fold(initialProgress(4), 0, { kind: "apply-start", total: 4 }, { kind: "step-start", address: "a.x", actions: ["create"] });
    expect(estimateRemainingMs(p, 500)).toBeNull();
    expect(percentDone(p)).toBe(0);
    p = fold(p, 1000, { kind: "step-done", address: "a.x", actions: ["create"], ms: 1000 });
    expect(estimateRemainingMs(p, 1000)).toBe(3000);
    expect(percentDone(p)).toBe(25);
    p = fold(p, 1200, { kind: "apply-done", summary: { added: 1, changed: 0, destroyed: 0, failed: 0, skipped: 0, ms: 1200, interrupted: false } });
    expect(estimateRemainingMs(p, 1200)).toBeNull();
    expect(percentDone(p)).toBe(100);
  });

  it("remembers a forced interrupt", () => {
    let p = fold(initialProgress(1), 0, { kind: "interrupt", forced: false });
    expect(p.interrupt).toEqual({ forced: false });
    p = fold(p, 1, { kind: "interrupt", forced: true }, { kind: "interrupt", forced: false });
    expect(p.interrupt).toEqual({ forced: true });
  });

  it("leaves the previous progress untouched", () => {
    const before = fold(initialProgress(1), 0, { kind: "step-start", address: "a.x", actions: ["create"] });
    fold(before, 1, { kind: "step-done", address: "a.x", actions: ["create"], ms: 1 });
    expect(before.running).toHaveLength(1);
    expect(before.finished).toHaveLength(0);
  });
});
