/**
 * The GitHub side of the Berth GitOps workflow, called from actions/github-script
 * (`await import('${{ github.workspace }}/.github/scripts/berth-gitops.mjs')`) and from
 * simulate.sh. Plain Node ESM, no dependencies: `github` is the Octokit client github-script
 * hands over, `context` its event context.
 *
 *   commentBodies(markdown, env)          the comment bodies for `berth plan --markdown` output
 *   planFailureMarkdown({env, project, stderr})
 *                                         the comment for a plan that failed
 *   syncPlanComments({github, context, env, markdown})
 *                                         posts or updates one comment per part, deletes surplus
 *   findReviewedPlan({github, context, env})
 *                                         the artifact holding the plan reviewed for the merged PR
 */

/** The line `berth plan --markdown` puts between two comment parts. */
export const SPLIT_MARKER = "<!-- berth:comment-split -->";
/** The notice ending every part but the last. */
export const CONTINUED = "_continued in the next comment_";
/** GitHub refuses comment bodies longer than this. */
export const GITHUB_MAX_CHARS = 65_536;

/** The hidden first line that lets the next run find (and update) this comment. */
export function hiddenMarker(env, part) {
  return `<!-- berth:plan ${env} part ${part} -->`;
}

/** The artifact a plan job uploads and the apply job downloads: one per environment and PR head. */
export function artifactName(env, sha) {
  return `berth-plan-${env}-${sha}`;
}

/**
 * One comment body per part of `berth plan --markdown` output, each starting with its hidden
 * marker. Berth keeps every part within GitHub's limit, but the marker line adds a few dozen
 * characters; a part that no longer fits hands its last <details> sections on to the next part
 * (or to a new, last one), so no body ever exceeds `maxChars` and no section is cut.
 */
export function commentBodies(markdown, env, maxChars = GITHUB_MAX_CHARS) {
  if (!/^[A-Za-z0-9_.-]+$/.test(env)) throw new Error(`environment name '${env}' must be letters, digits, '.', '_' or '-'`);
  const parts = markdown
    .replace(/\r\n/g, "\n")
    .replace(/\n+$/, "\n")
    .split(`\n${SPLIT_MARKER}\n`)
    .map((p) => (p.endsWith("\n") ? p : `${p}\n`));
  const bodies = [];
  for (let i = 0; i < parts.length; i++) {
    const marker = hiddenMarker(env, i + 1);
    const room = maxChars - marker.length - 1;
    let part = parts[i];
    if (part.length > room) {
      const [head, moved] = splitOff(part, room);
      part = head;
      if (i + 1 < parts.length) parts[i + 1] = insertAfterTitle(parts[i + 1], moved);
      else parts.push(`${titleOf(part).replace(/ \(part \d+ of \d+\)$/, "")} (continued)\n\n${moved}\n`);
    }
    bodies.push(`${marker}\n${part}`);
  }
  return bodies;
}

/** `part` cut before one of its <details> sections: [head ending with the notice, the rest]. */
function splitOff(part, room) {
  const notice = `\n\n${CONTINUED}\n`;
  const core = part.endsWith(notice) ? part.slice(0, -notice.length) : part.replace(/\n$/, "");
  const cut = core.lastIndexOf("\n\n<details>", room - notice.length);
  // The head keeps at least its title and one block after it (the summary, or a section).
  if (cut <= titleOf(core).length) {
    throw new Error(`a plan comment part of ${part.length} characters has no <details> section to move; cannot fit it in ${room}`);
  }
  return [`${core.slice(0, cut)}${notice}`, core.slice(cut + 2)];
}

function titleOf(part) {
  const nl = part.indexOf("\n");
  return nl === -1 ? part : part.slice(0, nl);
}

function insertAfterTitle(part, moved) {
  const at = part.indexOf("\n\n");
  return at === -1 ? `${part}\n${moved}\n` : `${part.slice(0, at + 2)}${moved}\n\n${part.slice(at + 2)}`;
}

/**
 * The comment for a plan that failed (an invalid template, a refused deletion of a
 * berth.prevent_destroy service, an unreachable engine): the error as berth printed it.
 */
export function planFailureMarkdown({ env, project, stderr }) {
  const text = stderr.replace(/\r\n/g, "\n").trimEnd().replace(/`{3,}/g, (m) => m.replace(/`/g, "'"));
  return [
    `### Berth plan for \`${project}\` failed`,
    "",
    `\`berth plan\` refused the \`${env}\` template; nothing can be applied until the plan succeeds.`,
    "",
    "```text",
    text.length > 60_000 ? `${text.slice(0, 60_000)}\n…(truncated)` : text,
    "```",
    "",
  ].join("\n");
}

/**
 * Makes the pull request's comments for `env` match the plan: part N updates the earlier comment
 * carrying the marker of part N (left alone when unchanged), missing parts are created, and
 * comments of parts the plan no longer has (or duplicates) are deleted. Only comments written by
 * a bot (github-actions[bot] with the workflow's token), or by `author` when given, are touched.
 */
export async function syncPlanComments({ github, context, env, markdown, author, log = () => {} }) {
  const bodies = commentBodies(markdown, env);
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const existing = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const pattern = new RegExp(`^<!-- berth:plan ${env.replace(/[.]/g, "\\.")} part (\\d+) -->`);
  const byPart = new Map();
  const surplus = [];
  for (const c of existing) {
    const ours = author ? c.user?.login === author : c.user?.type === "Bot";
    const m = ours ? pattern.exec(c.body ?? "") : null;
    if (!m) continue;
    const n = Number(m[1]);
    if (n >= 1 && n <= bodies.length && !byPart.has(n)) byPart.set(n, c);
    else surplus.push(c);
  }
  const result = { created: [], updated: [], unchanged: [], deleted: [] };
  for (let n = 1; n <= bodies.length; n++) {
    const body = bodies[n - 1];
    const old = byPart.get(n);
    if (old && old.body === body) {
      result.unchanged.push(old.id);
    } else if (old) {
      await github.rest.issues.updateComment({ owner, repo, comment_id: old.id, body });
      result.updated.push(old.id);
      log(`updated comment ${old.id} (${env} part ${n})`);
    } else {
      const { data } = await github.rest.issues.createComment({ owner, repo, issue_number, body });
      result.created.push(data.id);
      log(`created comment ${data.id} (${env} part ${n})`);
    }
  }
  for (const c of surplus) {
    await github.rest.issues.deleteComment({ owner, repo, comment_id: c.id });
    result.deleted.push(c.id);
    log(`deleted comment ${c.id} (a ${env} part the plan no longer has)`);
  }
  return result;
}

/**
 * Which artifact holds the reviewed plan. For a push to the default branch: the pull request
 * merged as this commit, and the newest unexpired artifact of the plan made for its head commit.
 * For workflow_dispatch (re-plan main, then apply): the artifact this very run's plan job made.
 * Throws with a message fit for the job log.
 */
export async function findReviewedPlan({ github, context, env }) {
  const { owner, repo } = context.repo;
  if (context.eventName === "workflow_dispatch") {
    return { name: artifactName(env, context.sha), runId: context.runId, headSha: context.sha, pr: null };
  }
  if (context.eventName !== "push") throw new Error(`there is no reviewed plan to apply on a ${context.eventName} event`);
  const { data: prs } = await github.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: context.sha });
  const merged = prs.filter((p) => p.merged_at);
  const pr = merged.find((p) => p.merge_commit_sha === context.sha) ?? merged[0];
  if (!pr) {
    throw new Error(
      `commit ${context.sha} was not merged from a pull request: there is no reviewed plan to apply ` +
        "(open a pull request, or run the workflow by hand to re-plan main)",
    );
  }
  const name = artifactName(env, pr.head.sha);
  const artifacts = await github.paginate(github.rest.actions.listArtifactsForRepo, { owner, repo, name, per_page: 100 });
  const newest = artifacts
    .filter((a) => a.name === name && !a.expired)
    .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)))[0];
  if (!newest) {
    throw new Error(
      `no reviewed plan '${name}' for pull request #${pr.number} (head ${pr.head.sha}): its plan job did not pass ` +
        "(the policy?) or the artifact expired; run the workflow by hand to re-plan main",
    );
  }
  return { name, runId: newest.workflow_run.id, headSha: pr.head.sha, pr: pr.number };
}
