import { Command, Option } from "commander";
import { UserError, formatDiagnostic, type Diagnostic } from "../../core/errors.js";
import { refreshChangesState } from "../../planner/refresh-only.js";
import { maskPlan } from "../../core/mask.js";
import { hasChanges, type MaskedPlan } from "../../core/plan.js";
import { renderPlanJson } from "../../render/json-plan.js";
import { joinMarkdownParts, renderPlanMarkdown } from "../../render/markdown-plan.js";
import { renderPlanText } from "../../render/text-plan.js";
import { ExitCode, collect } from "../exit.js";
import { makePlan, refuseConflicts } from "../make-plan.js";
import type { Output } from "../output.js";
import { writePlanFile } from "../plan-file.js";
import { openWorkspace } from "../workspace.js";
import { withProjectFlags } from "./index.js";
import { showPlanInteractively } from "../tui-bridge.js";

export interface PlanViewFlags {
  json?: boolean;
  markdown?: boolean;
  tui?: boolean;
}

export function registerPlanCommands(program: Command, output: Output): void {
  withProjectFlags(program.command("validate").description("check a template without touching any engine")).action(
    async (flags) => {
      const ws = await openWorkspace(flags, output);
      try {
        for (const w of ws.warnings) output.err(formatDiagnostic(w));
        const inactive = ws.template.inactiveServices;
        const profileNote = inactive.length ? ` (not active, their profiles are not enabled: ${inactive.join(", ")})` : "";
        output.out(`The template ${ws.template.file} is valid: ${ws.template.services.length} services${profileNote}, ${ws.desired.length} resources.`);
      } finally {
        await ws.close();
      }
    },
  );

  withProjectFlags(program.command("plan").description("show what apply would change"))
    .option("--out <planfile>", "save the plan for `berth apply PLANFILE`")
    .option("--json", "Terraform-shaped JSON plan")
    .option("--markdown", "Markdown for a pull-request comment")
    .option("--detailed-exitcode", "exit 2 when there are changes")
    .addOption(new Option("--no-refresh", "plan against the recorded state only"))
    .addOption(new Option("--no-build", "do not build images from build:; use the images already tagged (an error when missing)"))
    .option("--target <addr>", "plan only this resource and what it depends on (repeatable)", collect, [])
    .option("--replace <addr>", "replace this resource even if unchanged (repeatable)", collect, [])
    .option("--destroy", "plan destroying everything")
    .option("--allow-destroy <addr>", "allow deleting or replacing this protected or data-holding resource (repeatable)", collect, [])
    .option("--replace-foreign <addr>", "plan removing what holds this address's name though Berth did not make it (repeatable)", collect, [])
    .option("--volumes", "with --destroy: also delete the project's volumes")
    .option("--refresh-only", "show what changed outside Berth, to be recorded in the state by `berth apply --refresh-only`; nothing that runs changes")
    .action(async (flags) => {
      if (flags.refreshOnly && flags.out) {
        throw new UserError("E_REFRESH_ONLY", "a refresh-only plan is not saved: `berth apply --refresh-only` records what it observes when it runs");
      }
      const ws = await openWorkspace(flags, output);
      try {
        printWarnings(ws.warnings, output);
        const plan = maskPlan(
          await makePlan(ws, {
            refresh: flags.refresh,
            target: flags.target,
            replace: flags.replace,
            destroy: Boolean(flags.destroy),
            allowDestroy: flags.allowDestroy,
            destroyData: Boolean(flags.volumes),
            replaceForeign: flags.replaceForeign,
            refreshOnly: Boolean(flags.refreshOnly),
          }),
        );
        if (flags.out) await writePlanFile(flags.out, { templateFile: ws.template.file, destroy: Boolean(flags.destroy), plan });
        await showPlan(plan, flags, output);
        // A plan apply would refuse is an error in CI too, after it was shown.
        refuseConflicts(plan);
        if (flags.out) output.err(`Saved the plan to ${flags.out}. Apply exactly this plan with: berth apply ${flags.out}`);
        if (flags.detailedExitcode && (hasChanges(plan) || refreshChangesState(plan))) throw new ExitCode(2);
      } finally {
        await ws.close();
      }
    });
}

export function printWarnings(warnings: readonly Diagnostic[], output: Output): void {
  for (const w of warnings) output.err(formatDiagnostic(w));
}

/** One plan, the view the flags and the terminal ask for. */
export async function showPlan(plan: MaskedPlan, flags: PlanViewFlags, output: Output): Promise<void> {
  if (flags.json) return output.out(renderPlanJson(plan));
  if (flags.markdown) return output.out(joinMarkdownParts(renderPlanMarkdown(plan)));
  if (output.interactive && flags.tui !== false && hasChanges(plan)) return showPlanInteractively(plan, output.color);
  output.out(renderPlanText(plan, { color: output.color }));
}
