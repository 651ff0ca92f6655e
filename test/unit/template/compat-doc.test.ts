import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";
import { renderCompatibilityDoc } from "../../../src/template/compat-doc.js";
import { expectGolden } from "../golden.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("docs/compose-compatibility.md", () => {
  it("matches the loader's own key lists (npm run golden rewrites it)", () => {
    expectGolden(path.join(ROOT, "docs/compose-compatibility.md"), renderCompatibilityDoc());
  });
});
