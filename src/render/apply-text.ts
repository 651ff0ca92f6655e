/**
 * Apply progress as Terraform prints it: one line per executor event, then a closing summary.
 */
import type { ApplyEvent, ApplySummary } from "../core/events.js";
import type { Actions } from "../core/plan.js";
import { palette } from "./color.js";

interface Verbs {
  start: string;
  done: string;
}

/** Terraform's words for each action set. */
function verbs(actions: Actions): Verbs | null {
  if (actions.length === 2) return { start: "Replacing...", done: "Replacement complete" };
  switch (actions[0]) {
    case "create":
      return { start: "Creating...", done: "Creation complete" };
    case "delete":
      return { start: "Destroying...", done: "Destruction complete" };
    case "update":
      return { start: "Modifying...", done: "Modifications complete" };
    default:
      return null;
  }
}

/** "0.4s", "12.3s", "2m5s". */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 60_000) return `${(Math.round(safe / 100) / 10).toFixed(1)}s`;
  const seconds = Math.round(safe / 1000);
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** One line for an event, or null for events the text view does not print. */
export function formatApplyEvent(e: ApplyEvent, opts: { color: boolean }): string | null {
  const pal = palette(opts.color);
  switch (e.kind) {
    case "apply-start":
      return null;
    case "step-start": {
      const v = verbs(e.actions);
      return v ? `${pal.bold(`${e.address}:`)} ${v.start}` : null;
    }
    case "step-log":
      return `${pal.bold(`${e.address}:`)} ${e.message}`;
    case "step-done": {
      const v = verbs(e.actions);
      return v ? `${pal.bold(`${e.address}:`)} ${v.done} after ${formatDuration(e.ms)}` : null;
    }
    case "step-failed":
      return `${pal.red(pal.bold("Error:"))} ${e.address}: ${e.error.message}`;
    case "step-skipped":
      return `${pal.bold(`${e.address}:`)} ${pal.dim(`Not started: ${e.reason}`)}`;
    case "interrupt":
      return e.forced
        ? pal.red(pal.bold("Second interrupt received: exiting now; in-flight changes may be incomplete."))
        : pal.yellow(pal.bold("Interrupt received: stopping after in-flight changes… (press Ctrl-C again to force)"));
    case "apply-done":
      // The summary names the verb (Apply or Destroy), which only the command knows: it prints it.
      return null;
  }
}

/**
 * "Apply complete! Resources: 2 added, 0 changed, 1 destroyed in 3.4s." or, when a step failed or
 * the run was interrupted, "Apply stopped: 1 added, 0 changed, 0 destroyed; 1 failed, 2 not started."
 */
export function formatApplySummary(s: ApplySummary, verb: "Apply" | "Destroy", opts: { color: boolean } = { color: false }): string {
  const pal = palette(opts.color);
  const counts = verb === "Destroy" ? `${s.destroyed} destroyed` : `${s.added} added, ${s.changed} changed, ${s.destroyed} destroyed`;
  if (s.failed > 0 || s.interrupted) {
    return pal.red(pal.bold(`${verb} stopped: ${counts}; ${s.failed} failed, ${s.skipped} not started.`));
  }
  return pal.green(pal.bold(`${verb} complete! Resources: ${counts} in ${formatDuration(s.ms)}.`));
}
