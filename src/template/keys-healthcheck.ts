import { isMap, isScalar, isSeq } from "yaml";
import type { SourceLoc } from "../core/errors.js";
import { parseDuration } from "./duration.js";
import { wholeNumber } from "./key-helpers.js";
import type { LoadContext } from "./load-context.js";
import type { KeyReader } from "./service-draft.js";
import type { Healthcheck } from "./types.js";
import { describe, isNullNode, mapEntries, scalarText, seqItems, type MapEntry } from "./yaml-nodes.js";

const DURATIONS = {
  interval: "intervalSeconds",
  timeout: "timeoutSeconds",
  start_period: "startPeriodSeconds",
  start_interval: "startIntervalSeconds",
} as const;
/** The engine refuses a probe period below a millisecond (0 means "the default"). */
const MIN_PERIOD_SECONDS = 0.001;
const TEST_FORMS = "a shell command string, or a list: [CMD, program, args...], [CMD-SHELL, 'command'] or [NONE]";

/**
 * `healthcheck:` test (string → CMD-SHELL, or a list), interval/timeout/start_period/start_interval,
 * retries, disable. With no test the image's HEALTHCHECK test is kept and only the timings change.
 */
export const readHealthcheck: KeyReader = (input, draft) => {
  const { ctx, value } = input;
  if (isNullNode(value)) return;
  if (!isMap(value)) {
    ctx.error("E_TYPE", `healthcheck must be a map with test, interval, timeout, retries, start_period, start_interval, disable; got ${describe(value)}`, input.valueLoc);
    return;
  }
  const check: Healthcheck = {
    test: [],
    intervalSeconds: null,
    timeoutSeconds: null,
    retries: null,
    startPeriodSeconds: null,
    startIntervalSeconds: null,
  };
  let disabledAt: SourceLoc | null = null;
  let testAt: SourceLoc | null = null;
  for (const entry of mapEntries(ctx, value)) {
    if (entry.key === "test") {
      check.test = readTest(ctx, entry) ?? [];
      testAt = entry.keyLoc;
    } else if (entry.key in DURATIONS) check[DURATIONS[entry.key as keyof typeof DURATIONS]] = readDuration(ctx, entry);
    else if (entry.key === "retries") check.retries = readRetries(ctx, entry);
    else if (entry.key === "disable") disabledAt = readDisable(ctx, entry) ? entry.keyLoc : null;
    // Not a compose key (compose's schema refuses it too): refused, never silently ignored.
    else ctx.error("E_UNSUPPORTED_KEY", `healthcheck.${entry.key} is not a compose key (test, interval, timeout, retries, start_period, start_interval, disable)`, entry.keyLoc);
  }
  if (disabledAt && testAt && check.test[0] !== "NONE") {
    ctx.error("E_HEALTHCHECK", "healthcheck.disable: true and healthcheck.test cannot both be set: remove one", disabledAt);
  }
  if (disabledAt || check.test[0] === "NONE") check.test = ["NONE"];
  draft.spec.healthcheck = check;
};

function readTest(ctx: LoadContext, entry: MapEntry): string[] | null {
  const bad = (why: string) => {
    ctx.error("E_HEALTHCHECK", `healthcheck.test must be ${TEST_FORMS}; ${why}`, entry.valueLoc);
    return null;
  };
  if (isScalar(entry.value)) {
    const text = scalarText(entry.value);
    if (text === undefined || text.trim() === "") return bad(`got ${describe(entry.value)}`);
    return ["CMD-SHELL", text];
  }
  if (!isSeq(entry.value)) return bad(`got ${describe(entry.value)}`);
  const items = seqItems(ctx, entry.value).map(scalarText);
  if (!items.every((t): t is string => t !== undefined)) return bad("every item must be a string");
  const [kind, ...args] = items;
  if (kind === "NONE") return ["NONE"];
  if (kind === "CMD" && args.length === 0) return bad("[CMD] needs a program to run");
  if (kind === "CMD-SHELL" && args.length !== 1) return bad(`[CMD-SHELL] takes exactly one command string, got ${args.length}`);
  if (kind !== "CMD" && kind !== "CMD-SHELL") return bad(`the first item must be CMD, CMD-SHELL or NONE, got '${kind ?? ""}'`);
  return items;
}

function readDuration(ctx: LoadContext, entry: MapEntry): number | null {
  const text = scalarText(entry.value);
  const seconds = text === undefined ? null : parseDuration(text);
  if (seconds === null) {
    ctx.error("E_DURATION", `healthcheck.${entry.key} must be a duration like '10s' or '1m30s', got ${describe(entry.value)}`, entry.valueLoc);
    return null;
  }
  if (entry.key !== "start_period" && seconds > 0 && seconds < MIN_PERIOD_SECONDS) {
    ctx.error("E_DURATION", `healthcheck.${entry.key} must be 0 (the default) or at least 1ms, got '${text}'`, entry.valueLoc);
    return null;
  }
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
