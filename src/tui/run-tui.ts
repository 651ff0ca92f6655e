/**
 * Entry points the CLI imports dynamically, so Ink and React load only when a terminal view is
 * shown. The CLI decides when a view is allowed (a TTY on both ends, CI unset, no --no-tui,
 * TERM not dumb) and passes `color` (false under NO_COLOR); these functions only run the views.
 */
import { render, type Instance, type RenderOptions } from "ink";
import { createElement } from "react";
import { UserError } from "../core/errors.js";
import type { ApplyEvent } from "../core/events.js";
import type { MaskedPlan } from "../core/plan.js";
import { ApplyView } from "./ApplyView.js";
import { PlanView, type BrowseResult } from "./PlanView.js";

export interface TuiOptions {
  color: boolean;
  /** Streams to use instead of the process's own (tests, benchmarks). */
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

export interface ConfirmOptions extends TuiOptions {
  /** Which question the prompt asks; "Apply" unless given. */
  verb?: "Apply" | "Destroy";
}

export interface ApplyViewOptions extends TuiOptions {
  total: number;
  verb: "Apply" | "Destroy";
  /** Ctrl-C pressed while the view holds the terminal (raw mode turns it into a key press). */
  onInterrupt?: () => void;
}

export interface ApplyViewHandle {
  /** Pass every executor event here. */
  emit(event: ApplyEvent): void;
  /** Resolves once the final frame is written and Ink has let go of the terminal. */
  done(): Promise<void>;
}

/** `berth plan`: the browser, until the user quits. */
export async function browsePlan(plan: MaskedPlan, opts: TuiOptions): Promise<void> {
  await runPlanView(plan, "plan", "Apply", opts);
}

/** `berth apply` / `berth destroy`: the browser with the prompt; true only for "yes". */
export async function confirmPlan(plan: MaskedPlan, opts: ConfirmOptions): Promise<boolean> {
  return (await runPlanView(plan, "confirm", opts.verb ?? "Apply", opts)) === "approve";
}

/** Live progress of an apply; the executor's events are pushed through `emit`. */
export function startApplyView(opts: ApplyViewOptions): ApplyViewHandle {
  const channel = createEventChannel();
  let sawSummary = false;
  let finishedFrame!: () => void;
  const finished = new Promise<void>((resolve) => (finishedFrame = resolve));
  const instance = render(
    createElement(ApplyView, {
      events: channel.subscribe,
      total: opts.total,
      verb: opts.verb,
      color: opts.color,
      onInterrupt: opts.onInterrupt,
      onFinished: () => finishedFrame(),
    }),
    inkOptions(opts),
  );
  return {
    emit(event) {
      if (event.kind === "apply-done") sawSummary = true;
      channel.push(event);
    },
    async done() {
      // The summary frame is rendered in an effect after the apply-done event; if the executor
      // threw before sending it, there is nothing more to wait for.
      if (sawSummary) await Promise.race([finished, delay(SUMMARY_WAIT_MS)]);
      await unmount(instance);
    },
  };
}

/** Longest wait for the summary frame before the view is taken down anyway. */
const SUMMARY_WAIT_MS = 2000;

async function runPlanView(plan: MaskedPlan, mode: "plan" | "confirm", verb: "Apply" | "Destroy", opts: TuiOptions): Promise<BrowseResult> {
  // Without a terminal on stdin no key would ever reach the view, and it would never end.
  if (!(opts.stdin ?? process.stdin).isTTY) {
    throw new UserError("E_TUI", "the plan view needs a terminal on standard input; pass --no-tui");
  }
  let answered!: (result: BrowseResult) => void;
  const result = new Promise<BrowseResult>((resolve) => (answered = resolve));
  const instance = render(createElement(PlanView, { plan, color: opts.color, mode, verb, onExit: (r: BrowseResult) => answered(r) }), inkOptions(opts));
  // Ink's own exit (an error in a component) ends the view too, as a refusal.
  const exited = instance.waitUntilExit().then((): BrowseResult => (mode === "plan" ? "quit" : "reject"));
  const outcome = await Promise.race([result, exited]);
  await unmount(instance);
  return outcome;
}

function inkOptions(opts: TuiOptions): RenderOptions {
  return {
    // Ctrl-C is a key press in raw mode: the views turn it into quit/reject or onInterrupt.
    exitOnCtrlC: false,
    patchConsole: false,
    ...(opts.stdin ? { stdin: opts.stdin } : {}),
    ...(opts.stdout ? { stdout: opts.stdout } : {}),
  };
}

async function unmount(instance: Instance): Promise<void> {
  instance.unmount();
  await instance.waitUntilExit();
}

/**
 * Events sent before the view subscribed (its effect runs after the first frame) are kept and
 * replayed, so none is lost.
 */
function createEventChannel(): { push(event: ApplyEvent): void; subscribe(listener: (event: ApplyEvent) => void): () => void } {
  const pending: ApplyEvent[] = [];
  let listener: ((event: ApplyEvent) => void) | null = null;
  return {
    push(event) {
      if (listener) listener(event);
      else pending.push(event);
    },
    subscribe(next) {
      listener = next;
      for (const event of pending.splice(0)) next(event);
      return () => {
        if (listener === next) listener = null;
      };
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
