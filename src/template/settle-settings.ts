import type { LoadContext } from "./load-context.js";
import type { ServiceDraft, SettingSource } from "./service-draft.js";
import type { ContainerSettings } from "./types.js";

/**
 * Settings two keys may give (mem_limit and deploy.resources.limits.memory, restart and
 * deploy.restart_policy) must say the same thing when both are written: picking one silently
 * would run the container with a limit its author did not mean. Then the limits are checked
 * against each other as the engine would check them.
 */
export function settleSettings(ctx: LoadContext, draft: ServiceDraft): void {
  const { spec } = draft;
  const restartKey = spec.keyLocs.restart;
  const byKey = new Map<string, SettingSource>();
  if (spec.restart !== null && restartKey) byKey.set("restart", { setting: "restart", writtenAs: "restart", value: spec.restart, loc: restartKey });
  for (const source of draft.overlaps) {
    const first = byKey.get(source.setting);
    if (!first) byKey.set(source.setting, source);
    else if (first.value !== source.value) {
      ctx.error("E_CONFLICT", `${source.writtenAs} is ${source.value} but ${first.writtenAs} is ${first.value} (line ${first.loc.line}); they must agree`, source.loc);
    }
  }
  for (const [setting, source] of byKey) {
    if (setting === "restart") spec.restart = String(source.value);
    else (spec.settings as Record<string, unknown>)[setting] = source.value;
  }
  checkMemory(ctx, spec.settings, byKey);
  // The engine sets a CPU limit one way or the other, never both.
  const cpuWay = spec.keyLocs.cpu_quota ?? spec.keyLocs.cpu_period;
  if (spec.settings.cpus !== undefined && cpuWay) {
    ctx.error("E_CONFLICT", "cpu_period/cpu_quota and cpus both limit CPU: the engine takes one or the other", cpuWay);
  }
}

function checkMemory(ctx: LoadContext, settings: ContainerSettings, sources: Map<string, SettingSource>): void {
  const { mem_limit: limit, mem_reservation: reservation, memswap_limit: swap } = settings;
  if (reservation !== undefined && limit !== undefined && reservation > limit) {
    ctx.error("E_VALUE", `${sources.get("mem_reservation")!.writtenAs} (${reservation} bytes) must not exceed the memory limit (${limit} bytes)`, sources.get("mem_reservation")!.loc);
  }
  if (swap !== undefined && limit === undefined) {
    ctx.error("E_VALUE", "memswap_limit needs mem_limit: the engine limits memory plus swap only together with memory", sources.get("memswap_limit")!.loc);
  } else if (swap !== undefined && limit !== undefined && swap !== -1 && swap < limit) {
    ctx.error("E_VALUE", `memswap_limit (${swap} bytes) is memory plus swap, so it must be at least the memory limit (${limit} bytes)`, sources.get("memswap_limit")!.loc);
  }
}
