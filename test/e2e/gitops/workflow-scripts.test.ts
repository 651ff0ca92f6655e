/**
 * The scripts the GitOps workflow runs besides berth: the policy check on the JSON plan
 * (examples/gitops/policy/check-plan.mjs, as a command) and the comment and artifact logic
 * github-script calls (examples/gitops/.github/scripts/berth-gitops.mjs, against a fake GitHub).
 * No engine needed.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runProcess, type RunResult } from "../helpers.js";

const POLICY = path.join(ROOT, "examples/gitops/policy/check-plan.mjs");

interface Comment {
  id: number;
  body: string;
  user: { login: string; type: string };
}
interface FakeContext {
  repo: { owner: string; repo: string };
  issue: { number: number };
  eventName: string;
  sha: string;
  runId: number;
}
interface Gitops {
  hiddenMarker(env: string, part: number): string;
  commentBodies(markdown: string, env: string, maxChars?: number): string[];
  planFailureMarkdown(o: { env: string; project: string; stderr: string }): string;
  syncPlanComments(o: { github: unknown; context: FakeContext; env: string; markdown: string; author?: string }): Promise<{
    created: number[];
    updated: number[];
    unchanged: number[];
    deleted: number[];
  }>;
  findReviewedPlan(o: { github: unknown; context: FakeContext; env: string }): Promise<{ name: string; runId: number; headSha: string; pr: number | null }>;
}

const gitops = (): Promise<Gitops> => import(pathToFileURL(path.join(ROOT, "examples/gitops/.github/scripts/berth-gitops.mjs")).href);

function policy(args: string[], stdin?: string): Promise<RunResult> {
  return runProcess(process.execPath, [POLICY, ...args], { input: stdin });
}

function change(address: string, actions: string[], before: object | null, after: object | null) {
  return { address, type: "container", change: { actions, before, after } };
}

describe("policy/check-plan.mjs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "berth-policy-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const protectedDb = { labels: { "berth.protect": "true" }, ports: [] };
  const web = (host: number | null) => ({ labels: {}, ports: [{ container_port: 8080, host_ip: "127.0.0.1", host_port: host, protocol: "tcp" }] });

  it("passes a plan that deletes nothing protected and publishes no low port (file argument)", async () => {
    const plan = {
      format_version: "1.0",
      project: "shop",
      resource_changes: [
        change("container.web[0]", ["delete", "create"], web(null), web(null)),
        change("container.web[1]", ["create"], null, web(8081)),
        change("container.db[0]", ["no-op"], protectedDb, protectedDb),
        change("container.old[0]", ["delete"], web(80), null),
      ],
    };
    const file = path.join(dir, "ok.json");
    await writeFile(file, JSON.stringify(plan));
    const r = await policy([file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("policy: passed (4 resource changes checked for project shop)");
  });

  it("fails with one line per violation, each naming the address (stdin)", async () => {
    const plan = {
      resource_changes: [
        change("container.db[0]", ["delete"], protectedDb, null),
        change("container.cache[0]", ["create", "delete"], { labels: { "berth.protect": "TRUE" } }, { labels: {} }),
        change("container.proxy[0]", ["create"], null, web(80)),
        change("container.proxy[1]", ["update"], web(8080), web(443)),
        change("container.fine[0]", ["create"], null, web(1024)),
      ],
    };
    const r = await policy([], JSON.stringify(plan));
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toEqual([
      'policy violation: container.db[0]: the plan deletes a container labelled berth.protect: "true" (actions: delete)',
      'policy violation: container.cache[0]: the plan replaces a container labelled berth.protect: "true" (actions: create, delete)',
      "policy violation: container.proxy[0]: publishes host port 80 → 8080/tcp, below 1024",
      "policy violation: container.proxy[1]: publishes host port 443 → 8080/tcp, below 1024",
      "policy: 4 violations; the plan must not be applied",
    ]);
  });

  it("exits 2 on input that is not a JSON plan", async () => {
    const r = await policy(["-"], "not json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^policy: cannot check stdin/);
  });
});

describe("berth-gitops.mjs: comments and reviewed plans", () => {
  function fakeGithub(comments: Comment[], extra: Record<string, unknown> = {}) {
    let next = 1000;
    const calls: string[] = [];
    const github = {
      paginate: async (fn: (p: object) => Promise<{ data: unknown }>, params: object) => {
        const { data } = await fn(params);
        return Array.isArray(data) ? data : (data as { artifacts: unknown[] }).artifacts;
      },
      rest: {
        issues: {
          listComments: async () => ({ data: comments.map((c) => ({ ...c })) }),
          createComment: async ({ body }: { body: string }) => {
            const c = { id: next++, body, user: { login: "github-actions[bot]", type: "Bot" } };
            comments.push(c);
            calls.push(`create ${c.id}`);
            return { data: c };
          },
          updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
            const c = comments.find((x) => x.id === comment_id);
            if (!c) throw new Error(`no comment ${comment_id}`);
            c.body = body;
            calls.push(`update ${comment_id}`);
            return { data: c };
          },
          deleteComment: async ({ comment_id }: { comment_id: number }) => {
            comments.splice(
              comments.findIndex((x) => x.id === comment_id),
              1,
            );
            calls.push(`delete ${comment_id}`);
            return { data: {} };
          },
        },
        ...extra,
      },
    };
    return { github, calls, comments };
  }
  const context: FakeContext = { repo: { owner: "o", repo: "r" }, issue: { number: 7 }, eventName: "pull_request", sha: "c0ffee", runId: 99 };
  const bot = (id: number, body: string): Comment => ({ id, body, user: { login: "github-actions[bot]", type: "Bot" } });
  const human = (id: number, body: string): Comment => ({ id, body, user: { login: "alice", type: "User" } });
  const twoParts = "### Berth plan for `shop-staging` (part 1 of 2)\n\nA\n\n_continued in the next comment_\n\n<!-- berth:comment-split -->\n### Berth plan for `shop-staging` (part 2 of 2)\n\nB\n";

  it("creates one comment per part, then leaves them alone when the plan is unchanged", async () => {
    const g = await gitops();
    const fake = fakeGithub([human(1, "looks good")]);
    const first = await g.syncPlanComments({ github: fake.github, context, env: "staging", markdown: twoParts });
    expect(first.created).toHaveLength(2);
    expect(fake.comments.map((c) => c.body.split("\n")[0])).toEqual([
      "looks good",
      "<!-- berth:plan staging part 1 -->",
      "<!-- berth:plan staging part 2 -->",
    ]);
    const again = await g.syncPlanComments({ github: fake.github, context, env: "staging", markdown: twoParts });
    expect(again).toEqual({ created: [], updated: [], unchanged: first.created, deleted: [] });
  });

  it("updates earlier parts in place and deletes surplus ones, touching nothing else", async () => {
    const g = await gitops();
    const fake = fakeGithub([
      bot(1, `${g.hiddenMarker("staging", 1)}\nold part 1`),
      human(2, `${g.hiddenMarker("staging", 2)}\nquoted by a person`),
      bot(3, `${g.hiddenMarker("staging", 2)}\nold part 2`),
      bot(4, `${g.hiddenMarker("staging", 3)}\nold part 3`),
      bot(5, `${g.hiddenMarker("production", 1)}\nproduction`),
      bot(6, `${g.hiddenMarker("staging", 1)}\na duplicate`),
    ]);
    const markdown = "### Berth plan for `shop-staging`\n\n**No changes.** Your infrastructure matches the configuration.\n";
    const r = await g.syncPlanComments({ github: fake.github, context, env: "staging", markdown });
    expect(r).toEqual({ created: [], updated: [1], unchanged: [], deleted: [3, 4, 6] });
    expect(fake.comments.map((c) => c.id)).toEqual([1, 2, 5]);
    expect(fake.comments[0].body).toBe(`<!-- berth:plan staging part 1 -->\n${markdown}`);
  });

  it("turns a failed plan into one comment quoting the error", async () => {
    const g = await gitops();
    const md = g.planFailureMarkdown({ env: "staging", project: "shop-staging", stderr: "Error: container.db[0]: the plan would delete ```x```\n" });
    expect(md).toContain("### Berth plan for `shop-staging` failed");
    expect(md).toContain("Error: container.db[0]: the plan would delete '''x'''");
    expect((md.match(/^```/gm) ?? []).length).toBe(2);
    expect(g.commentBodies(md, "staging")).toHaveLength(1);
  });

  it("finds the artifact of the plan reviewed on the merged pull request's head", async () => {
    const g = await gitops();
    const artifacts = [
      { id: 1, name: "berth-plan-staging-abc", expired: false, created_at: "2024-01-01T10:00:00Z", workflow_run: { id: 11 } },
      { id: 2, name: "berth-plan-staging-abc", expired: false, created_at: "2024-01-01T12:00:00Z", workflow_run: { id: 12 } },
      { id: 3, name: "berth-plan-staging-abc", expired: true, created_at: "2024-01-02T12:00:00Z", workflow_run: { id: 13 } },
    ];
    const fake = fakeGithub([], {
      repos: {
        listPullRequestsAssociatedWithCommit: async () => ({
          data: [
            { number: 3, merged_at: null, merge_commit_sha: "x", head: { sha: "zzz" } },
            { number: 5, merged_at: "2024-01-03", merge_commit_sha: "m3rge", head: { sha: "abc" } },
          ],
        }),
      },
      actions: { listArtifactsForRepo: async ({ name }: { name: string }) => ({ data: { artifacts: artifacts.filter((a) => a.name === name) } }) },
    });
    const push = { ...context, eventName: "push", sha: "m3rge" };
    expect(await g.findReviewedPlan({ github: fake.github, context: push, env: "staging" })).toEqual({
      name: "berth-plan-staging-abc",
      runId: 12,
      headSha: "abc",
      pr: 5,
    });
    await expect(g.findReviewedPlan({ github: fake.github, context: push, env: "production" })).rejects.toThrow(
      /no reviewed plan 'berth-plan-production-abc' for pull request #5/,
    );
    const direct = fakeGithub([], { repos: { listPullRequestsAssociatedWithCommit: async () => ({ data: [] }) } });
    await expect(g.findReviewedPlan({ github: direct.github, context: push, env: "staging" })).rejects.toThrow(/not merged from a pull request/);
    const dispatch = { ...context, eventName: "workflow_dispatch", sha: "main1" };
    expect(await g.findReviewedPlan({ github: direct.github, context: dispatch, env: "staging" })).toEqual({
      name: "berth-plan-staging-main1",
      runId: 99,
      headSha: "main1",
      pr: null,
    });
  });
});
