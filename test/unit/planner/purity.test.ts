import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => ({ file: `${dir}/${f}`, text: readFileSync(path.join(ROOT, dir, f), "utf8") }));
}

/** DESIGN.md rule 3: the planner (and the model it reads) has no I/O, no clock, no randomness. */
describe("the planner is pure", () => {
  for (const { file, text } of [...sources("src/planner"), ...sources("src/model")]) {
    it(`${file} imports nothing that does I/O and reads no clock or randomness`, () => {
      const imports = [...text.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
      // node:crypto is used for digests only (sha256 of attributes): deterministic.
      expect(imports.filter((i) => i.startsWith("node:") && i !== "node:crypto")).toEqual([]);
      expect(imports.filter((i) => /providers\/[a-z]+\/(?!attributes|schema)/.test(i) || i.includes("/state/"))).toEqual([]);
      expect(text).not.toMatch(/Date\.now|new Date\(|Math\.random|performance\.now|process\.env/);
    });
  }
});
