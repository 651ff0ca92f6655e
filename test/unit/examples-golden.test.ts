import { describe, it } from "vitest";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadTemplate } from "../../src/template/load.js";
import { buildDesired } from "../../src/model/desired.js";
import { plan } from "../../src/planner/plan.js";
import { dockerSchema } from "../../providers/docker/schema.js";
import { renderPlanText } from "../../src/render/text-plan.js";
import { renderPlanJson } from "../../src/render/json-plan.js";
import { joinMarkdownParts, renderPlanMarkdown } from "../../src/render/markdown-plan.js";
import { expectGolden } from "./golden.js";
import { maskPlan } from "../../src/core/mask.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const EXAMPLES = ["01-tomcat-mysql", "02-independent-links", "03-route-to-node", "04-discovery-api", "05-depends-on", "hello", "wordpress"];

/** Each example's first plan (nothing recorded, nothing observed), in all three views. */
describe("example plans", () => {
  for (const example of EXAMPLES) {
    it(`${example}: text, JSON and Markdown match the committed goldens`, async () => {
      const file = path.join("examples", example, "docker-compose.yml");
      const template = await loadTemplate(path.join(ROOT, file), { env: {}, domain: "localhost" });
      const desired = buildDesired(template, { project: "demo", publishAddress: "127.0.0.1", discovery: false }).resources;
      const p = plan({
        project: "demo",
        berthVersion: "golden",
        templateHash: "golden",
        desired,
        recorded: [],
        stateLineage: null,
        stateSerial: 0,
        observation: { resources: [], gaps: [], observedProviders: [] },
        schemas: { docker: dockerSchema },
      });
      const golden = (ext: string) => path.join(ROOT, "test/unit/golden-examples", `${example}.${ext}`);
      expectGolden(golden("txt"), renderPlanText(maskPlan(p), { color: false }));
      expectGolden(golden("json"), renderPlanJson(maskPlan(p)));
      expectGolden(golden("md"), joinMarkdownParts(renderPlanMarkdown(maskPlan(p))));
    });
  }
});
