import type { Actions } from "./plan.js";
import type { Address } from "./types.js";
import type { UserError } from "./errors.js";

/** What the executor tells the views (text lines, Ink progress) while it works. */
export type ApplyEvent =
  | { kind: "apply-start"; total: number }
  | { kind: "step-start"; address: Address; actions: Actions }
  | { kind: "step-log"; address: Address; message: string }
  | { kind: "step-done"; address: Address; actions: Actions; ms: number }
  | { kind: "step-failed"; address: Address; actions: Actions; ms: number; error: UserError }
  | { kind: "step-skipped"; address: Address; reason: string }
  | { kind: "interrupt"; forced: boolean }
  | { kind: "apply-done"; summary: ApplySummary };

export interface ApplySummary {
  added: number;
  changed: number;
  destroyed: number;
  failed: number;
  skipped: number;
  ms: number;
  interrupted: boolean;
}
