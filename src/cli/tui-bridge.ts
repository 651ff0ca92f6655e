import type { ApplyEvent } from "../core/events.js";
import type { MaskedPlan } from "../core/plan.js";

/** What src/tui/run-tui.ts exports; imported at run time from its own bundle. */
export interface TuiModule {
  browsePlan(plan: MaskedPlan, opts: { color: boolean }): Promise<void>;
  confirmPlan(plan: MaskedPlan, opts: { color: boolean; verb?: "Apply" | "Destroy" }): Promise<boolean>;
  startApplyView(opts: { color: boolean; total: number; verb: "Apply" | "Destroy"; onInterrupt?: () => void }): {
    emit(e: ApplyEvent): void;
    done(): Promise<void>;
  };
}

/**
 * The Ink views live in dist/tui.mjs, beside the CLI bundle, and load only when a terminal
 * view is shown: Ink and React cost start-up time every other command should not pay.
 * From sources (tests) the module is imported directly.
 */
export async function loadTui(): Promise<TuiModule> {
  const bundled = new URL("./tui.mjs", import.meta.url);
  if (import.meta.url.endsWith("/dist/berth.mjs")) return (await import(bundled.href)) as TuiModule;
  const fromSources = "../tui/run-tui.js";
  return (await import(/* @vite-ignore */ fromSources)) as TuiModule;
}

export async function showPlanInteractively(plan: MaskedPlan, color: boolean): Promise<void> {
  await (await loadTui()).browsePlan(plan, { color });
}
