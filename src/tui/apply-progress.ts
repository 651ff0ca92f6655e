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

/** An event and when the view received it (the view's clock, for elapsed times). */
export interface ReceivedEvent {
  event: ApplyEvent;
  at: number;
}

/** The progress after more events. One copy per batch, however many events it holds. */
export function foldEvents(p: ApplyProgress, batch: readonly ReceivedEvent[]): ApplyProgress {
  const next: ApplyProgress = { ...p, running: [...p.running], finished: [...p.finished] };
  for (const { event, at } of batch) foldInto(next, event, at);
  return next;
}

/** Folds one event into a progress value this module owns (copied by foldEvents). */
function foldInto(p: ApplyProgress, e: ApplyEvent, now: number): void {
  p.startedAt ??= now;
  switch (e.kind) {
    case "apply-start":
      p.total = e.total;
      return;
    case "step-start":
      p.running.push({ address: e.address, actions: e.actions, startedAt: now, log: null });
      return;
    case "step-log": {
      const at = p.running.findIndex((r) => r.address === e.address);
      if (at >= 0) p.running[at] = { ...p.running[at], log: e.message };
      return;
    }
    case "step-done":
    case "step-failed":
    case "step-skipped": {
      p.finished.push({ key: `${p.finished.length}:${e.address}`, event: e });
      const at = p.running.findIndex((r) => r.address === e.address);
      if (at >= 0) p.running.splice(at, 1);
      if (e.kind === "step-done") p.succeeded++;
      else if (e.kind === "step-failed") p.failed++;
      else p.skipped++;
      return;
    }
    case "interrupt":
      p.interrupt = { forced: e.forced || (p.interrupt?.forced ?? false) };
      return;
    case "apply-done":
      p.running = [];
      p.summary = e.summary;
      return;
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
