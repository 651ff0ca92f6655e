/**
 * The GitOps example's scheduled drift report: the workflow (.github/workflows/berth-drift.yml)
 * and the script it calls (.github/scripts/berth-drift.mjs), against a fake GitHub and, for the
 * plans it reads, the real Docker engine.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { parse } from "yaml";
import { ROOT, berth, removeProject, requireDocker, uniqueProject } from "../helpers.js";

interface Issue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  state_reason?: string;
  labels: string[];
  user: { login: string; type: string };
  comments: string[];
}
interface DriftResult {
  opened: number | null;
  updated: number | null;
  unchanged: number | null;
  closed: number[];
}
interface Drift {
  DRIFT_LABEL: string;
  driftMarker(env: string): string;
  syncDriftIssue(o: { github: unknown; context: unknown; env: string; project: string; markdown: string; planCode: string | number; runUrl?: string }): Promise<DriftResult>;
}

const SCRIPT = path.join(ROOT, "examples/gitops/.github/scripts/berth-drift.mjs");
const WORKFLOW = path.join(ROOT, "examples/gitops/.github/workflows/berth-drift.yml");
const drift = (): Promise<Drift> => import(pathToFileURL(SCRIPT).href);
const context = { repo: { owner: "o", repo: "r" } };

/** Issues as GitHub keeps them; `label` filters like the REST search does. */
function fakeGithub(issues: Issue[]) {
  let next = 100;
  const github = {
    paginate: async (fn: (p: object) => Promise<{ data: unknown[] }>, params: object) => (await fn(params)).data,
    rest: {
      issues: {
        listForRepo: async ({ state, labels }: { state: string; labels: string }) => ({
          data: issues.filter((i) => i.state === state && i.labels.includes(labels)).map((i) => ({ ...i })),
        }),
        create: async ({ title, body, labels }: { title: string; body: string; labels: string[] }) => {
          const issue: Issue = { number: next++, title, body, labels, state: "open", user: { login: "github-actions[bot]", type: "Bot" }, comments: [] };
          issues.push(issue);
          return { data: issue };
        },
        update: async ({ issue_number, ...fields }: { issue_number: number } & Partial<Issue>) => {
          const issue = issues.find((i) => i.number === issue_number)!;
          Object.assign(issue, fields);
          return { data: issue };
        },
        createComment: async ({ issue_number, body }: { issue_number: number; body: string }) => {
          issues.find((i) => i.number === issue_number)!.comments.push(body);
          return { data: {} };
        },
      },
    },
  };
  return { github, issues };
}

describe("berth-drift.yml", () => {
  it("runs on a schedule, plans with --detailed-exitcode and hands the exit code to the script", async () => {
    const workflow = parse(await readFile(WORKFLOW, "utf8"));
    expect(workflow.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    const steps: { name?: string; run?: string; with?: { script?: string }; env?: Record<string, string> }[] = workflow.jobs.drift.steps;
    const plan = steps.find((s) => s.name === "berth plan")!;
    expect(plan.run).toContain("--markdown --detailed-exitcode");
    const sync = steps.find((s) => s.with?.script?.includes("berth-drift.mjs"))!;
    expect(sync.env?.PLAN_CODE).toBe("${{ steps.plan.outputs.code }}");
    expect(sync.with?.script).toContain("syncDriftIssue");
    expect(workflow.jobs.drift.permissions).toEqual({ contents: "read", issues: "write" });
  });
});

describe("berth-drift.mjs against a fake GitHub", () => {
  const human = (n: number, body: string): Issue => ({ number: n, title: "t", body, labels: ["berth-drift"], state: "open", user: { login: "alice", type: "User" }, comments: [] });

  it("opens one issue, leaves it when the report is the same, updates it when it changed, closes it when drift is gone", async () => {
    const d = await drift();
    const fake = fakeGithub([human(1, `${d.driftMarker("staging")}\nquoted by a person`)]);
    const sync = (markdown: string, planCode: number) => d.syncDriftIssue({ github: fake.github, context, env: "staging", project: "shop-staging", markdown, planCode });

    const opened = await sync("### Berth plan\n\nA\n", 2);
    expect(opened.opened).toBe(100);
    expect(fake.issues[1]).toMatchObject({ title: "Berth drift: what runs in staging (shop-staging) differs from the template", labels: ["berth-drift"], state: "open" });
    expect(fake.issues[1].body.startsWith(`${d.driftMarker("staging")}\n`)).toBe(true);
    expect(await sync("### Berth plan\n\nA\n", 2)).toEqual({ opened: null, updated: null, unchanged: 100, closed: [] });
    expect(await sync("### Berth plan\n\nB\n", 2)).toEqual({ opened: null, updated: 100, unchanged: null, closed: [] });
    expect(fake.issues[1].body).toContain("\nB");
    expect(await sync("### Berth plan\n\nNo changes.\n", 0)).toEqual({ opened: null, updated: null, unchanged: null, closed: [100] });
    expect(fake.issues[1]).toMatchObject({ state: "closed", state_reason: "completed" });
    expect(fake.issues[1].comments[0]).toContain("matches the template again");
    // Nothing open and nothing drifted: nothing to do. A person's issue is never touched.
    expect(await sync("x", 0)).toEqual({ opened: null, updated: null, unchanged: null, closed: [] });
    expect(fake.issues[0]).toMatchObject({ state: "open", body: `${d.driftMarker("staging")}\nquoted by a person` });
  });

  it("keeps one issue per environment, and leaves everything as it was when the plan failed", async () => {
    const d = await drift();
    const fake = fakeGithub([]);
    const sync = (env: string, planCode: number | string) => d.syncDriftIssue({ github: fake.github, context, env, project: `shop-${env}`, markdown: "M\n", planCode });
    await sync("staging", 2);
    await sync("production", 2);
    // A second issue of the same environment (two runs raced): the newer one is closed.
    fake.issues.push({ ...fake.issues[0], number: 200, comments: [] });
    expect((await sync("staging", 2)).closed).toEqual([200]);
    await expect(sync("staging", 1)).rejects.toThrow(/berth plan failed \(exit 1\)/);
    expect(fake.issues.filter((i) => i.state === "open").map((i) => i.number)).toEqual([100, 101]);
  });
});

describe("drift report on the real engine", () => {
  let docker: Docker;
  let dir: string;
  const project = uniqueProject("drf");
  const run = (...args: string[]) => berth([...args, "-p", project, "--state", path.join(dir, "state.json")], { cwd: dir });

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await mkdtemp(path.join(tmpdir(), "berth-drift-"));
    await writeFile(path.join(dir, "docker-compose.yml"), "services:\n  web:\n    image: berth/web:1\n    ports:\n      - '127.0.0.1::8080'\n");
  });
  afterAll(async () => {
    if (docker) await removeProject(docker, project);
  });

  it("opens the issue after a hand `docker stop`, and closes it once apply brought it back", async () => {
    const d = await drift();
    const fake = fakeGithub([]);
    const report = async () => {
      const plan = await run("plan", "--markdown", "--detailed-exitcode");
      return d.syncDriftIssue({ github: fake.github, context, env: "staging", project, markdown: plan.stdout, planCode: plan.code });
    };
    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect(await report()).toEqual({ opened: null, updated: null, unchanged: null, closed: [] });

    await docker.getContainer(`${project}_web_1`).stop({ t: 1 });
    expect((await report()).opened).toBe(100);
    expect(fake.issues[0].body).toContain("`container.web[0]` was stopped outside Berth");
    expect((await report()).unchanged).toBe(100);

    expect((await run("apply", "--auto-approve")).code).toBe(0);
    expect((await report()).closed).toEqual([100]);
  });
});
