import { UserError } from "../core/errors.js";
import type { DesiredResource } from "../core/types.js";
import type { AppliedConfiguration } from "../core/history.js";

/** How many applied configurations the state keeps unless BERTH_HISTORY says otherwise. */
export const DEFAULT_HISTORY_LIMIT = 10;

/** The history with `entry` last, the oldest let go beyond `limit`. Pure. */
export function appendHistory(history: readonly AppliedConfiguration[], entry: AppliedConfiguration, limit: number): AppliedConfiguration[] {
  return [...history.filter((h) => h.serial !== entry.serial), entry].slice(-Math.max(1, limit));
}

/**
 * Which configuration `berth rollback` returns to: the one applied before the current one, or
 * the one recorded under `serial`. The current one is the last: rolling back to it changes nothing.
 */
export function rollbackTarget(history: readonly AppliedConfiguration[], serial?: number): AppliedConfiguration {
  if (serial !== undefined) {
    const found = history.find((h) => h.serial === serial);
    if (!found) {
      const kept = history.map((h) => h.serial).join(", ") || "none";
      throw new UserError("E_NO_HISTORY", `no applied configuration with serial ${serial} in the history (kept: ${kept}); see berth history`);
    }
    return found;
  }
  if (history.length < 2) {
    throw new UserError(
      "E_NO_HISTORY",
      history.length === 0
        ? "no applied configuration is recorded yet: the state keeps them from the first apply with this version of Berth on"
        : "only the current configuration is recorded: there is no previous one to roll back to yet",
    );
  }
  return history[history.length - 2];
}

/**
 * What the rollback plan wants: the pinned configuration, plus what it depends on but does not
 * hold itself (a build its pinned containers no longer need follows the template). Pure.
 */
export function rollbackDesired(target: AppliedConfiguration, current: readonly DesiredResource[]): DesiredResource[] {
  const held = new Set(target.resources.map((d) => d.address));
  const needed = new Set(target.resources.flatMap((d) => d.dependsOn).filter((a) => !held.has(a)));
  return [...target.resources, ...current.filter((d) => needed.has(d.address))];
}

export interface HistoryRow {
  serial: number;
  appliedAt: string;
  templateHash: string;
  rollbackOf: number | null;
  current: boolean;
  /** Each service's image as applied, the reference that keeps it (if any), and its ID. */
  images: { service: string; image: string; keptAs: string | null; imageId: string | null }[];
}

/** `berth history`'s rows, newest first. Pure. */
export function historyRows(history: readonly AppliedConfiguration[]): HistoryRow[] {
  return history
    .map((h, i) => {
      const images = new Map<string, HistoryRow["images"][number]>();
      for (const d of h.resources) {
        if (typeof d.attributes.image !== "string" || d.service === null || images.has(d.service)) continue;
        const text = (key: string) => (typeof d.attributes[key] === "string" ? (d.attributes[key] as string) : null);
        images.set(d.service, { service: d.service, image: d.attributes.image, keptAs: text("kept_image"), imageId: text("image_id") });
      }
      return {
        serial: h.serial,
        appliedAt: h.appliedAt,
        templateHash: h.templateHash,
        rollbackOf: h.rollbackOf ?? null,
        current: i === history.length - 1,
        images: [...images.values()].sort((a, b) => a.service.localeCompare(b.service)),
      };
    })
    .reverse();
}
