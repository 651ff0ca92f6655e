import { UserError } from "../core/errors.js";
import type { DesiredResource } from "../core/types.js";
import { appendHistory, DEFAULT_HISTORY_LIMIT } from "../planner/history.js";
import type { AppliedConfiguration } from "../core/history.js";
import { nextState } from "../../state/new-state.js";
import type { Output } from "./output.js";
import type { Workspace } from "./workspace.js";

/** BERTH_HISTORY: how many applied configurations the state keeps (default 10). */
export function historyLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BERTH_HISTORY;
  if (raw === undefined || raw === "") return DEFAULT_HISTORY_LIMIT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UserError("E_HISTORY_LIMIT", `BERTH_HISTORY must be a whole number ≥ 1, got '${raw}'`);
  return Number(raw);
}

/**
 * After a successful apply: the configuration it applied goes into the state's history, each
 * container pinned to the image it runs (kept by its provider), and what was kept for
 * configurations beyond the limit is let go. The apply itself is done: a failure here is a
 * warning, not an error.
 */
export async function recordApplied(ws: Workspace, desired: readonly DesiredResource[], output: Output, rollbackOf?: number): Promise<void> {
  try {
    const current = await ws.backend.read();
    if (!current) return;
    const serial = current.serial + 1;
    const pinned: DesiredResource[] = [];
    for (const provider of ws.providers.values()) {
      const mine = desired.filter((d) => d.provider === provider.name);
      if (mine.length === 0) continue;
      pinned.push(...(provider.keepForRollback ? await provider.keepForRollback({ project: ws.project, serial, desired: mine, recorded: current.resources }) : mine));
    }
    const entry: AppliedConfiguration = {
      serial,
      appliedAt: new Date().toISOString(),
      templateHash: ws.template.hash,
      ...(rollbackOf !== undefined ? { rollbackOf } : {}),
      resources: pinned,
    };
    const history = appendHistory(current.history ?? [], entry, historyLimit());
    await ws.backend.write(nextState(current, ws.project, current.resources, history), current.serial);
    const kept = history.map((h) => h.serial);
    for (const provider of ws.providers.values()) await provider.releaseKept?.(ws.project, kept);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    output.err(`Warning: the applied configuration was not recorded for berth rollback: ${e.message}`);
  }
}
