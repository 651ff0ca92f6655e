/**
 * One resource change as a block of lines: the "# … will be created" headline and the
 * `resource "type" "name" { … }` block with its attribute diffs.
 */
import type { Actions, ChangeReason, ResourceChange } from "../core/plan.js";
import { isReplace } from "../core/plan.js";
import type { Attributes, ResourceType } from "../core/types.js";
import { diffMap, type DiffContext } from "./attribute-diff-lines.js";
import { colorSym, palette, type Palette, type PlanLine, type LineKind, type TextOptions } from "./plan-line.js";

/** The resource-header symbol Terraform uses for each action set. */
export function actionSymbol(actions: Actions): string {
  if (actions.length === 2) return actions[0] === "delete" ? "-/+" : "+/-";
  switch (actions[0]) {
    case "create":
      return "+";
    case "delete":
      return "-";
    case "update":
      return "~";
    default:
      return " ";
  }
}

function actionKind(actions: Actions): LineKind {
  if (actions.length === 2) return "update";
  return ({ "no-op": "context", create: "create", update: "update", delete: "delete" } as const)[actions[0]];
}

const REASON_NOTE: Record<ChangeReason, string | null> = {
  new: null,
  "attributes-changed": null,
  "removed-from-template": "removed from template",
  "scaled-down": "scaled down",
  "forced-by-replace": "as requested with --replace",
  "drift-missing": "changed outside Berth: it is missing",
  "drift-changed": "changed outside Berth",
  "drift-stopped": "changed outside Berth: it is stopped",
  orphan: "orphan: not in state, not in template",
  adopted: "adopted: running but not in state",
  "foreign-replaced": "not made by Berth: removed as asked with --replace-foreign",
  "dependency-changed": "restarts after its dependencies change:",
};

function headline(change: ResourceChange): string {
  const a = change.address;
  let text: string;
  if (isReplace(change)) {
    text = `# ${a} must be replaced`;
    if (change.actions[0] === "create") text += " (create replacement and then destroy)";
  } else {
    const verb = { "no-op": "is unchanged", create: "will be created", update: "will be updated in-place", delete: "will be destroyed" };
    text = `# ${a} ${verb[change.actions[0]]}`;
  }
  const note = change.reason ? REASON_NOTE[change.reason] : null;
  const restartedBy = change.restartedBy?.length ? ` ${change.restartedBy.join(", ")}` : "";
  return note ? `${text} (${note}${restartedBy})` : text;
}

/**
 * One resource change as Terraform shows it: the "# … will be created" comment, then the
 * `resource "type" "name" { … }` block with per-attribute diffs. `change` must come from a
 * MaskedPlan: this function formats, it does not mask.
 */
export function renderResourceLines(change: ResourceChange, opts: TextOptions): PlanLine[] {
  const pal = palette(opts.color);
  return [
    { kind: "context", text: `  ${pal.bold(headline(change))}` },
    ...resourceBlock(change.type, change.address, change.actions, change.before, change.after, change.replacePaths, pal, change.knownAfterApply),
  ];
}

export function resourceBlock(
  type: ResourceType,
  address: string,
  actions: Actions,
  before: Attributes | null,
  after: Attributes | null,
  replacePaths: string[][],
  pal: Palette,
  knownAfterApply: readonly string[] = [],
): PlanLine[] {
  const sym = actionSymbol(actions);
  const name = address.startsWith(`${type}.`) ? address.slice(type.length + 1) : address;
  const ctx: DiffContext = {
    pal,
    replacePaths,
    // A replacement's after leaves out what the provider fills in (IDs, assigned ports).
    knownAfterApply: actions.length === 2,
    unknown: new Set(knownAfterApply),
  };
  return [
    { kind: actionKind(actions), text: `${colorSym(sym.padStart(3), pal)} resource "${type}" "${name}" {` },
    ...diffMap(before ?? undefined, after ?? undefined, [], 6, ctx, { quoteKeys: false, alwaysShow: ["name"] }),
    { kind: "context", text: "    }" },
  ];
}
