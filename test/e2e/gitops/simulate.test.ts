/**
 * examples/gitops: the GitOps workflow simulated against the real Docker engine
 * (examples/gitops/simulate.sh), the pull-request comment as a golden file, determinism of
 * every plan view, and comment splitting of a very large plan through the CLI.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectGolden } from "../../unit/golden.js";
import { ROOT, berth, projectContainers, removeProject, requireDocker } from "../helpers.js";

const GITOPS = path.join(ROOT, "examples/gitops");
const SIMULATE = path.join(GITOPS, "simulate.sh");
const PREFIX = "gitopsgolden";
const PROJECTS = [`${PREFIX}-staging`, `${PREFIX}-production`];
const SPLIT = "\n<!-- berth:comment-split -->\n";
const GITHUB_MAX_CHARS = 65_536;

/** The workflow's comment helper (plain ESM, loaded by URL: the test sees it as the workflow does). */
async function gitopsScripts(): Promise<{ commentBodies(markdown: string, env: string, maxChars?: number): string[] }> {
  return import(pathToFileURL(path.join(GITOPS, ".github/scripts/berth-gitops.mjs")).href);
}

interface Run {
  code: number;
  output: string;
  ms: number;
}

function runScript(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output, ms: performance.now() - started }));
  });
}

/**
 * What differs between two runs or two machines, and nothing else: image IDs (the same local
 * build gives the same ID, another machine's build another), container IDs and the host ports
 * Docker picked.
 */
export function normalizeVolatile(markdown: string): string {
  return markdown
    .replace(/sha256:[0-9a-f]{64}/g, "sha256:<id>")
    .replace(/"[0-9a-f]{64}"/g, '"<container-id>"')
    .replace(/("\d+\/(?:tcp|udp)" = )\d+/g, "$1<host-port>");
}

describe("examples/gitops/simulate.sh against the real engine", () => {
  let docker: Docker;
  let out: string;
  let run: Run;
  const read = (file: string) => readFile(path.join(out, file), "utf8");

  beforeAll(async () => {
    docker = await requireDocker();
    for (const p of PROJECTS) await removeProject(docker, p);
    out = await mkdtemp(path.join(tmpdir(), "berth-gitops-"));
    // The built CLI and local state files, whatever the caller's environment says.
    run = await runScript([SIMULATE, out], { GITOPS_PROJECT: PREFIX, BERTH: undefined, BERTH_STATE: undefined });
  });

  afterAll(async () => {
    if (docker) for (const p of PROJECTS) await removeProject(docker, p);
    if (out) await rm(out, { recursive: true, force: true });
  });

  it("runs every step, meets every expectation and exits 0", async () => {
    expect(run.code, `simulate.sh failed:\n${run.output.slice(-6000)}`).toBe(0);
    const expectations = await read("expectations.txt");
    expect(expectations).not.toMatch(/^FAIL/m);
    expect(expectations.split("\n").filter((l) => l.startsWith("PASS")).length).toBeGreaterThanOrEqual(35);
    console.log(`simulate.sh took ${(run.ms / 1000).toFixed(1)} s`);
  });

  it("posts the committed change as the golden pull-request comment", async () => {
    const markdown = await read("pr-1-scale-web/staging/plan.md");
    expect(markdown).not.toContain(out); // no tmp path leaks into the comment
    expectGolden(new URL("./golden/pr-comment.md", import.meta.url), normalizeVolatile(markdown));
    // The body posted on GitHub: the hidden marker the next run finds it by, then the plan.
    expect(await read("pr-1-scale-web/staging/comment-1.md")).toBe(`<!-- berth:plan staging part 1 -->\n${markdown}`);
    expect(await read("pr-1-scale-web/production/comment-1.md")).toContain("**No changes.**");
  });

  it("renders a saved plan with `berth show PLANFILE --markdown` exactly as `plan --markdown` did", async () => {
    const planned = await read("pr-1-scale-web/staging/plan.md");
    expect(await read("pr-1-scale-web/staging/show.md")).toBe(planned);
  });

  it("gives byte-identical text, JSON and Markdown for the same template, state and observation", async () => {
    for (const ext of ["txt", "json", "md"]) {
      const [a, b, c] = await Promise.all([1, 2, 3].map((n) => read(`pr-1-scale-web/determinism/run-${n}.${ext}`)));
      expect(a.length, ext).toBeGreaterThan(100);
      expect(b, `run 2 of plan (${ext})`).toBe(a);
      expect(c, `run 3 of plan (${ext})`).toBe(a);
    }
    const json = JSON.parse(await read("pr-1-scale-web/determinism/run-1.json"));
    expect(json.resource_changes.map((c: { address: string; change: { actions: string[] } }) => `${c.address} ${c.change.actions.join("/")}`)).toEqual(
      expect.arrayContaining(["container.web[0] delete/create", "container.web[1] create"]),
    );
    expect(await read("pr-1-scale-web/determinism/run-1.md")).toBe(await read("pr-1-scale-web/staging/plan.md"));
  });

  it("applies the reviewed plan after the merge", async () => {
    const apply = await read("pr-1-scale-web/staging/apply.txt");
    expect(apply).toContain("container.web[0]: Replacement complete");
    expect(apply).toContain("container.web[1]: Creation complete");
    expect(await read("pr-1-scale-web/production/apply.txt")).toContain("changes nothing; not applied");
  });

  it("refuses the older plan once a second change planned from the same main was merged and applied first", async () => {
    expect(await read("pr-2-scale-3/staging/apply.txt")).toContain("Apply complete!");
    const refused = await read("pr-3-add-worker/staging/apply.txt");
    expect(refused).toMatch(/stale/);
    expect(refused).not.toContain("Apply complete!");
    const expectations = await read("expectations.txt");
    expect(expectations).toContain("PASS  pr 3: its reviewed plan is refused, the state moved since it was made (exit 1)");
    expect(await read("replan-main/staging/apply.txt")).toContain("container.worker[0]: Creation complete");
  });

  it("refuses to plan the removal of a berth.prevent_destroy service, and the policy refuses it with --allow-destroy", async () => {
    expect(await read("pr-4-drop-db/staging/plan.stderr")).toMatch(/container\.db\[0\].*berth\.prevent_destroy/);
    expect(await read("pr-4-drop-db/staging/policy.txt")).toContain("container.db[0]: the plan deletes a container labelled berth.protect");
    expect(await read("pr-5-proxy-80/staging/policy.txt")).toContain("container.proxy[0]: publishes host port 80");
  });

  it("destroys both projects at the end", async () => {
    for (const p of PROJECTS) expect(await projectContainers(docker, p), p).toEqual([]);
  });
});

describe("comment splitting through the CLI", () => {
  const SERVICES = 3000;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "berth-split-"));
    let template = "";
    for (let i = 0; i < SERVICES; i++) {
      template += `svc${i}:\n  image: berth/web:1\n  ports:\n    - '8080'\n  environment:\n    SHOP_ENV: staging\n`;
    }
    await writeFile(path.join(dir, "docker-compose.yml"), template);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Every container.svcN[0] whose diff the text does not hold. */
  function missingAddresses(text: string): string[] {
    const found = new Set(Array.from(text.matchAll(/# (container\.svc\d+\[0\]) will be created/g), (m) => m[1]));
    return Array.from({ length: SERVICES }, (_, i) => `container.svc${i}[0]`).filter((a) => !found.has(a));
  }

  it(`splits a ${SERVICES}-service plan into parts within GitHub's limit that hold every address`, async () => {
    const r = await berth(["plan", "-f", "docker-compose.yml", "-p", "split3000", "--state", "state.json", "--no-refresh", "--markdown"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const parts = r.stdout.replace(/\n$/, "").split(SPLIT);
    expect(parts.length).toBeGreaterThan(10);
    for (const [i, part] of parts.entries()) {
      expect(part.length, `part ${i + 1}`).toBeLessThanOrEqual(GITHUB_MAX_CHARS);
      expect(part, `part ${i + 1} title`).toContain(`(part ${i + 1} of ${parts.length})`);
      expect((part.match(/^```/gm) ?? []).length % 2, `part ${i + 1}: code fences balanced`).toBe(0);
      expect((part.match(/<details>/g) ?? []).length, `part ${i + 1}: <details> balanced`).toBe((part.match(/<\/details>/g) ?? []).length);
    }
    expect(missingAddresses(parts.join(""))).toEqual([]);

    // The bodies the workflow posts (hidden marker first) stay within the limit too, also when
    // the marker pushes a full part over it and sections must move on to the next comment.
    const { commentBodies } = await gitopsScripts();
    for (const max of [GITHUB_MAX_CHARS, 40_000]) {
      const bodies: string[] = commentBodies(r.stdout, "staging", max);
      expect(bodies.length).toBeGreaterThanOrEqual(max === GITHUB_MAX_CHARS ? parts.length : parts.length + 1);
      for (const [i, body] of bodies.entries()) {
        expect(body.length, `body ${i + 1} of ${max}`).toBeLessThanOrEqual(max);
        expect(body.startsWith(`<!-- berth:plan staging part ${i + 1} -->\n`)).toBe(true);
        expect((body.match(/^```/gm) ?? []).length % 2).toBe(0);
      }
      expect(missingAddresses(bodies.join("")), `bodies of at most ${max} characters`).toEqual([]);
    }
  });
});
