/**
 * The one masking function: every output (text, JSON, Markdown, TUI, saved plan, `show`,
 * `state show`, discovery records, log lines, error messages) goes through a Masker built here.
 * It decides nothing about what is secret: it reads the paths src/core/secrets.ts chose.
 */
import { UserError, type Diagnostic } from "./errors.js";
import type { ApplyEvent } from "./events.js";
import type { MaskedPlan, Plan } from "./plan.js";
import type { ImportPlan } from "./import.js";
import type { ResourceSchema } from "./provider.js";
import {
  MASK,
  MIN_SCRUBBED_LENGTH,
  SENSITIVE_CHANGED,
  identifierPaths,
  isMaskMarker,
  sensitivePaths,
  valueAt,
  type AttrPath,
} from "./secrets.js";
import type { AttrValue, Attributes } from "./types.js";

/** One set of attributes and what the plan says about its paths. */
export interface MaskSubject {
  attributes: Attributes | null;
  sensitivePaths: readonly AttrPath[];
  identifierPaths: readonly AttrPath[];
}

export interface Masker {
  /** The attributes with secret paths masked and secrets scrubbed from every other non-identifier string. */
  attributes(subject: MaskSubject): Attributes | null;
  /** Free text (a message, a log line) with every secret scrubbed, except inside an identifier it contains. */
  text(text: string): string;
}

/**
 * A Masker that knows the secrets and the identifiers of all `subjects`: a password set in one
 * resource is also hidden in another resource's command line, and a name that happens to contain
 * a secret is never rewritten (a warning says the secret is not one; see secretReuseWarnings).
 */
export function createMasker(subjects: Iterable<MaskSubject>, identifiers: Iterable<string> = []): Masker {
  const secretSet = new Set<string>();
  const identifierSet = new Set<string>(identifiers);
  for (const s of subjects) {
    if (!s.attributes) continue;
    for (const path of s.sensitivePaths) {
      forEachString(valueAt(s.attributes, path), (value) => {
        if (!isMaskMarker(value) && value.length >= MIN_SCRUBBED_LENGTH) secretSet.add(value);
      });
    }
    for (const path of s.identifierPaths) forEachString(valueAt(s.attributes, path), (value) => identifierSet.add(value));
  }
  const scrub = secretScrubber([...secretSet], identifierSet);
  const nothingToScrub = secretSet.size === 0;
  // Walks only as deep as a path or a secret needs; untouched subtrees are shared, not copied.
  const maskValue = (value: AttrValue, sensitive: readonly AttrPath[], named: readonly AttrPath[]): AttrValue => {
    if (sensitive.some((p) => p.length === 0)) return maskLeaves(value);
    if (named.some((p) => p.length === 0)) return value;
    if (typeof value === "string") return scrub(value);
    if (nothingToScrub && sensitive.length === 0) return value;
    if (Array.isArray(value)) {
      const out = value.map((v, i) => maskValue(v, below(sensitive, String(i)), below(named, String(i))));
      return out.every((v, i) => v === value[i]) ? value : out;
    }
    if (value !== null && typeof value === "object") {
      const entries = Object.entries(value);
      const out = entries.map(([k, v]) => [k, maskValue(v, below(sensitive, k), below(named, k))] as const);
      return out.every(([, v], i) => v === entries[i][1]) ? value : Object.fromEntries(out);
    }
    return value;
  };
  return {
    attributes: (subject) =>
      subject.attributes ? (maskValue(subject.attributes, subject.sensitivePaths, subject.identifierPaths) as Attributes) : null,
    text: scrub,
  };
}

const NO_PATHS: readonly AttrPath[] = [];

/** The paths under `key`, relative to it. */
function below(paths: readonly AttrPath[], key: string): readonly AttrPath[] {
  if (paths.length === 0) return NO_PATHS;
  const inner = paths.filter((p) => p[0] === key).map((p) => p.slice(1));
  return inner.length === 0 ? NO_PATHS : inner;
}

function forEachString(value: AttrValue | undefined, visit: (text: string) => void): void {
  if (typeof value === "string") visit(value);
  else if (Array.isArray(value)) for (const v of value) forEachString(v, visit);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) forEachString(v, visit);
}

/**
 * Replaces every secret inside a text, leftmost and longest first (a secret that starts with
 * another must not leave its tail showing), except where it is part of a name the text quotes.
 * Secrets are indexed by their first characters, so a big plan's many strings are each read
 * once, not once per secret.
 */
function secretScrubber(secrets: readonly string[], identifiers: ReadonlySet<string>): (text: string) => string {
  const byPrefix = new Map<string, string[]>();
  for (const secret of secrets) {
    const key = secret.slice(0, MIN_SCRUBBED_LENGTH);
    byPrefix.set(key, [...(byPrefix.get(key) ?? []), secret]);
  }
  for (const list of byPrefix.values()) list.sort((a, b) => b.length - a.length);
  // A name shields the secret it contains ("wordpress:latest"), but a name that IS the secret
  // would shield every occurrence of it: there the secret is scrubbed like anywhere else.
  const shields = new Map<string, string[]>();
  const shieldsOf = (secret: string): string[] => {
    let found = shields.get(secret);
    if (!found) {
      found = [...identifiers].filter((id) => id.length > secret.length && id.includes(secret));
      shields.set(secret, found);
    }
    return found;
  };
  const shielded = (text: string, at: number, secret: string): boolean =>
    shieldsOf(secret).some((id) => {
      for (let start = text.indexOf(id); start >= 0; start = text.indexOf(id, start + 1)) {
        if (start <= at && at + secret.length <= start + id.length) return true;
      }
      return false;
    });
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = "";
    let from = 0;
    for (let at = 0; at + MIN_SCRUBBED_LENGTH <= text.length; ) {
      const candidates = byPrefix.get(text.slice(at, at + MIN_SCRUBBED_LENGTH));
      const hit = candidates?.find((secret) => text.startsWith(secret, at) && !shielded(text, at, secret));
      if (hit === undefined) {
        at++;
        continue;
      }
      out += text.slice(from, at) + MASK;
      at += hit.length;
      from = at;
    }
    return from === 0 ? text : out + text.slice(from);
  };
}

function maskLeaves(value: AttrValue): AttrValue {
  if (value === null || isMaskMarker(value)) return value;
  if (Array.isArray(value)) return value.map(maskLeaves);
  if (typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskLeaves(v)]));
  return MASK;
}

// ---------------------------------------------------------------------------------------------
// Plans

/** The Masker of a plan: its changes' and drift's secrets, its addresses and names as identifiers. */
export function planMasker(plan: Plan): Masker {
  const subjects: MaskSubject[] = [];
  const identifiers = [plan.project];
  const sides = (e: Omit<MaskSubject, "attributes"> & { before: Attributes | null; after: Attributes | null }) => {
    const paths = { sensitivePaths: e.sensitivePaths, identifierPaths: e.identifierPaths };
    subjects.push({ ...paths, attributes: e.before }, { ...paths, attributes: e.after });
  };
  for (const c of plan.changes) {
    sides(c);
    identifiers.push(c.address, c.name);
  }
  for (const d of plan.drift) {
    sides(d);
    identifiers.push(d.address);
  }
  return createMasker(subjects, identifiers);
}

/**
 * The plan as every output shows it. Idempotent: masking a masked plan (a saved one) changes
 * nothing, so `show PLANFILE` goes through it too.
 */
export function maskPlan(plan: Plan): MaskedPlan {
  const masker = planMasker(plan);
  const mask = (attributes: Attributes | null, subject: Omit<MaskSubject, "attributes">) => masker.attributes({ ...subject, attributes });
  return {
    ...plan,
    changes: plan.changes.map((c) => {
      const before = mask(c.before, c);
      const after = mask(c.after, c);
      // Unmasked sides come back as they were: nothing there can read the same yet differ.
      if (!c.before || !c.after || !before || !after || (before === c.before && after === c.after)) return { ...c, before, after };
      return { ...c, before, after: flagChangedSecrets(c.before, c.after, before, after) as Attributes };
    }),
    drift: plan.drift.map((d) => ({ ...d, before: mask(d.before, d), after: mask(d.after, d), summary: masker.text(d.summary) })),
    warnings: plan.warnings.map((w): Diagnostic => ({ ...w, message: masker.text(w.message) })),
    gaps: plan.gaps.map((g) => ({ ...g, reason: masker.text(g.reason) })),
    masked: true,
  };
}

/** Log lines and errors quote what providers and engines said, secrets included. */
export function maskApplyEvent(e: ApplyEvent, masker: Masker): ApplyEvent {
  switch (e.kind) {
    case "step-log":
      return { ...e, message: masker.text(e.message) };
    case "step-failed":
      return { ...e, error: new UserError(e.error.code, masker.text(e.error.message), e.error.where) };
    case "step-skipped":
      return { ...e, reason: masker.text(e.reason) };
    default:
      return e;
  }
}

type Side = AttrValue | undefined;

/** Where a masked value reads the same on both sides but the real one changed, says so. */
function flagChangedSecrets(realBefore: Side, realAfter: Side, shownBefore: Side, shownAfter: Side): Side {
  if (isMap(shownBefore) && isMap(shownAfter) && isMap(realBefore) && isMap(realAfter)) {
    return Object.fromEntries(
      Object.entries(shownAfter).map(([k, v]) => [k, flagChangedSecrets(realBefore[k], realAfter[k], shownBefore[k], v) as AttrValue]),
    );
  }
  if (Array.isArray(shownBefore) && Array.isArray(shownAfter) && Array.isArray(realBefore) && Array.isArray(realAfter)) {
    if (shownBefore.length !== shownAfter.length) return shownAfter;
    return shownAfter.map((v, i) => flagChangedSecrets(realBefore[i], realAfter[i], shownBefore[i], v) as AttrValue);
  }
  if (typeof shownAfter === "string" && shownAfter === shownBefore && shownAfter.includes(MASK) && JSON.stringify(realBefore) !== JSON.stringify(realAfter)) {
    return shownAfter.split(MASK).join(SENSITIVE_CHANGED);
  }
  return shownAfter;
}

function isMap(value: Side): value is Record<string, AttrValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Resources outside a plan: the recorded state, a discovery record

export interface SchemaResource {
  address: string;
  attributes: Attributes;
}

/** A Masker that knows the secrets and names of resources outside a plan, each read by its schema. */
export function resourcesMasker<R extends SchemaResource>(resources: readonly R[], schemaOf: (r: R) => ResourceSchema | undefined): Masker {
  return createMasker(resourceSubjects(resources, schemaOf), resources.map((r) => r.address));
}

/**
 * Resources masked together (their secrets are scrubbed from each other), each by its schema:
 * `state show`, `show --json`, the record the discovery provider stores.
 */
export function maskResources<R extends SchemaResource>(resources: readonly R[], schemaOf: (r: R) => ResourceSchema | undefined): R[] {
  const subjects = resourceSubjects(resources, schemaOf);
  const masker = createMasker(subjects, resources.map((r) => r.address));
  return resources.map((r, i) => ({ ...r, attributes: masker.attributes(subjects[i]) ?? {} }));
}

function resourceSubjects<R extends SchemaResource>(resources: readonly R[], schemaOf: (r: R) => ResourceSchema | undefined): MaskSubject[] {
  return resources.map((r) => {
    const schema = schemaOf(r);
    return { attributes: r.attributes, sensitivePaths: sensitivePaths(r.attributes, schema), identifierPaths: identifierPaths(schema) };
  });
}

/**
 * `berth import`'s plan as every output shows it: what differs from the template, masked by the
 * entry's paths (an environment entry named PASSWORD reads "(sensitive value)"), and a secret of
 * one entry scrubbed from every other. The recorded attributes are never shown: they are dropped.
 */
export function maskImportPlan(plan: ImportPlan): ImportPlan {
  const subjects: MaskSubject[] = plan.imports.map((e) => ({ attributes: e.record, sensitivePaths: e.sensitivePaths, identifierPaths: e.identifierPaths }));
  const masker = createMasker(subjects, [plan.project, ...plan.imports.flatMap((e) => [e.address, e.engineName])]);
  const at = (value: AttrValue, path: readonly string[], e: ImportPlan["imports"][number]): AttrValue => {
    let wrapped: AttrValue = value;
    for (const key of [...path].reverse()) wrapped = { [key]: wrapped };
    const masked = masker.attributes({ attributes: wrapped as Attributes, sensitivePaths: e.sensitivePaths, identifierPaths: e.identifierPaths });
    return path.reduce<AttrValue>((v, key) => (v as { [k: string]: AttrValue })[key], masked as AttrValue);
  };
  return {
    ...plan,
    imports: plan.imports.map((e) => ({
      ...e,
      record: {},
      madeBy: masker.text(e.madeBy),
      differences: e.differences.map((d) => ({ ...d, template: at(d.template, d.path, e), running: at(d.running, d.path, e) })),
    })),
  };
}
