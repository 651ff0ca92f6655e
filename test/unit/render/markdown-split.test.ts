import { describe, expect, it } from "vitest";
import { MARKDOWN_SPLIT_MARKER, joinMarkdownParts, renderPlanMarkdown } from "../../../src/render/markdown-plan.js";
import { basePlan, change, container, hugePlan } from "./fixtures.js";
import { maskPlan } from "../../../src/core/mask.js";

const CONTINUED = "_continued in the next comment_";

function fenceLines(part: string): number {
  return part.split("\n").filter((l) => l.startsWith("```")).length;
}

function detailsBalanced(part: string): boolean {
  return part.split("<details>").length === part.split("</details>").length;
}

describe("splitting a long Markdown plan", () => {
  const plan = hugePlan(3000);
  const parts = renderPlanMarkdown(maskPlan(plan));

  it("splits 3,000 services into comments GitHub accepts", () => {
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(65_536);
  });

  it("keeps every address", () => {
    const shown = new Set([...parts.join("\n").matchAll(/# (container\.svc\d+\[0\]) will be created/g)].map((m) => m[1]));
    expect(shown.size).toBe(3000);
    for (const c of plan.changes) expect(shown.has(c.address), c.address).toBe(true);
  });

  it("never cuts inside a fence or a <details> block", () => {
    for (const part of parts) {
      expect(fenceLines(part) % 2).toBe(0);
      expect(detailsBalanced(part)).toBe(true);
    }
  });

  it("numbers the parts and says each but the last is continued", () => {
    const all = parts.join("\n");
    expect(all.split(CONTINUED).length - 1).toBe(parts.length - 1);
    parts.forEach((part, i) => {
      expect(part.split("\n")[0]).toBe(`### Berth plan for \`demo\` (part ${i + 1} of ${parts.length})`);
      expect(part.trimEnd().endsWith(CONTINUED)).toBe(i < parts.length - 1);
    });
  });

  it("is deterministic", () => {
    expect(renderPlanMarkdown(maskPlan(hugePlan(3000)))).toEqual(parts);
  });

  it("splits one service too big for a comment into closed, continued sections", () => {
    const replicas = Array.from({ length: 60 }, (_, i) => change(`container.web[${i}]`, ["create"], null, container("web", i)));
    const md = renderPlanMarkdown(maskPlan(basePlan(replicas)), { maxChars: 4_000 });
    expect(md.length).toBeGreaterThan(3);
    for (const part of md) {
      expect(part.length).toBeLessThanOrEqual(4_000);
      expect(fenceLines(part) % 2).toBe(0);
      expect(detailsBalanced(part)).toBe(true);
    }
    const all = md.join("\n");
    expect(all).toContain("<summary>web (60 changes)</summary>");
    expect(all).toContain("<summary>web (60 changes) (continued)</summary>");
    for (let i = 0; i < 60; i++) expect(all).toContain(`# container.web[${i}] will be created`);
  });

  it("joins parts with the split marker", () => {
    expect(joinMarkdownParts(["a\n", "b\n"])).toBe(`a\n\n${MARKDOWN_SPLIT_MARKER}\nb\n`);
    expect(joinMarkdownParts(parts).split(`\n${MARKDOWN_SPLIT_MARKER}\n`)).toEqual(parts);
  });
});
