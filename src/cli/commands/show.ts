import { Command } from "commander";
import { renderPlanJson } from "../../render/json-plan.js";
import { joinMarkdownParts, renderPlanMarkdown } from "../../render/markdown-plan.js";
import { renderPlanText } from "../../render/text-plan.js";
import type { Output } from "../output.js";
import { readPlanFile } from "../plan-file.js";
import { openWorkspace } from "../workspace.js";
import { listAddresses, moveResources, removeResource, showResource } from "../../../state/state-queries.js";
import { nextState } from "../../../state/new-state.js";
import { withProjectFlags } from "./index.js";
import { maskResources } from "../../core/mask.js";
import type { RecordedResource } from "../../core/types.js";
import { schemasOf } from "../make-plan.js";
import type { Workspace } from "../workspace.js";

export function registerShowCommands(program: Command, output: Output): void {
  withProjectFlags(program.command("show").argument("[planfile]").description("show a saved plan, or the recorded state"))
    .option("--json", "JSON")
    .option("--markdown", "Markdown for a pull-request comment")
    .action(async (planfile: string | undefined, flags) => {
      if (planfile) {
        const { plan } = await readPlanFile(planfile);
        if (flags.json) output.out(renderPlanJson(plan));
        else if (flags.markdown) output.out(joinMarkdownParts(renderPlanMarkdown(plan)));
        else output.out(renderPlanText(plan, { color: output.color }));
        return;
      }
      const ws = await openWorkspace(flags, output);
      try {
        const resources = maskedState(ws);
        // The history holds every applied configuration's values, secrets included: `berth history` shows it, masked.
        if (flags.json) return output.out(JSON.stringify(ws.state && { ...ws.state, resources, history: undefined }, null, 2));
        if (resources.length === 0) return output.out("The state is empty: nothing has been applied.");
        for (const r of resources) output.out(describeRecorded(r.address, r.attributes));
      } finally {
        await ws.close();
      }
    });

  const state = program.command("state").description("inspect or edit the recorded state");
  withProjectFlags(state.command("list").description("list recorded addresses")).action(async (flags) => {
    const ws = await openWorkspace(flags, output);
    try {
      for (const a of listAddresses(ws.state)) output.out(a);
    } finally {
      await ws.close();
    }
  });
  withProjectFlags(state.command("show").argument("<address>").description("show one recorded resource")).action(
    async (address: string, flags) => {
      const ws = await openWorkspace(flags, output);
      try {
        showResource(ws.state, address);
        output.out(JSON.stringify(maskedState(ws).find((r) => r.address === address), null, 2));
      } finally {
        await ws.close();
      }
    },
  );
  withProjectFlags(
    state
      .command("mv")
      .argument("<from>", "a recorded address, or container.<service> for every replica")
      .argument("<to>", "its new address")
      .description("rename recorded resources: the next plan renames what runs instead of replacing it"),
  ).action(async (from: string, to: string, flags) => {
    const ws = await openWorkspace(flags, output);
    const lock = await ws.backend.lock("berth state mv");
    try {
      const current = await ws.backend.read();
      const { resources, moved } = moveResources(current, from, to);
      await ws.backend.write(nextState(current, ws.project, resources), current?.serial ?? 0);
      for (const [a, b] of moved) output.out(`Moved ${a} to ${b}.`);
      output.out("Nothing running was touched: the next plan renames it.");
    } finally {
      await lock.release();
      await ws.close();
    }
  });
  withProjectFlags(state.command("rm").argument("<address>").description("forget a resource without destroying it")).action(
    async (address: string, flags) => {
      const ws = await openWorkspace(flags, output);
      const lock = await ws.backend.lock("berth state rm");
      try {
        const current = await ws.backend.read();
        const resources = removeResource(current, address);
        await ws.backend.write(nextState(current, ws.project, resources), current?.serial ?? 0);
        output.out(`Removed ${address} from the state (the resource itself was not touched).`);
      } finally {
        await lock.release();
        await ws.close();
      }
    },
  );
}

/** The recorded resources as every output shows them: masked together, by their providers' schemas. */
function maskedState(ws: Workspace): RecordedResource[] {
  const schemas = schemasOf(ws);
  return maskResources(ws.state?.resources ?? [], (r) => schemas[r.provider]?.[r.type]);
}

/** One line per recorded resource; published ports are what people look for. */
function describeRecorded(address: string, attrs: Record<string, unknown>): string {
  const published = (attrs.published ?? {}) as Record<string, number>;
  const ports = (attrs.ports ?? []) as { container_port: number; protocol: string; host_ip: string }[];
  const shown = Object.entries(published).map(([key, hostPort]) => {
    const entry = ports.find((p) => `${p.container_port}/${p.protocol}` === key);
    return `${key} → ${entry?.host_ip ?? "127.0.0.1"}:${hostPort}`;
  });
  const name = [attrs.name, attrs.virtual_host, attrs.tag].find((v): v is string => typeof v === "string") ?? "";
  return [address.padEnd(40), name, ...shown].filter(Boolean).join("  ");
}
