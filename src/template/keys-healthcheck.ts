import { isMap, isScalar, isSeq } from "yaml";
import { parseDuration } from "./duration.js";
import { wholeNumber } from "./key-helpers.js";
import type { LoadContext } from "./load-context.js";
import type { KeyReader } from "./service-draft.js";
import type { Healthcheck } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems, type MapEntry } from "./yaml-nodes.js";

const DURATIONS = { interval: "intervalSeconds", timeout: "timeoutSeconds", start_period: "startPeriodSeconds" } as const;
const TEST_KINDS = new Set(["NONE", "CMD", "CMD-SHELL"]);

/** `healthcheck:` test (string → CMD-SHELL, or a list), interval/timeout/start_period, retries, disable. */
export const readHealthcheck: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return;
  if (!isMap(value)) {
    ctx.error("E_TYPE", `healthcheck must be a map with test, interval, timeout, retries, start_period; got ${describe(value)}`, input.valueLoc);
    return;
  }
  const check: Healthcheck = { test: [], intervalSeconds: null, timeoutSeconds: null, retries: null, startPeriodSeconds: null };
  let disabled = false;
  for (const entry of mapEntries(ctx, value)) {
    if (entry.key === "test") check.test = readTest(ctx, entry) ?? [];
    else if (entry.key in DURATIONS) check[DURATIONS[entry.key as keyof typeof DURATIONS]] = readDuration(ctx, entry);
    else if (entry.key === "retries") check.retries = readRetries(ctx, entry);
    else if (entry.key === "disable") disabled = readDisable(ctx, entry);
    else ctx.warn("W_IGNORED", `healthcheck.${entry.key} is not used by Berth (ignored)`, entry.keyLoc);
  }
  if (disabled) check.test = ["NONE"];
  draft.spec.healthcheck = check;
};

function readTest(ctx: LoadContext, entry: MapEntry): string[] | null {
  const text = isScalar(entry.value) ? scalarText(entry.value) : undefined;
  if (text !== undefined) return ["CMD-SHELL", text];
  const items = isSeq(entry.value) ? seqItems(ctx, entry.value).map(scalarText) : [];
  if (items.length > 0 && items.every((t): t is string => t !== undefined) && TEST_KINDS.has(items[0])) return items;
  ctx.error("E_TYPE", `healthcheck.test must be a shell command string or a list starting with CMD, CMD-SHELL or NONE, got ${describe(entry.value)}`, entry.valueLoc);
  return null;
}

function readDuration(ctx: LoadContext, entry: MapEntry): number | null {
  const text = scalarText(entry.value);
  const seconds = text === undefined ? null : parseDuration(text);
  if (seconds === null) ctx.error("E_DURATION", `healthcheck.${entry.key} must be a duration like '10s' or '1m30s', got ${describe(entry.value)}`, entry.valueLoc);
  return seconds;
}

function readRetries(ctx: LoadContext, entry: MapEntry): number | null {
  const retries = wholeNumber(scalarText(entry.value), 0);
  if (retries === null) ctx.error("E_TYPE", `healthcheck.retries must be a whole number ≥ 0, got ${describe(entry.value)}`, entry.valueLoc);
  return retries;
}

function readDisable(ctx: LoadContext, entry: MapEntry): boolean {
  const text = scalarText(entry.value);
  if (text === "true" || text === "false") return text === "true";
  ctx.error("E_TYPE", `healthcheck.disable must be true or false, got ${describe(entry.value)}`, entry.valueLoc);
  return false;
}
