#!/usr/bin/env node
/**
 * Policy check for a Berth plan in Terraform's JSON plan shape (`berth plan --json`,
 * `berth show PLANFILE --json`). Plain Node, no dependencies.
 *
 *   node policy/check-plan.mjs plan.json
 *   berth show plan.berth --json | node policy/check-plan.mjs
 *
 * Rules, over resource_changes[]:
 *   1. a container whose labels (change.before.labels) hold berth.protect: "true" must not be
 *      deleted, and so not replaced either (actions ["delete","create"] / ["create","delete"]);
 *   2. a container that is created or updated must not publish a host port below 1024
 *      (change.after.ports[].host_port; null means Docker picks a free high port).
 *
 * Exit 0 when the plan passes; 1 with one line per violation on stderr, each naming the
 * resource address; 2 when the input is not a JSON plan.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const PROTECT_LABEL = "berth.protect";
export const LOWEST_UNPRIVILEGED_PORT = 1024;

/** @returns {string[]} one message per violation, each starting with the resource address */
export function checkPlan(plan) {
  if (plan === null || typeof plan !== "object" || Array.isArray(plan)) throw new TypeError("the plan is not a JSON object");
  const changes = plan.resource_changes ?? [];
  if (!Array.isArray(changes)) throw new TypeError("resource_changes is not a list");
  const violations = [];
  for (const rc of changes) {
    const address = String(rc?.address ?? "(no address)");
    const actions = Array.isArray(rc?.change?.actions) ? rc.change.actions : [];
    const before = rc?.change?.before ?? null;
    const after = rc?.change?.after ?? null;

    if (actions.includes("delete") && isProtected(before)) {
      const what = actions.includes("create") ? "replaces" : "deletes";
      violations.push(`${address}: the plan ${what} a container labelled ${PROTECT_LABEL}: "true" (actions: ${actions.join(", ")})`);
    }

    if ((actions.includes("create") || actions.includes("update")) && after && Array.isArray(after.ports)) {
      for (const port of after.ports) {
        const host = port?.host_port;
        if (host === null || host === undefined || host === "") continue;
        const n = Number(host);
        if (Number.isInteger(n) && n > 0 && n < LOWEST_UNPRIVILEGED_PORT) {
          const target = port.container_port !== undefined ? ` → ${port.container_port}/${port.protocol ?? "tcp"}` : "";
          violations.push(`${address}: publishes host port ${n}${target}, below ${LOWEST_UNPRIVILEGED_PORT}`);
        }
      }
    }
  }
  return violations;
}

function isProtected(attrs) {
  const value = attrs?.labels?.[PROTECT_LABEL];
  return value !== undefined && value !== null && String(value).toLowerCase() === "true";
}

function readInput(file) {
  if (file && file !== "-") return readFileSync(file, "utf8");
  return readFileSync(0, "utf8");
}

function main(argv) {
  const file = argv[0];
  if (file === "-h" || file === "--help") {
    process.stdout.write("usage: check-plan.mjs [PLAN.json]   (reads stdin without a file)\n");
    return 0;
  }
  let plan;
  try {
    plan = JSON.parse(readInput(file));
    const violations = checkPlan(plan);
    if (violations.length > 0) {
      for (const v of violations) process.stderr.write(`policy violation: ${v}\n`);
      process.stderr.write(`policy: ${violations.length} violation${violations.length === 1 ? "" : "s"}; the plan must not be applied\n`);
      return 1;
    }
  } catch (e) {
    process.stderr.write(`policy: cannot check ${file && file !== "-" ? file : "stdin"}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const n = plan.resource_changes?.length ?? 0;
  process.stdout.write(`policy: passed (${n} resource change${n === 1 ? "" : "s"} checked for project ${plan.project ?? "?"})\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
