import type { Plan } from "../core/plan.js";

/**
 * The Ink views load only when a terminal view is shown: importing Ink and React costs
 * start-up time every other command should not pay. Returns false when no view is available.
 */
export async function showPlanInteractively(plan: Plan): Promise<boolean> {
  void plan;
  return false;
}
