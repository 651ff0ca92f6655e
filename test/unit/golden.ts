/**
 * Golden-file comparison. `npm run golden` (UPDATE_GOLDEN=1) rewrites the files, to be reviewed
 * in the diff; otherwise a difference, or a missing golden file, fails the test.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export function expectGolden(path: string | URL, actual: string): void {
  const file = path instanceof URL ? fileURLToPath(path) : path;
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden file ${file} is missing: run \`npm run golden\` and review the new file`);
  }
  expect(actual, `differs from golden file ${file} (run \`npm run golden\` to accept)`).toBe(readFileSync(file, "utf8"));
}
