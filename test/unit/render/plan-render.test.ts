import { describe, expect, it } from "vitest";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { renderPlanJson } from "../../../src/render/json-plan.js";
import { joinMarkdownParts, renderPlanMarkdown } from "../../../src/render/markdown-plan.js";
import { stripAnsi } from "../../../src/render/color.js";
import { expectGolden } from "../golden.js";
import { FIXTURES, SECRETS, deletePlan, driftSecretsPlan, replacePlan, updatePlan } from "./fixtures.js";
import { maskPlan } from "../../../src/core/mask.js";

const golden = (file: string) => new URL(`./golden/${file}`, import.meta.url);

function allOutputs(name: string): Record<string, string> {
  const plan = FIXTURES[name]();
  return {
    text: renderPlanText(maskPlan(plan), { color: false }),
    color: renderPlanText(maskPlan(plan), { color: true }),
    json: renderPlanJson(maskPlan(plan)),
    markdown: joinMarkdownParts(renderPlanMarkdown(maskPlan(plan))),
  };
}

describe.each(Object.keys(FIXTURES))("plan %s", (name) => {
  it("matches the golden text, JSON and Markdown", () => {
    const out = allOutputs(name);
    expectGolden(golden(`${name}.txt`), out.text);
    expectGolden(golden(`${name}.json`), out.json);
    expectGolden(golden(`${name}.md`), out.markdown);
  });

  it("prints no secret value in any output", () => {
    for (const [view, text] of Object.entries(allOutputs(name))) {
      for (const secret of SECRETS) expect(text.includes(secret), `${view} shows ${secret}`).toBe(false);
    }
  });

  it("renders the same bytes twice and leaves the plan untouched", () => {
    const plan = FIXTURES[name]();
    const copy = structuredClone(plan);
    const first = allOutputs(name);
    expect(allOutputs(name)).toEqual(first);
    renderPlanText(maskPlan(plan), { color: true });
    renderPlanJson(maskPlan(plan));
    renderPlanMarkdown(maskPlan(plan));
    expect(plan).toEqual(copy);
  });

  it("colours only when asked, and colour adds nothing but escape codes", () => {
    const out = allOutputs(name);
    expect(out.text).not.toMatch(/\u001b\[/);
    expect(out.color).toMatch(/\u001b\[/);
    expect(stripAnsi(out.color)).toBe(out.text);
  });
});

describe("text plan", () => {
  it("lists destructive actions first in the summary and marks them", () => {
    const text = renderPlanText(maskPlan(driftSecretsPlan()), { color: false });
    const summary = text.slice(text.indexOf("Summary:"), text.indexOf("\n\n", text.indexOf("Summary:")));
    expect(summary.split("\n")).toEqual([
      "Summary:",
      "  ! replace (1): container.db[0]",
      "  + create (2): container.web[1], upstream.demo_web",
      "  ~ update in place (1): container.api[0]",
    ]);
  });

  it("shows replacements with the attribute that forced them", () => {
    const text = renderPlanText(maskPlan(replacePlan()), { color: false });
    expect(text).toContain('  # container.web[0] must be replaced\n-/+ resource "container" "web[0]" {\n      ~ image = "berth/web:1" -> "berth/web:2" # forces replacement\n        name  = "demo_web_1"\n        # (12 unchanged attributes hidden)\n    }');
    expect(text).toContain("  # container.web[1] must be replaced (create replacement and then destroy)\n+/- resource");
    expect(text).toContain('          + "FEATURE_X" = "on" # forces replacement');
    expect(text).toMatch(/Plan: 3 to add, 0 to change, 3 to destroy\.\n$/);
  });

  it("says why a resource is destroyed and skips no-op changes", () => {
    const text = renderPlanText(maskPlan(deletePlan()), { color: false });
    expect(text).toContain("# container.web[2] will be destroyed (scaled down)");
    expect(text).toContain("# container.db[0] will be destroyed (removed from template)");
    expect(text).toContain("# container.old[0] will be destroyed (orphan: not in state, not in template)");
    expect(text).toContain('      - image           = "berth/db:5" -> null');
    expect(text).not.toContain("container.web[0]");
  });

  it("shows the router's configuration as a unified diff", () => {
    const text = renderPlanText(maskPlan(updatePlan()), { color: false });
    expect(text).toContain("      ~ rendered_config = <<-EOT\n          @@ -1,10 +1,11 @@\n");
    expect(text).toContain("\n          -    listen 127.0.0.1:8080;\n          +    listen 127.0.0.1:8081;\n");
    expect(text).not.toContain("proxy_pass http://demo_web;\\n");
  });

  it("puts warnings and observation gaps first, then drift", () => {
    const lines = renderPlanText(maskPlan(driftSecretsPlan()), { color: false }).split("\n");
    expect(lines[0]).toBe("Warning: compose.yaml:12:12: image mysql:8 has no digest; replicas may differ");
    expect(lines[1]).toBe("Warning: discovery could not be observed: etcd at http://127.0.0.1:2379 is unreachable (ECONNREFUSED)");
    expect(lines[3]).toBe("Note: Objects have changed outside of Berth");
    expect(lines).toContain("  # container.web[1] was removed outside Berth");
  });

  it("masks secrets, including inside a command line, and still shows that a secret changed", () => {
    const text = renderPlanText(maskPlan(driftSecretsPlan()), { color: false });
    expect(text).toContain('          - "serve --token=(sensitive value) --mode=a",');
    expect(text).toContain('          ~ "API_TOKEN" = (sensitive value)');
    expect(text).toContain("      + signing         = (sensitive value)");
    expect(text).toContain("          +    # signed (sensitive value)");
  });

  it("says so when nothing changes", () => {
    expect(renderPlanText(maskPlan(FIXTURES["no-changes"]()), { color: false })).toBe(
      "No changes. Your infrastructure matches the configuration.\n",
    );
  });
});

describe("JSON plan", () => {
  it("has Terraform's shape, no-op changes included, keys sorted at every level", () => {
    const raw = renderPlanJson(maskPlan(deletePlan()));
    const doc = JSON.parse(raw);
    expect(Object.keys(doc)).toEqual([...Object.keys(doc)].sort());
    expect(doc.format_version).toBe("1.0");
    expect(doc.resource_changes.map((c: { address: string; change: { actions: string[] } }) => [c.address, c.change.actions])).toEqual([
      ["container.db[0]", ["delete"]],
      ["container.old[0]", ["delete"]],
      ["container.web[0]", ["no-op"]],
      ["container.web[1]", ["delete"]],
      ["container.web[2]", ["delete"]],
    ]);
    expect(doc.resource_changes[0]).toMatchObject({ type: "container", name: "db", index: 0, provider_name: "berth/docker" });
    const sortedEverywhere = (v: unknown): boolean =>
      Array.isArray(v)
        ? v.every(sortedEverywhere)
        : v !== null && typeof v === "object"
          ? Object.keys(v).join() === Object.keys(v).sort().join() && Object.values(v).every(sortedEverywhere)
          : true;
    expect(sortedEverywhere(doc)).toBe(true);
    expect(raw.endsWith("}\n")).toBe(true);
  });

  it("says per change whether it interrupts service, and why", () => {
    const json = JSON.parse(renderPlanJson(maskPlan(replacePlan()))) as { resource_changes: { address: string; interrupts: boolean; interruption: string | null }[] };
    expect(json.resource_changes.map((c) => [c.address, c.interrupts])).toEqual([
      ["container.web[0]", false],
      ["container.web[1]", false],
      ["container.worker[0]", true],
    ]);
    expect(json.resource_changes[2].interruption).toBe("the only replica of worker is replaced destroy-first: none serves meanwhile");
  });

  it("marks masked values in before_sensitive / after_sensitive", () => {
    const doc = JSON.parse(renderPlanJson(maskPlan(driftSecretsPlan())));
    const db = doc.resource_changes.find((c: { address: string }) => c.address === "container.db[0]");
    expect(db.change.after.environment.MYSQL_ROOT_PASSWORD).toBe("(sensitive value)");
    expect(db.change.after_sensitive).toEqual({ command: [false, false, true], environment: { MYSQL_ROOT_PASSWORD: true } });
    const upstream = doc.resource_changes.find((c: { address: string }) => c.address === "upstream.demo_web");
    expect(upstream.change.before_sensitive).toEqual({});
    expect(upstream.change.after_sensitive).toEqual({ rendered_config: true, signing: true });
    expect(doc.resource_drift.map((d: { address: string; change: { actions: string[] } }) => [d.address, d.change.actions])).toEqual([
      ["container.web[1]", ["delete"]],
      ["container.db[0]", ["update"]],
    ]);
  });
});

describe("Markdown plan", () => {
  it("is one part with a summary table and one collapsed section per service", () => {
    const parts = renderPlanMarkdown(maskPlan(driftSecretsPlan()));
    expect(parts).toHaveLength(1);
    const md = parts[0];
    expect(md.startsWith("### Berth plan for `demo`\n\n**Plan: 3 to add, 1 to change, 1 to destroy.**\n")).toBe(true);
    expect(md).toContain("| ⚠️ **replace** | 1 | `container.db[0]` |");
    expect(md).toContain("<details><summary>web (2 changes)</summary>");
    expect(md).toContain("! -/+ resource \"container\" \"db[0]\" {");
    expect(md).not.toContain("_continued in the next comment_");
  });

  it("opens with the changes that interrupt service, named first, before the counts", () => {
    const md = renderPlanMarkdown(maskPlan(replacePlan()))[0];
    expect(md.startsWith("### Berth plan for `demo`\n\n> [!WARNING]\n> **1 change interrupts service: `container.worker[0]`**\n")).toBe(true);
    expect(md.indexOf("interrupts service")).toBeLessThan(md.indexOf("**Plan:"));
    // A plan that interrupts nothing has no such line.
    expect(renderPlanMarkdown(maskPlan(updatePlan()))[0]).not.toContain("interrupt");
  });

  it("puts resources without a service under 'shared', last", () => {
    const md = renderPlanMarkdown(maskPlan(FIXTURES["create-only"]()))[0];
    const summaries = [...md.matchAll(/<summary>(.*)<\/summary>/g)].map((m) => m[1]);
    expect(summaries).toEqual(["web (4 changes)", "shared (1 change)"]);
  });
});
