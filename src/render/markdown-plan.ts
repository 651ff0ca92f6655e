/**
 * A Plan as a pull-request comment: a summary a reviewer reads first, then one collapsed
 * section per service holding the Terraform-style diff. Long plans are split into several
 * comments, never inside a code fence or a <details> block.
 */
import type { MaskedPlan, Plan, ResourceChange } from "../core/plan.js";
import { hasChanges, isNoOp } from "../core/plan.js";
import { formatDiagnostic } from "../core/errors.js";
import type { LineKind } from "./plan-line.js";
import {
  conflictLine,
  driftHeadline,
  gapLine,
  interruptionLine,
  interruptsHeadline,
  keptLine,
  planCountsLine,
  refreshOnlyLines,
  summaryGroups,
} from "./plan-sections.js";
import { renderResourceLines } from "./resource-lines.js";

export const MARKDOWN_SPLIT_MARKER = "<!-- berth:comment-split -->";
export const MARKDOWN_CONTINUED = "_continued in the next comment_";
/** GitHub refuses comments longer than 65,536 characters. */
export const MARKDOWN_MAX_CHARS = 65_536;
/** Room a workflow may add to each part (a hidden marker to find its comment again, a title). */
export const MARKDOWN_RESERVED_CHARS = 512;

/** How many addresses a summary-table cell lists before "… and N more". */
const TABLE_ADDRESSES = 20;

export interface MarkdownOptions {
  maxChars?: number;
}

/** Several comment parts as one document (for a file or a step summary), splittable again by the marker. */
export function joinMarkdownParts(parts: string[]): string {
  return parts.join(`\n${MARKDOWN_SPLIT_MARKER}\n`);
}

export function renderPlanMarkdown(shown: MaskedPlan, opts: MarkdownOptions = {}): string[] {
  const maxChars = opts.maxChars ?? MARKDOWN_MAX_CHARS - MARKDOWN_RESERVED_CHARS;
  const title = `### Berth plan for \`${shown.project}\``;

  const whole = `${title}\n\n${[...headBlocks(shown), ...serviceBlocks(shown, null)].join("\n\n")}\n`;
  if (whole.length <= maxChars) return [whole];

  // Every part carries its numbered title and (but the last) the continuation notice; reserve
  // room for the widest numbering so the real one always fits.
  const overhead = `${title} (part 99999 of 99999)\n\n`.length + `\n\n${MARKDOWN_CONTINUED}\n`.length;
  const budget = maxChars - overhead;
  if (budget < 200) throw new RangeError(`maxChars ${maxChars} is too small for a plan comment`);
  const blocks = [...headBlocks(shown).flatMap((b) => fitLines(b.split("\n"), budget)), ...serviceBlocks(shown, budget)];
  return paginate(title, blocks, budget);
}

// ---------------------------------------------------------------------------------------------
// The summary blocks

function headBlocks(plan: Plan): string[] {
  const blocks: string[] = [];
  // First in the comment: what a reviewer must know before approving is the outage.
  const interrupts = interruptsHeadline(plan, (addresses) => addresses.map(code).join(", "));
  if (interrupts !== null) {
    const reasons = plan.changes.filter((c) => c.interruption !== undefined).map((c) => `> - ${code(c.address)}${escapeText(interruptionLine(c).slice(c.address.length))}`);
    blocks.push(["> [!WARNING]", `> **${escapeInterrupts(interrupts)}**`, ...reasons].join("\n"));
  }
  if (plan.refreshOnly) blocks.push(refreshOnlyLines(plan).filter(Boolean).map(escapeText).join("\n"));
  else blocks.push(hasChanges(plan) ? `**${planCountsLine(plan)}**` : "**No changes.** Your infrastructure matches the configuration.");

  if (plan.conflicts.length > 0) blocks.push(["> [!CAUTION]", ...plan.conflicts.map((c) => `> ${escapeText(conflictLine(c))}`)].join("\n"));
  const notices = [...plan.warnings.map(formatDiagnostic), ...plan.gaps.map((g) => `Warning: ${gapLine(g)}`)];
  if (notices.length > 0) blocks.push(["> [!WARNING]", ...notices.map((n) => `> ${escapeText(n)}`)].join("\n"));
  if (plan.kept.length > 0) blocks.push(["**Kept**", "", ...plan.kept.map((k) => `- ${code(k.address)}${escapeText(keptLine(k).slice(k.address.length))}`)].join("\n"));

  const groups = summaryGroups(plan);
  if (groups.length > 0) {
    const rows = groups.map((g) => {
      const label = g.destructive ? `⚠️ **${g.label}**` : g.label;
      const listed = g.addresses.slice(0, TABLE_ADDRESSES).map(code);
      const more = g.addresses.length - listed.length;
      return `| ${label} | ${g.addresses.length} | ${listed.join(", ")}${more > 0 ? `, … and ${more} more` : ""} |`;
    });
    blocks.push(["| Action | Count | Addresses |", "|:--|--:|:--|", ...rows].join("\n"));
  }

  if (plan.drift.length > 0) {
    const items = plan.drift.map((d) => `- ${code(d.address)}${escapeText(driftHeadline(d).slice(d.address.length))}`);
    blocks.push(["**Objects changed outside of Berth**", "", ...items].join("\n"));
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// One <details> per service

const MARKER: Record<LineKind, string> = { create: "+", delete: "-", update: "!", context: " " };

/**
 * The diff of each service's changes in a collapsed section, services in name order, resources
 * of no service ("shared": the network) last. With a budget, a section too big for one comment
 * is cut between resources (or, for one huge resource, between lines) into closed sections.
 */
function serviceBlocks(plan: Plan, budget: number | null): string[] {
  const byService = new Map<string, ResourceChange[]>();
  for (const c of plan.changes) {
    if (isNoOp(c)) continue;
    const key = c.service ?? "";
    byService.set(key, [...(byService.get(key) ?? []), c]);
  }
  const keys = [...byService.keys()].sort((a, b) => (a === "" ? 1 : b === "" ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return keys.flatMap((key) => {
    const changes = byService.get(key) ?? [];
    const summary = `${escapeText(key === "" ? "shared" : key)} (${changes.length} change${changes.length === 1 ? "" : "s"})`;
    const resources = changes.map((c) => renderResourceLines(c, { color: false }).map((l) => `${MARKER[l.kind]} ${l.text}`));
    return detailsBlocks(summary, resources, budget);
  });
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n\`\`\`diff\n${body}\n\`\`\`\n\n</details>`;
}

function detailsBlocks(summary: string, resources: string[][], budget: number | null): string[] {
  const whole = details(summary, resources.map((r) => r.join("\n")).join("\n\n"));
  if (budget === null || whole.length <= budget) return [whole];

  const continued = `${summary} (continued)`;
  const capacity = budget - details(continued, "").length;
  const chunks: string[] = [];
  let current = "";
  for (const resource of resources) {
    for (const piece of fitLines(resource, capacity)) {
      if (current !== "" && current.length + 2 + piece.length > capacity) {
        chunks.push(current);
        current = "";
      }
      current = current === "" ? piece : `${current}\n\n${piece}`;
    }
  }
  if (current !== "") chunks.push(current);
  return chunks.map((body, i) => details(i === 0 ? summary : continued, body));
}

/** Lines packed into chunks of at most `capacity` characters; a longer line is cut short. */
function fitLines(lines: string[], capacity: number): string[] {
  const chunks: string[] = [];
  let current: string | null = null;
  for (const raw of lines) {
    const line = raw.length <= capacity ? raw : `${raw.slice(0, capacity - 16)} …(truncated)`;
    if (current !== null && current.length + 1 + line.length > capacity) {
      chunks.push(current);
      current = null;
    }
    current = current === null ? line : `${current}\n${line}`;
  }
  if (current !== null) chunks.push(current);
  return chunks;
}

// ---------------------------------------------------------------------------------------------

function paginate(title: string, blocks: string[], budget: number): string[] {
  const pages: string[][] = [];
  let page: string[] = [];
  let length = 0;
  for (const block of blocks) {
    const added = (page.length > 0 ? 2 : 0) + block.length;
    if (page.length > 0 && length + added > budget) {
      pages.push(page);
      page = [];
      length = 0;
    }
    length += (page.length > 0 ? 2 : 0) + block.length;
    page.push(block);
  }
  if (page.length > 0) pages.push(page);
  return pages.map((p, i) => {
    const notice = i < pages.length - 1 ? `\n\n${MARKDOWN_CONTINUED}` : "";
    return `${title} (part ${i + 1} of ${pages.length})\n\n${p.join("\n\n")}${notice}\n`;
  });
}

/** The headline with its addresses already in code spans: escape only the words around them. */
function escapeInterrupts(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : escapeText(part)))
    .join("");
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** Prose from the plan (messages, names) must not open HTML tags or break a table. */
function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "\\|");
}
