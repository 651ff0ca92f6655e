import type { SourceLoc } from "../core/errors.js";
import { isPortNumber } from "./ports.js";
import { wholeNumber } from "./key-helpers.js";
import type { KeyValue } from "./key-values.js";
import type { LoadContext } from "./load-context.js";
import { parseRouteValue } from "./routes.js";
import type { ServiceDraft } from "./service-draft.js";

/**
 * The Aliyun Container Service labels Berth implements, read into `spec.aliyun`. A bad
 * value is an error at the value; an aliyun.* label Berth does not implement is a warning,
 * so templates written for Aliyun still load.
 */

interface LabelInput {
  ctx: LoadContext;
  draft: ServiceDraft;
  label: KeyValue;
  value: string;
  /** Probe settings are gathered first and checked together once every label is read. */
  probe: ProbeDraft;
}

interface ProbeDraft {
  url: string | null;
  cmd: string | null;
  timeoutSeconds: number;
  initialDelaySeconds: number;
  timingLoc: SourceLoc | null;
  bothLoc: SourceLoc | null;
}

type LabelReader = (input: LabelInput) => void;

const ROUTE_PREFIX = "aliyun.routing.port_";
const NAME = /^[A-Za-z0-9._-]+$/;
const PROBE_URL = /^(?:http:\/\/container:(\d{1,5})(?:\/[A-Za-z0-9._~/%?=&-]*)?|tcp:\/\/container:(\d{1,5}))$/;
const LOG_PATH = /^\/[A-Za-z0-9._~/@+-]*$/;

const READERS: Record<string, LabelReader> = {
  "aliyun.scale": (input) => {
    const scale = wholeNumber(input.value, 0);
    if (scale === null) return fail(input, "E_SCALE", "a whole number ≥ 0");
    input.draft.scales.unshift({ setting: "aliyun.scale", value: scale, loc: input.label.valueLocAt(0) });
  },
  "aliyun.routing.session_sticky": (input) => bool(input, (b) => (input.draft.spec.aliyun.sessionSticky = b)),
  "aliyun.rolling_updates": (input) => bool(input, (b) => (input.draft.spec.aliyun.rollingUpdates = b)),
  "aliyun.rolling_updates.parallelism": (input) => {
    const parallelism = wholeNumber(input.value, 1);
    if (parallelism === null) return fail(input, "E_LABEL", "a whole number ≥ 1");
    input.draft.spec.aliyun.parallelism = parallelism;
  },
  "aliyun.probe.url": (input) => {
    const match = PROBE_URL.exec(input.value);
    if (!match || !isPortNumber(Number(match[1] ?? match[2]))) {
      return fail(input, "E_LABEL", "http://container:PORT/path or tcp://container:PORT");
    }
    setProbe(input, "url");
  },
  "aliyun.probe.cmd": (input) => {
    if (input.value.trim() === "") return fail(input, "E_LABEL", "a command to run in the container");
    setProbe(input, "cmd");
  },
  "aliyun.probe.timeout_seconds": (input) => {
    const seconds = wholeNumber(input.value, 1);
    if (seconds === null) return fail(input, "E_LABEL", "a whole number ≥ 1");
    input.probe.timeoutSeconds = seconds;
    input.probe.timingLoc ??= input.label.keyLoc;
  },
  "aliyun.probe.initial_delay_seconds": (input) => {
    const seconds = wholeNumber(input.value, 0);
    if (seconds === null) return fail(input, "E_LABEL", "a whole number ≥ 0");
    input.probe.initialDelaySeconds = seconds;
    input.probe.timingLoc ??= input.label.keyLoc;
  },
  "aliyun.depends": (input) => {
    for (const item of commaList(input.value)) {
      const loc = input.label.valueLocAt(item.index);
      if (!NAME.test(item.text)) {
        input.ctx.error("E_LABEL", `aliyun.depends must be a comma-separated list of service names, got '${item.text}'`, loc);
        continue;
      }
      if (!input.draft.spec.aliyun.depends.includes(item.text)) input.draft.spec.aliyun.depends.push(item.text);
      input.draft.references.push({ kind: "aliyun.depends", service: item.text, loc });
    }
  },
  "aliyun.addon": (input) => {
    for (const item of commaList(input.value)) {
      if (NAME.test(item.text)) input.draft.spec.aliyun.addon.push(item.text);
      else input.ctx.error("E_LABEL", `aliyun.addon must be a comma-separated list of names, got '${item.text}'`, input.label.valueLocAt(item.index));
    }
  },
  "aliyun.logs": (input) => {
    for (const item of commaList(input.value)) {
      if (LOG_PATH.test(item.text)) input.draft.spec.aliyun.logs.push(item.text.replace(/(.)\/$/, "$1"));
      else input.ctx.error("E_LABEL", `aliyun.logs must be a comma-separated list of absolute paths like /var/log/app, got '${item.text}'`, input.label.valueLocAt(item.index));
    }
  },
  "aliyun.global": (input) =>
    bool(input, (global) => {
      input.draft.spec.aliyun.global = global;
      if (global) input.ctx.warn("W_GLOBAL", "aliyun.global: Berth runs on one machine, so a global service runs one container (scale 1)", input.label.keyLoc);
    }),
};

export function readAliyunLabels(ctx: LoadContext, draft: ServiceDraft): void {
  const probe: ProbeDraft = { url: null, cmd: null, timeoutSeconds: 10, initialDelaySeconds: 0, timingLoc: null, bothLoc: null };
  for (const label of draft.labels) {
    if (!label.key.startsWith("aliyun.")) continue;
    const input: LabelInput = { ctx, draft, label, value: label.value ?? "", probe };
    const reader = READERS[label.key] ?? (label.key.startsWith(ROUTE_PREFIX) ? readRoute : null);
    if (reader) reader(input);
    else ctx.warn("W_NOT_IMPLEMENTED", `label '${label.key}' is not implemented by Berth (ignored)`, label.keyLoc);
  }
  finishProbe(ctx, draft, probe);
}

function readRoute(input: LabelInput): void {
  const { ctx, label } = input;
  const port = wholeNumber(label.key.slice(ROUTE_PREFIX.length), 1);
  if (port === null || !isPortNumber(port)) {
    ctx.error("E_ROUTE", `'${label.key}' must end in a container port 1-65535, like ${ROUTE_PREFIX}8080`, label.keyLoc);
    return;
  }
  const parsed = parseRouteValue(label.key, input.value, ctx.settings.domain);
  for (const problem of parsed.problems) ctx.error("E_ROUTE", problem.message, label.valueLocAt(problem.index));
  for (const route of parsed.routes) {
    const { scheme, host, context } = route;
    input.draft.spec.aliyun.routes.push({ containerPort: port, scheme, host, context, loc: label.valueLocAt(route.index) });
  }
}

function setProbe(input: LabelInput, kind: "url" | "cmd"): void {
  input.probe[kind] = input.value;
  if (input.probe.url !== null && input.probe.cmd !== null) input.probe.bothLoc = input.label.keyLoc;
}

function finishProbe(ctx: LoadContext, draft: ServiceDraft, probe: ProbeDraft): void {
  if (probe.bothLoc) ctx.error("E_LABEL", "set aliyun.probe.url or aliyun.probe.cmd, not both", probe.bothLoc);
  if (probe.url === null && probe.cmd === null) {
    if (probe.timingLoc) ctx.warn("W_IGNORED", "aliyun.probe timings have no effect without aliyun.probe.url or aliyun.probe.cmd", probe.timingLoc);
    return;
  }
  const { url, cmd, timeoutSeconds, initialDelaySeconds } = probe;
  draft.spec.aliyun.probe = { url, cmd, timeoutSeconds, initialDelaySeconds };
}

function bool(input: LabelInput, set: (value: boolean) => void): void {
  const text = input.value.toLowerCase();
  if (text === "true" || text === "false") set(text === "true");
  else fail(input, "E_LABEL", "true or false");
}

function fail(input: LabelInput, code: string, expected: string): void {
  input.ctx.error(code, `${input.label.key} must be ${expected}, got '${input.value}'`, input.label.valueLocAt(0));
}

/** "a, b,c" → entries with their index in the value, blanks dropped. */
function commaList(value: string): { text: string; index: number }[] {
  const out: { text: string; index: number }[] = [];
  let index = 0;
  for (const raw of value.split(",")) {
    const text = raw.trim();
    if (text !== "") out.push({ text, index: index + raw.indexOf(text) });
    index += raw.length + 1;
  }
  return out;
}
