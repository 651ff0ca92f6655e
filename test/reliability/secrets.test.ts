import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";
import { Project, projectContainers, report, requireDocker, show, type RunResult } from "./harness.js";

/**
 * A secrets sweep: a template holding known secret values (an environment value under a
 * secret-looking key, a ${VAR} interpolated into a value under a plain key, a value marked with
 * berth.sensitive) goes through every output Berth has — plan text, --json, --markdown, a saved
 * plan file, show of it (text and --json), show and state show of the state, apply output, drift,
 * a change of a secret, error messages — and every file Berth writes is read. Each secret value
 * is searched for everywhere; the state file and its backup are the one place it may be (they
 * must be mode 0600). The case fails on any hit and reports where each one is.
 */
describe("secrets sweep", () => {
  let docker: Docker;
  let p: Project;
  const tag = () => randomBytes(6).toString("hex");
  const secrets = {
    "environment DB_PASSWORD": `relpw${tag()}`,
    "interpolated ${REL_DB_PASSWORD}": `relvar${tag()}`,
    "berth.sensitive GREETING": `relmark${tag()}`,
    "changed DB_PASSWORD": `relpw2${tag()}`,
  };

  function template(password: string, extra = ""): string {
    return (
      "web:\n  image: berth/web:1\n  ports: ['8080']\n" +
      "  environment:\n" +
      `    DB_PASSWORD: '${password}'\n` +
      "    DATABASE_URL: 'mysql://app:${REL_DB_PASSWORD}@db:3306/app'\n" +
      `    GREETING: '${secrets["berth.sensitive GREETING"]}'\n` +
      `  labels:\n    aliyun.scale: '2'\n    aliyun.routing.port_8080: ${p.host}\n    berth.sensitive: GREETING\n${extra}`
    );
  }

  beforeAll(async () => {
    docker = await requireDocker();
    p = await Project.create("secrets");
    p.extraEnv = { REL_DB_PASSWORD: secrets["interpolated ${REL_DB_PASSWORD}"] };
  });
  afterAll(async () => {
    if (p) {
      await p.run("destroy", "--auto-approve").catch(() => {});
      await p.cleanup(docker);
    }
  });

  it("no secret value appears in any output or file Berth writes (state excepted, mode 0600)", async () => {
    const outputs: { name: string; text: string }[] = [];
    const plans = path.join(p.dir, "plans");
    await mkdir(plans);
    const capture = async (name: string, args: string[], expectCode?: number): Promise<RunResult> => {
      const r = await p.run(...args);
      if (expectCode !== undefined) expect(r.code, `${name}\n${show(r)}`).toBe(expectCode);
      outputs.push({ name: `${name} (stdout)`, text: r.stdout }, { name: `${name} (stderr)`, text: r.stderr });
      return r;
    };

    // 1. A first plan in every format, saved, shown, applied.
    await writeFile(p.file, template(secrets["environment DB_PASSWORD"]));
    await capture("plan", ["plan"], 0);
    await capture("plan --json", ["plan", "--json"], 0);
    await capture("plan --markdown", ["plan", "--markdown"], 0);
    await capture("plan --detailed-exitcode", ["plan", "--detailed-exitcode"], 2);
    await capture("plan --out", ["plan", "--out", path.join(plans, "first.plan")], 0);
    await capture("show PLANFILE", ["show", path.join(plans, "first.plan")], 0);
    await capture("show PLANFILE --json", ["show", path.join(plans, "first.plan"), "--json"], 0);
    await capture("apply PLANFILE", ["apply", path.join(plans, "first.plan")], 0);
    await capture("show", ["show"], 0);
    await capture("show --json", ["show", "--json"], 0);
    await capture("state list", ["state", "list"], 0);
    await capture("state show container.web[0]", ["state", "show", "container.web[0]"], 0);
    await capture("plan after apply", ["plan"], 0);

    // 2. Drift: a replica removed behind Berth's back; the recorded values are what drifted.
    const [first] = await projectContainers(docker, p.name);
    await docker.getContainer(first.Id).remove({ force: true });
    await capture("plan with drift", ["plan"], 0);
    await capture("plan --json with drift", ["plan", "--json"], 0);
    await capture("plan --markdown with drift", ["plan", "--markdown"], 0);
    await capture("plan --refresh-only with drift", ["plan", "--refresh-only"]);
    await capture("plan --out with drift", ["plan", "--out", path.join(plans, "drift.plan")], 0);
    await capture("show PLANFILE with drift", ["show", path.join(plans, "drift.plan")], 0);
    await capture("show PLANFILE --json with drift", ["show", path.join(plans, "drift.plan"), "--json"], 0);
    await capture("apply repairing drift", ["apply", "--auto-approve"], 0);

    // 3. A secret changes (a replacement whose diff is about a secret).
    await writeFile(p.file, template(secrets["changed DB_PASSWORD"]));
    await capture("plan of a changed secret", ["plan"], 0);
    await capture("plan --json of a changed secret", ["plan", "--json"], 0);
    await capture("plan --markdown of a changed secret", ["plan", "--markdown"], 0);
    await capture("apply of a changed secret", ["apply", "--auto-approve"], 0);

    // 4. Error messages: a stale saved plan, an unknown address, a template with a mistake beside the secrets.
    await capture("apply stale PLANFILE (error)", ["apply", path.join(plans, "drift.plan")], 1);
    await capture("state show unknown (error)", ["state", "show", "container.nope[9]"], 1);
    await writeFile(p.file, template(secrets["changed DB_PASSWORD"], "    aliyun.scale_typo: x\n  restart: sometimes\n"));
    await capture("validate of a broken template (error)", ["validate"], 1);
    await capture("plan of a broken template (error)", ["plan"], 1);
    await writeFile(p.file, template(secrets["changed DB_PASSWORD"]));

    // 5. Every file Berth wrote: the template folder (plans, .berth) and the router's folder.
    const statePath = p.statePath;
    const stateFiles = [statePath, `${statePath}.backup`];
    for (const f of stateFiles) expect((await stat(f)).mode & 0o777, `${f} is mode 0600`).toBe(0o600);
    const files: { name: string; text: string }[] = [];
    for (const file of await walk(p.dir)) {
      if (file === p.file || stateFiles.includes(file)) continue;
      files.push({ name: path.relative(p.dir, file), text: await readFile(file, "latin1") });
    }

    const hits: string[] = [];
    for (const where of [...outputs, ...files]) {
      for (const [kind, value] of Object.entries(secrets)) {
        const count = where.text.split(value).length - 1;
        if (count > 0) hits.push(`${where.name}: ${kind} ×${count}`);
      }
    }
    const total = hits.reduce((n, h) => n + Number(/×(\d+)$/.exec(h)![1]), 0);
    // The sweep would be blind if the values never reached Berth: the state holds them.
    const state = await readFile(statePath, "utf8");
    const inState = Object.values(secrets).filter((v) => state.includes(v)).length;
    report(
      "secrets",
      `${Object.keys(secrets).length} secret values; ${outputs.length / 2} commands (stdout and stderr) and ${files.length} files searched; ` +
        `${total} hits${hits.length ? `:\n  ${hits.join("\n  ")}` : ""}; the state (mode 0600) holds ${inState} of the values currently applied`,
    );
    expect(inState, "the state holds the applied secrets, so the values did reach Berth").toBeGreaterThanOrEqual(3);
    expect(hits, "no secret value in any output or file").toEqual([]);
  });
});

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}
