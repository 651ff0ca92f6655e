/**
 * The drift report of the Berth GitOps example, called from actions/github-script by
 * .github/workflows/berth-drift.yml (on a schedule). Plain Node ESM, no dependencies.
 *
 * `berth plan --markdown --detailed-exitcode` against main's template says whether what runs
 * differs from it (exit 2: it does, through a change made outside Berth or a merge not applied
 * yet; exit 0: it matches). One issue per environment carries the report:
 *
 *   syncDriftIssue({github, context, env, project, markdown, planCode, runUrl})
 *     exit 2: opens the issue, or updates the open one when the report changed
 *     exit 0: closes the open one with a comment saying what runs matches again
 *     anything else: throws (the job fails; the issue is left as it was)
 *
 * The issue is found by its label and the hidden first line of its body, never by its title, and
 * only the workflow's own issues (a bot's, or `author`'s) are touched.
 */

/** The label every drift issue carries: the search for the open one. */
export const DRIFT_LABEL = "berth-drift";
/** The line `berth plan --markdown` puts between two comment parts. */
const SPLIT_MARKER = "<!-- berth:comment-split -->";
/** GitHub refuses issue bodies longer than this. */
const GITHUB_MAX_CHARS = 65_536;

/** The hidden first line of an environment's drift issue. */
export function driftMarker(env) {
  if (!/^[A-Za-z0-9_.-]+$/.test(env)) throw new Error(`environment name '${env}' must be letters, digits, '.', '_' or '-'`);
  return `<!-- berth:drift ${env} -->`;
}

export function driftTitle(env, project) {
  return `Berth drift: what runs in ${env} (${project}) differs from the template`;
}

/**
 * The issue body: the marker, one sentence on what to do, and the plan. A plan longer than an
 * issue allows is cut at a line with a note (the full plan is in the run's summary).
 */
export function driftBody({ env, project, markdown, runUrl }) {
  const plan = markdown.replace(/\r\n/g, "\n").split(`\n${SPLIT_MARKER}\n`).join("\n\n").trimEnd();
  const head = [
    driftMarker(env),
    `What runs in \`${project}\` differs from \`environments/${env}/docker-compose.yml\` on the default branch.`,
    "Either `berth apply` (through a pull request, or by re-running the deploy workflow) makes it match the template again,",
    "or `berth apply --refresh-only` accepts what runs into the state.",
    "This issue is updated while the difference lasts and closed when it is gone.",
    "",
  ].join("\n");
  // The run link changes every run; it stays out of the body so an unchanged report is not rewritten.
  const room = GITHUB_MAX_CHARS - head.length - 200;
  const cut = plan.length > room ? `${plan.slice(0, plan.lastIndexOf("\n", room))}\n\n_…cut here: the whole plan is in the summary of ${runUrl ?? "the workflow run"}_` : plan;
  return `${head}\n${cut}\n`;
}

/** Makes the environment's drift issue match the plan's exit code; returns what it did. */
export async function syncDriftIssue({ github, context, env, project, markdown, planCode, runUrl, author, log = () => {} }) {
  const code = Number(planCode);
  if (code !== 0 && code !== 2) throw new Error(`berth plan failed (exit ${planCode}); the drift issue of ${env} is left as it was`);
  const { owner, repo } = context.repo;
  const marker = driftMarker(env);
  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: "open", labels: DRIFT_LABEL, per_page: 100 });
  const ours = open
    .filter((i) => !i.pull_request && (author ? i.user?.login === author : i.user?.type === "Bot") && (i.body ?? "").startsWith(`${marker}\n`))
    .sort((a, b) => a.number - b.number);
  const [issue, ...duplicates] = ours;
  const result = { opened: null, updated: null, unchanged: null, closed: [] };
  for (const d of duplicates) {
    await github.rest.issues.update({ owner, repo, issue_number: d.number, state: "closed", state_reason: "not_planned" });
    result.closed.push(d.number);
    log(`closed #${d.number}: a second drift issue of ${env}`);
  }
  if (code === 2) {
    const body = driftBody({ env, project, markdown, runUrl });
    const title = driftTitle(env, project);
    if (!issue) {
      const { data } = await github.rest.issues.create({ owner, repo, title, body, labels: [DRIFT_LABEL] });
      result.opened = data.number;
      log(`opened #${data.number}: ${title}`);
    } else if (issue.body !== body) {
      await github.rest.issues.update({ owner, repo, issue_number: issue.number, title, body });
      result.updated = issue.number;
      log(`updated #${issue.number}: the report changed`);
    } else {
      result.unchanged = issue.number;
    }
    return result;
  }
  if (issue) {
    const when = runUrl ? ` ([run](${runUrl}))` : "";
    await github.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: `What runs in \`${project}\` matches the template again${when}: closing.` });
    await github.rest.issues.update({ owner, repo, issue_number: issue.number, state: "closed", state_reason: "completed" });
    result.closed.push(issue.number);
    log(`closed #${issue.number}: what runs matches the template again`);
  }
  return result;
}
