import { describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadTemplate } from "../../../src/template/load.js";
import { buildDesired } from "../../../src/model/desired.js";
import { plan } from "../../../src/planner/plan.js";
import { dockerSchema } from "../../../providers/docker/schema.js";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { renderPlanJson } from "../../../src/render/json-plan.js";
import { joinMarkdownParts, renderPlanMarkdown } from "../../../src/render/markdown-plan.js";
import { maskPlan } from "../../../src/core/mask.js";

const TEMPLATE = `web:
  image: berth/web:1
  command: ["sh", "-c", "mysql -uroot -p\${DB_PASSWORD} -h db"]
  environment:
    API_URL: https://deploy:tr0ub4dor@api.example.com
    PLAIN: visible-value
  labels:
    berth.sensitive: API_URL
`;

/** Secrets no secret-looking key names: interpolated into a command, or marked by the user. */
describe("sensitive values", () => {
  it("are masked in text, JSON and Markdown, and what is not secret stays visible", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "berth-sensitive-"));
    const file = path.join(dir, "docker-compose.yml");
    await writeFile(file, TEMPLATE);
    const env = { DB_PASSWORD: "hunter2-db-pw" };
    const template = await loadTemplate(file, { env, domain: "localhost" });
    const desired = buildDesired(template, { project: "p", publishAddress: "127.0.0.1", discovery: false, env }).resources;
    const p = plan({
      project: "p",
      berthVersion: "t",
      templateHash: "h",
      desired,
      recorded: [],
      stateLineage: null,
      stateSerial: 0,
      observation: { resources: [], gaps: [], observedProviders: [] },
      schemas: { docker: dockerSchema },
    });
    for (const out of [renderPlanText(maskPlan(p), { color: false }), renderPlanJson(maskPlan(p)), joinMarkdownParts(renderPlanMarkdown(maskPlan(p)))]) {
      expect(out).not.toContain("hunter2-db-pw");
      expect(out).not.toContain("tr0ub4dor");
      expect(out).toContain("visible-value");
      expect(out).toContain("mysql -uroot -p(sensitive value) -h db");
    }
  });
});
