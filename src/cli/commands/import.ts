import { Command } from "commander";
import { UserError } from "../../core/errors.js";
import type { ImportCandidate } from "../../core/import.js";
import { maskImportPlan } from "../../core/mask.js";
import type { RecordedResource } from "../../core/types.js";
import { planImport } from "../../planner/import.js";
import { renderImportText } from "../../render/import-text.js";
import { nextState } from "../../../state/new-state.js";
import { confirmApply } from "../confirm.js";
import { ExitCode } from "../exit.js";
import { schemasOf } from "../make-plan.js";
import type { Output } from "../output.js";
import type { GlobalFlags } from "../settings.js";
import { observe, openWorkspace, upgradeState, type Workspace } from "../workspace.js";
import { withProjectFlags } from "./index.js";
import { printWarnings } from "./plan.js";

interface ImportFlags extends GlobalFlags {
  autoApprove?: boolean;
}

/**
 * `berth import`: take over what docker compose (or a hand) started, shown as a plan first and
 * applied by recording it in the state. Nothing is recreated or restarted; a container compose
 * v2 named `<project>-<service>-<n>` is renamed to Berth's name, which keeps it running.
 */
export function registerImportCommand(program: Command, output: Output): void {
  withProjectFlags(
    program
      .command("import")
      .argument("[address]", "container.web[0], network.default, volume.data: where to record it")
      .argument("[object]", "the engine's name or ID of what to import there")
      .description("adopt what already runs (a docker compose project, or the object named) into the state, without recreating it"),
  )
    .option("--auto-approve", "do not ask for confirmation")
    .action(async (address: string | undefined, object: string | undefined, flags: ImportFlags) => {
      if ((address === undefined) !== (object === undefined)) {
        throw new UserError("E_IMPORT_ARGS", "give both an address and what to import there (berth import container.web[0] my_web_1), or neither to import the compose project");
      }
      const ws = await openWorkspace(flags, output);
      const lock = await ws.backend.lock("berth import");
      try {
        printWarnings(ws.warnings, output);
        ws.state = upgradeState(await ws.backend.read(), ws.providers);
        const named = address && object ? [{ address, ref: object }] : [];
        const { plan, candidates } = await importPlanOf(ws, named);
        output.out(renderImportText(maskImportPlan(plan), { color: output.color }));
        if (plan.imports.length === 0) {
          if (named.length > 0) throw new ExitCode(1);
          return;
        }
        if (!flags.autoApprove && !(await confirmApply("Do you want to import these?", output))) {
          output.err("Import cancelled.");
          throw new ExitCode(1);
        }
        const records: RecordedResource[] = [];
        for (const e of plan.imports) {
          const provider = ws.providers.get(e.provider)!;
          const candidate = candidates.find((c) => c.address === e.address && c.id === e.id)!;
          const attributes = (await provider.adopt?.(candidate, e.record)) ?? e.record;
          records.push({ address: e.address, type: e.type, provider: e.provider, service: e.service, attributes, dependsOn: e.dependsOn });
        }
        const current = ws.state;
        await ws.backend.write(nextState(current, ws.project, [...(current?.resources ?? []), ...records]), current?.serial ?? 0);
        output.out(`Import complete! ${records.length} imported, nothing recreated. \`berth plan\` shows what is left to match the template.`);
      } finally {
        await lock.release();
        await ws.close();
      }
    });
}

async function importPlanOf(ws: Workspace, named: { address: string; ref: string }[]) {
  const { desired } = await observe(ws);
  for (const n of named) {
    if (!desired.some((d) => d.address === n.address)) {
      throw new UserError("E_IMPORT_ADDRESS", `the template has no ${n.address} to import ${n.ref} as`, { address: n.address });
    }
  }
  const recorded = ws.state?.resources ?? [];
  const lists = await Promise.all(
    [...ws.providers.values()].map(async (p) => {
      const mine = named.filter((n) => desired.find((d) => d.address === n.address)?.provider === p.name);
      if (!p.importable || (named.length > 0 && mine.length === 0)) return [];
      const found = await p.importable({
        project: ws.project,
        desired: desired.filter((d) => d.provider === p.name),
        recorded: recorded.filter((r) => r.provider === p.name),
        named: mine,
      });
      return found.map((c): ImportCandidate => ({ ...c, provider: p.name }));
    }),
  );
  const candidates = lists.flat();
  const plan = planImport({
    project: ws.project,
    desired,
    recorded,
    stateLineage: ws.state?.lineage ?? null,
    stateSerial: ws.state?.serial ?? 0,
    candidates,
    schemas: schemasOf(ws),
  });
  return { plan, candidates };
}
