/**
 * The apply view's state: the executor's events folded into running and finished rows. It
 * records what the events say and when they arrived; it decides nothing about the apply.
 */
import type { ApplyEvent, ApplySummary } from "../core/events.js";
import type { Actions } from "../core/plan.js";
import type { Address } from "../core/types.js";

export interface RunningStep {
  address: Address;
  actions: Actions;
  /** When the view received step-start (the view's clock, for the elapsed time shown). */
  startedAt: number;
  /** The step's latest log message, if it sent any. */
  log: string | null;
}

export type FinishedEvent = Extract<ApplyEvent, { kind: "step-done" | "step-failed" | "step-skipped" }>;

export interface FinishedStep {
  /** Unique and stable: <Static> prints each finished row exactly once. */
  key: string;
  event: FinishedEvent;
}

export interface ApplyProgress {
  total: number;
  /** When the first event arrived; null before. */
  startedAt: number | null;
  running: RunningStep[];
  finished: FinishedStep[];
  succeeded: number;
  failed: number;
  skipped: number;
  interrupt: { forced: boolean } | null;
  summary: ApplySummary | null;
}

export function initialProgress(total: number): ApplyProgress {
  return { total, startedAt: null, running: [], finished: [], succeeded: 0, failed: 0, skipped: 0, interrupt: null, summary: null };
}

/** The progress after one more event, received at `now`. */
export function foldEvent(p: ApplyProgress, e: ApplyEvent, now: number): ApplyProgress {
  const started = p.startedAt ?? now;
  switch (e.kind) {
    case "apply-start":
      return { ...p, total: e.total, startedAt: started };
    case "step-start":
      return { ...p, startedAt: started, running: [...p.running, { address: e.address, actions: e.actions, startedAt: now, log: null }] };
    case "step-log":
      return { ...p, startedAt: started, running: p.running.map((r) => (r.address === e.address ? { ...r, log: e.message } : r)) };
    case "step-done":
    case "step-failed":
    case "step-skipped": {
      const finished = [...p.finished, { key: `${p.finished.length}:${e.address}`, event: e }];
      const running = p.running.filter((r) => r.address !== e.address);
      const counts =
        e.kind === "step-done" ? { succeeded: p.succeeded + 1 } : e.kind === "step-failed" ? { failed: p.failed + 1 } : { skipped: p.skipped + 1 };
      return { ...p, ...counts, startedAt: started, running, finished };
    }
    case "interrupt":
      return { ...p, startedAt: started, interrupt: { forced: e.forced || (p.interrupt?.forced ?? false) } };
    case "apply-done":
      return { ...p, startedAt: started, running: [], summary: e.summary };
  }
}

/** Steps that reached an end, whichever end. */
export function completedCount(p: ApplyProgress): number {
  return p.succeeded + p.failed + p.skipped;
}

/** 0–100, for the progress bar. */
export function percentDone(p: ApplyProgress): number {
  if (p.summary) return 100;
  return p.total > 0 ? Math.min(100, (completedCount(p) / p.total) * 100) : 0;
}

/**
 * Time left at the pace so far (elapsed per completed step, parallelism included), or null
 * until a step has completed.
 */
export function estimateRemainingMs(p: ApplyProgress, now: number): number | null {
  const completed = completedCount(p);
  if (p.summary || p.startedAt === null || completed === 0) return null;
  const left = Math.max(0, p.total - completed);
  return ((now - p.startedAt) / completed) * left;
}
