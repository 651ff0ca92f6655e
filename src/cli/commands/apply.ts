import { Command, Option } from "commander";
import { UserError } from "../../core/errors.js";
import type { ApplyEvent, ApplySummary } from "../../core/events.js";
import { hasChanges, isNoOp, type MaskedPlan, type Plan } from "../../core/plan.js";
import { maskApplyEvent, maskPlan, planMasker } from "../../core/mask.js";
import { executePlan } from "../../apply/executor.js";
import { StateRecorder } from "../../apply/state-recorder.js";
import { formatApplyEvent, formatApplySummary } from "../../render/apply-text.js";
import { renderPlanText } from "../../render/text-plan.js";
import { confirmApply } from "../confirm.js";
import { loadTui, type TuiModule } from "../tui-bridge.js";
import { ExitCode, collect, positiveInt } from "../exit.js";
import { makePlan, planAndDesired, refuseConflicts } from "../make-plan.js";
import { recordApplied } from "../history.js";
import { rollbackDesired, rollbackTarget } from "../../planner/history.js";
import type { DesiredResource } from "../../core/types.js";
import type { Output } from "../output.js";
import { readPlanFile, unmaskPlan } from "../plan-file.js";
import { observe, type Workspace, openWorkspace, upgradeState } from "../workspace.js";
import { withProjectFlags } from "./index.js";
import type { GlobalFlags } from "../settings.js";
import { printWarnings } from "./plan.js";
import { refreshChangesState, refreshedResources } from "../../planner/refresh-only.js";
import { nextState } from "../../../state/new-state.js";

interface ApplyFlags extends GlobalFlags {
  autoApprove?: boolean;
  parallelism: number;
  target: string[];
  replace: string[];
  refresh: boolean;
  allowDestroy?: string[];
  replaceForeign?: string[];
  volumes?: boolean;
  tui?: boolean;
  refreshOnly?: boolean;
}

export function registerApplyCommands(program: Command, output: Output): void {
  withProjectFlags(program.command("apply").argument("[planfile]", "a plan saved by `berth plan --out`").description("apply the plan"))
    .option("--auto-approve", "do not ask for confirmation")
    .option("--parallelism <n>", "changes carried out at once", positiveInt, 10)
    .option("--target <addr>", "apply only this resource and what it depends on (repeatable)", collect, [])
    .option("--replace <addr>", "replace this resource even if unchanged (repeatable)", collect, [])
    .addOption(new Option("--no-refresh", "skip observing the engines"))
    .addOption(new Option("--no-build", "do not build images from build:; use the images already tagged (an error when missing)"))
    .option("--allow-destroy <addr>", "allow deleting or replacing this protected or data-holding resource (repeatable)", collect, [])
    .option("--replace-foreign <addr>", "remove what holds this address's name though Berth did not make it, and make it again (repeatable)", collect, [])
    .option("--refresh-only", "record in the state what changed outside Berth, changing nothing that runs")
    .action(async (planfile: string | undefined, flags) => run(flags, output, "Apply", planfile));

  withProjectFlags(program.command("rollback").description("plan and apply the previously applied configuration, with the images it ran"))
    .option("--to <serial>", "the applied configuration to return to (see berth history); default: the one before the current", positiveInt)
    .option("--auto-approve", "do not ask for confirmation")
    .option("--parallelism <n>", "changes carried out at once", positiveInt, 10)
    .option("--allow-destroy <addr>", "allow deleting or replacing this protected or data-holding resource (repeatable)", collect, [])
    .action(async (flags) => run({ ...flags, target: [], replace: [], refresh: true }, output, "Apply", undefined, { to: flags.to }));

  withProjectFlags(program.command("destroy").description("destroy everything the state knows"))
    .option("--auto-approve", "do not ask for confirmation")
    .option("--parallelism <n>", "changes carried out at once", positiveInt, 10)
    .option("--allow-destroy <addr>", "allow deleting this protected or data-holding resource (repeatable)", collect, [])
    .option("--volumes", "also delete the project's volumes and the data they hold")
    .action(async (flags) => run({ ...flags, target: [], replace: [], refresh: true }, output, "Destroy"));
}

/** `berth rollback`: the workspace's desired resources are replaced by an applied configuration's. */
interface RollbackOption {
  to?: number;
}

async function run(flags: ApplyFlags, output: Output, verb: "Apply" | "Destroy", planfile?: string, rollback?: RollbackOption): Promise<void> {
  const ws = await openWorkspace(flags, output);
  let lock: { release(): Promise<void> } | null = null;
  try {
    printWarnings(ws.warnings, output);
    lock = await ws.backend.lock(`berth ${verb.toLowerCase()}`);
    // Read again under the lock: another apply may have finished since the workspace opened.
    ws.state = upgradeState(await ws.backend.read(), ws.providers);
    if (flags.refreshOnly) {
      if (planfile) throw new UserError("E_REFRESH_ONLY", "--refresh-only records what runs now: it does not take a saved plan");
      return await applyRefreshOnly(ws, flags, output);
    }
    const rollbackOf = rollback ? pinRollbackTarget(ws, rollback, output) : undefined;
    const made = planfile
      ? await savedPlan(ws, planfile)
      : await planAndDesired(ws, { ...flags, destroy: verb === "Destroy", destroyData: flags.volumes === true, pinned: rollback !== undefined });
    const plan = made.plan;
    refuseBlindChanges(plan);
    const shown = maskPlan(plan);
    if (plan.conflicts.length > 0) {
      output.out(renderPlanText(shown, { color: output.color }));
      refuseConflicts(plan);
    }
    if (!hasChanges(plan)) {
      output.out(renderPlanText(shown, { color: output.color }));
      return;
    }
    const tui = output.interactive && flags.tui !== false ? await loadTui() : null;
    // A saved plan was reviewed already: applying it is the approval.
    if (!planfile && !(await approve(shown, flags, output, tui, verb))) {
      output.err(`${verb} cancelled.`);
      throw new ExitCode(1);
    }
    const summary = await execute(ws, plan, flags.parallelism, output, tui, verb);
    if (!tui) output.out(formatApplySummary(summary, verb, { color: output.color }));
    if (summary.failed > 0 || summary.interrupted) throw new ExitCode(1);
    if (verb === "Apply") await recordApplied(ws, made.desired, output, rollbackOf);
  } catch (e) {
    // What stopped the apply is the error to report: a lock that cannot be released as well
    // (the state backend went away) is a consequence, told as a warning.
    await releaseAfterFailure(lock, output);
    lock = null;
    throw e;
  } finally {
    await lock?.release();
    await ws.close();
  }
}

async function releaseAfterFailure(lock: { release(): Promise<void> } | null, output: Output): Promise<void> {
  try {
    await lock?.release();
  } catch (e) {
    output.err(`Warning: the state lock could not be released either: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Terraform's `apply -refresh-only`: the drift is shown, approved like any plan, and written to
 * the state. No provider is asked to change anything.
 */
async function applyRefreshOnly(ws: Workspace, flags: ApplyFlags, output: Output): Promise<void> {
  const plan = await makePlan(ws, { ...flags, destroy: false, refreshOnly: true });
  output.out(renderPlanText(maskPlan(plan), { color: output.color }));
  if (!refreshChangesState(plan)) return;
  if (!flags.autoApprove && !(await confirmApply("Would you like to update the Berth state to reflect these detected changes?", output))) {
    output.err("Apply cancelled.");
    throw new ExitCode(1);
  }
  const current = ws.state;
  const resources = refreshedResources(current?.resources ?? [], plan.drift);
  await ws.backend.write(nextState(current, ws.project, resources), current?.serial ?? 0);
  output.out(`Apply complete! The state now records what runs: ${plan.drift.length} resource${plan.drift.length === 1 ? "" : "s"} updated in the state, nothing that runs was changed.`);
}

/** The applied configuration to return to becomes what the plan wants; its serial is returned. */
function pinRollbackTarget(ws: Workspace, rollback: RollbackOption, output: Output): number {
  const target = rollbackTarget(ws.state?.history ?? [], rollback.to);
  ws.desired = rollbackDesired(target, ws.desired);
  output.out(`Rolling back to the configuration applied as serial ${target.serial} at ${target.appliedAt}, with the images it ran.\n`);
  return target.serial;
}

/** A reviewed plan applies only to the state it was made against, from the same template. */
async function savedPlan(ws: Workspace, planfile: string): Promise<{ plan: Plan; desired: DesiredResource[] }> {
  const saved = await readPlanFile(planfile);
  const p = saved.plan;
  const lineage = ws.state?.lineage ?? null;
  const serial = ws.state?.serial ?? 0;
  if (p.project !== ws.project) throw new UserError("E_PLAN_PROJECT", `${planfile} was made for project '${p.project}', not '${ws.project}'`);
  if (p.stateLineage !== lineage || p.stateSerial !== serial) {
    throw new UserError(
      "E_PLAN_STALE",
      `saved plan ${planfile} is stale: it was made against state serial ${p.stateSerial}, but the state is now at serial ${serial}${p.stateLineage !== lineage ? " with a different lineage" : ""}; run \`berth plan\` again`,
    );
  }
  if (p.templateHash !== ws.template.hash) {
    throw new UserError("E_PLAN_STALE", `the template ${ws.template.file} changed since ${planfile} was made; run \`berth plan\` again`);
  }
  const { desired } = await observe(ws);
  return { plan: unmaskPlan(p, desired), desired };
}

/**
 * A plan made while a provider could not observe is fine to read, not to apply: its changes
 * for that provider were decided blind (as Terraform refuses to apply after a failed refresh).
 */
function refuseBlindChanges(plan: Plan): void {
  for (const gap of plan.gaps) {
    if (plan.changes.some((c) => c.provider === gap.provider && !isNoOp(c))) {
      throw new UserError("E_NOT_OBSERVED", `cannot apply changes for ${gap.provider}: ${gap.reason}`);
    }
  }
}

/** Terraform's approval: the plan, then `yes` typed (in the Ink view on a terminal), unless --auto-approve. */
async function approve(plan: MaskedPlan, flags: ApplyFlags, output: Output, tui: TuiModule | null, verb: "Apply" | "Destroy"): Promise<boolean> {
  if (tui && !flags.autoApprove) return tui.confirmPlan(plan, { color: output.color, verb });
  output.out(renderPlanText(plan, { color: output.color }));
  if (flags.autoApprove) return true;
  const question = verb === "Destroy" ? "Do you really want to destroy all resources?" : "Do you want to perform these actions?";
  return confirmApply(question, output);
}

/**
 * Runs the executor with its events shown as the live Ink view on a terminal, or one text line
 * per event elsewhere. Ctrl-C: the first stops after in-flight changes, the second forces.
 */
async function execute(
  ws: Workspace,
  plan: Plan,
  parallelism: number,
  output: Output,
  tui: TuiModule | null,
  verb: "Apply" | "Destroy",
): Promise<ApplySummary> {
  const stopSignal = { stopped: false };
  const masker = planMasker(plan);
  const view = tui?.startApplyView({ color: output.color, total: plan.changes.filter((c) => c.actions[0] !== "no-op").length, verb, onInterrupt: () => onSigint() });
  const emit = (raw: ApplyEvent) => {
    const e = maskApplyEvent(raw, masker);
    if (view) return view.emit(e);
    const line = formatApplyEvent(e, { color: output.color });
    // Errors go where errors go (stderr, as Terraform's do); progress to stdout.
    if (line !== null) (e.kind === "step-failed" ? output.err : output.out)(line);
  };
  const onSigint = () => {
    if (stopSignal.stopped) {
      emit({ kind: "interrupt", forced: true });
      process.exit(130);
    }
    stopSignal.stopped = true;
    emit({ kind: "interrupt", forced: false });
  };
  process.on("SIGINT", onSigint);
  try {
    const summary = await executePlan({
      plan,
      providers: ws.providers,
      recorder: new StateRecorder(ws.backend, ws.project, ws.state),
      parallelism,
      emit,
      stopSignal,
      now: () => performance.now(),
    });
    await view?.done();
    return summary;
  } finally {
    process.off("SIGINT", onSigint);
  }
}
