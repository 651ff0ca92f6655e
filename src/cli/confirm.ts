import { createInterface } from "node:readline/promises";
import { UserError } from "../core/errors.js";
import type { Output } from "./output.js";

/** Terraform's rule: only the word `yes` approves. A non-terminal cannot approve at all. */
export async function confirmApply(question: string, output: Output): Promise<boolean> {
  if (!output.interactive) {
    throw new UserError("E_APPROVAL", "refusing to change anything without approval: stdin is not a terminal; pass --auto-approve");
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`\n${question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `);
    return answer.trim() === "yes";
  } finally {
    rl.close();
  }
}
