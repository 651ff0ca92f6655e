#!/usr/bin/env bash
# simulate.sh OUT_DIR — the GitOps workflow of .github/workflows/berth.yml, run locally against
# this machine's Docker engine, without GitHub: a throwaway git repository plays the repository,
# branches play pull requests, `git merge` plays the merge button, files in OUT_DIR play the
# comments and artifacts.
#
#   bash examples/gitops/simulate.sh /tmp/gitops-out
#
# Environment:
#   GITOPS_PROJECT   project name prefix (default: unique); projects are <prefix>-staging and
#                    <prefix>-production
#   BERTH_STATE      where state lives: unset → local files OUT_DIR/state/<project>.state.json;
#                    etcd://host:port/prefix → the etcd backend (one key per project);
#                    anything else → a directory for the local state files
#   BERTH            the berth command (default: node <repo>/bin/berth.mjs)
#   MYSQL_ROOT_PASSWORD  the secret the templates interpolate (default: a throwaway value)
#
# Every expectation is checked and listed in OUT_DIR/expectations.txt; the script exits 1 if any
# failed. Whatever happens, both projects are destroyed at the end.
set -uo pipefail

if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  [[ $# -eq 1 ]] && exit 0 || exit 2
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
mkdir -p "$1" || exit 2
OUT=$(cd "$1" && pwd)
PREFIX=${GITOPS_PROJECT:-gitops$(date +%s)$RANDOM}
ENVIRONMENTS=(staging production)
export MYSQL_ROOT_PASSWORD=${MYSQL_ROOT_PASSWORD:-simulate-only-not-a-secret}
export NO_COLOR=1 CI=true BERTH_STOP_TIMEOUT=${BERTH_STOP_TIMEOUT:-1}
if [[ -n ${BERTH:-} ]]; then read -r -a BERTH_CMD <<<"$BERTH"; else BERTH_CMD=(node "$ROOT/bin/berth.mjs"); fi
GITOPS_JS=$HERE/.github/scripts/berth-gitops.mjs
POLICY=$HERE/policy/check-plan.mjs

WORK=$(mktemp -d "${TMPDIR:-/tmp}/berth-gitops.XXXXXX")
REPO=$WORK/repo
STATE_DIR=$OUT/state
case ${BERTH_STATE:-} in
  "") ;;
  etcd://*) ;;
  *) STATE_DIR=$BERTH_STATE ;;
esac

FAILED=0
: >"$OUT/expectations.txt"

# ----------------------------------------------------------------------------------------------
# helpers

berth() { "${BERTH_CMD[@]}" "$@"; }
project_of() { echo "$PREFIX-$1"; }
state_of() {
  if [[ ${BERTH_STATE:-} == etcd://* ]]; then echo "$BERTH_STATE"; else echo "$STATE_DIR/$(project_of "$1").state.json"; fi
}
# berth with the template, project and state of one environment, run in a checkout
# ($CHECKOUT: a pull request's worktree, else main's)
berth_env() {
  local env=$1
  shift
  (cd "${CHECKOUT:-$REPO}" && berth "$@" -f "environments/$env/docker-compose.yml" -p "$(project_of "$env")" --state "$(state_of "$env")")
}
step() { printf '\n==> [%ss] %s\n' "$SECONDS" "$*"; }
pass() { printf 'PASS  %s\n' "$*" | tee -a "$OUT/expectations.txt"; }
fail() {
  printf 'FAIL  %s\n' "$*" | tee -a "$OUT/expectations.txt" >&2
  FAILED=1
}
expect_code() { # expected actual what
  if [[ $2 -eq $1 ]]; then pass "$3 (exit $2)"; else fail "$3: expected exit $1, got $2"; fi
}
expect_grep() { # pattern file what
  if grep -qF -- "$1" "$2"; then pass "$3"; else fail "$3: '$1' not found in $2"; fi
}
expect_same() { # file-a file-b what
  if cmp -s "$1" "$2"; then pass "$3"; else fail "$3: $1 and $2 differ"; fi
}
git_repo() { git -C "$REPO" "$@"; }
commit_all() { git -C "$1" add -A && git -C "$1" commit -q -m "$2"; }

# "Open a pull request": a branch from main, checked out in its own worktree (a runner's
# checkout), where the change is made and committed. Prints the worktree's path.
open_pr() { # branch
  git_repo worktree add -q -b "$1" "$WORK/pr/$1" main >/dev/null && echo "$WORK/pr/$1"
}
# "Merge pull request": a merge commit on main, as the merge button makes it.
merge() { # branch
  git_repo merge -q --no-ff "$1" -m "Merge pull request: $1"
}
# Runs "$@" in the background with its output in LOG; `wait $!` gives its exit code.
background() { # log command...
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
}

# The plan job of the workflow for one environment, in the checkout $CHECKOUT: saved plan,
# Markdown comment parts, JSON, policy check. Writes DIR/{plan.berth, plan.md, plan.stderr,
# plan.json, comment-N.md, policy.txt}. Returns berth's exit code, or 3 when only the policy failed.
plan_job() { # dir env
  local dir=$1 env=$2 code
  mkdir -p "$dir"
  berth_env "$env" plan --out "$dir/plan.berth" --markdown >"$dir/plan.md" 2>"$dir/plan.stderr"
  code=$?
  [[ $code -eq 0 ]] || sed 's/^/    /' "$dir/plan.stderr"
  # The comments exactly as the workflow posts them (hidden marker first), one file per part;
  # a failed plan gets one comment quoting the error.
  node --input-type=module -e '
    import { readFileSync, writeFileSync } from "node:fs";
    const [lib, dir, env, project, code] = process.argv.slice(1);
    const { commentBodies, planFailureMarkdown } = await import(lib);
    const markdown = code === "0"
      ? readFileSync(`${dir}/plan.md`, "utf8")
      : planFailureMarkdown({ env, project, stderr: readFileSync(`${dir}/plan.stderr`, "utf8") });
    commentBodies(markdown, env).forEach((b, i) => writeFileSync(`${dir}/comment-${i + 1}.md`, b));
  ' "$GITOPS_JS" "$dir" "$env" "$(project_of "$env")" "$code" || return 1
  [[ $code -eq 0 ]] || return "$code"
  berth show "$dir/plan.berth" --json >"$dir/plan.json" || return 1
  node "$POLICY" "$dir/plan.json" >"$dir/policy.txt" 2>&1 || return 3
  sed 's/^/    /' "$dir/policy.txt"
  return 0
}

# Does a JSON plan change anything? (The apply job skips an environment whose plan is a no-op.)
has_changes() { # plan.json
  node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const p = JSON.parse(s);
      process.exit(p.resource_changes.some((c) => c.change.actions.join() !== "no-op") ? 0 : 1);
    });' <"$1"
}

# The apply job for one environment: the reviewed plan, policy re-checked, applied exactly.
# (The workflow derives plan.json from the downloaded plan.berth with `berth show --json`; here
# the plan job's plan.json is that same rendering.)
apply_job() { # dir env
  local dir=$1 env=$2 code
  if ! has_changes "$dir/plan.json"; then
    echo "    $env: the reviewed plan changes nothing; not applied" | tee "$dir/apply.txt"
    return 0
  fi
  node "$POLICY" "$dir/plan.json" >/dev/null || return 3
  berth_env "$env" apply "$dir/plan.berth" >"$dir/apply.txt" 2>&1
  code=$?
  sed 's/^/    /' "$dir/apply.txt"
  return "$code"
}

cleanup() {
  local status=$? env project code
  step "destroy (always)"
  if [[ -d $REPO/environments ]]; then
    for env in "${ENVIRONMENTS[@]}"; do
      (
        berth_env "$env" destroy --auto-approve --allow-destroy 'container.db[0]' >"$OUT/destroy-$env.txt" 2>&1
        echo $? >"$OUT/destroy-$env.code"
      ) &
    done
    wait
  fi
  for env in "${ENVIRONMENTS[@]}"; do
    project=$(project_of "$env")
    if [[ -f $OUT/destroy-$env.code ]]; then
      code=$(cat "$OUT/destroy-$env.code")
      rm -f "$OUT/destroy-$env.code"
      tail -n 1 "$OUT/destroy-$env.txt" | sed "s/^/    $env: /"
      [[ $code -eq 0 ]] || fail "destroy $project (exit $code, see destroy-$env.txt)"
    fi
    # A last resort when berth could not destroy (a broken state): nothing may stay behind.
    if command -v docker >/dev/null 2>&1; then
      local left
      left=$(docker ps -aq --filter "label=berth.project=$project" 2>/dev/null)
      if [[ -n $left ]]; then
        fail "containers of $project left after destroy; removing them"
        docker rm -f $left >/dev/null 2>&1
      fi
      docker network rm "${project}_default" >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$WORK"
  if [[ $status -eq 0 && $FAILED -ne 0 ]]; then status=1; fi
  if [[ $status -eq 0 ]]; then
    printf '\nAll expectations met (%s).\n' "$OUT/expectations.txt"
  else
    printf '\nSome expectations failed or the simulation stopped early (exit %s); see %s.\n' "$status" "$OUT/expectations.txt" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ----------------------------------------------------------------------------------------------
step "repository: the example layout committed to main (projects $(project_of staging), $(project_of production))"
mkdir -p "$REPO" "$STATE_DIR"
(cd "$HERE" && tar --exclude=.berth --exclude='*.berth' --exclude=plan.md --exclude=plan.json -cf - .) | tar -xf - -C "$REPO" || exit 1
git_repo init -q -b main
git_repo config user.name "Berth Simulation"
git_repo config user.email "simulate@berth.invalid"
git_repo config commit.gpgsign false
commit_all "$REPO" "staging and production" || exit 1

step "bootstrap: apply main in every environment"
for env in "${ENVIRONMENTS[@]}"; do background "$OUT/bootstrap-$env.txt" berth_env "$env" apply --auto-approve; done
wait
for env in "${ENVIRONMENTS[@]}"; do
  expect_grep "Apply complete!" "$OUT/bootstrap-$env.txt" "main: apply $env"
done

# ----------------------------------------------------------------------------------------------
step "pull request 1 (scale-web): staging web scaled to 2 replicas on berth/web:2"
PR1=$OUT/pr-1-scale-web
CHECKOUT=$(open_pr scale-web) || exit 1
sed -i -e 's#image: berth/web:1#image: berth/web:2#' -e "s#aliyun.scale: '1'#aliyun.scale: '2'#" "$CHECKOUT/environments/staging/docker-compose.yml"
commit_all "$CHECKOUT" "staging: web on berth/web:2, two replicas"
background "$PR1.staging.log" plan_job "$PR1/staging" staging
pid=$!
plan_job "$PR1/production" production
expect_code 0 $? "pr 1: plan production, comment, policy"
wait "$pid"
code=$?
cat "$PR1.staging.log" && rm -f "$PR1.staging.log"
expect_code 0 "$code" "pr 1: plan staging, comment, policy"
expect_grep "Plan: 2 to add, 0 to change, 1 to destroy." "$PR1/staging/plan.md" "pr 1: the staging comment summarises the change"
expect_grep "No changes." "$PR1/production/plan.md" "pr 1: the production comment says no changes"
expect_grep "<!-- berth:plan staging part 1 -->" "$PR1/staging/comment-1.md" "pr 1: the comment carries its hidden marker"
berth show "$PR1/staging/plan.berth" --markdown >"$PR1/staging/show.md"
expect_same "$PR1/staging/plan.md" "$PR1/staging/show.md" "pr 1: berth show PLANFILE --markdown prints the comment plan --markdown printed"

step "determinism: the same template, state and observation, three times in each format"
DET=$PR1/determinism
mkdir -p "$DET"
for run in 1 2 3; do
  berth_env staging plan >"$DET/run-$run.txt" 2>/dev/null &
  berth_env staging plan --json >"$DET/run-$run.json" 2>/dev/null &
  berth_env staging plan --markdown >"$DET/run-$run.md" 2>/dev/null &
done
wait
for ext in txt json md; do
  expect_same "$DET/run-1.$ext" "$DET/run-2.$ext" "determinism: runs 1 and 2 of plan ($ext) are byte-identical"
  expect_same "$DET/run-1.$ext" "$DET/run-3.$ext" "determinism: runs 1 and 3 of plan ($ext) are byte-identical"
done
expect_same "$DET/run-1.md" "$PR1/staging/plan.md" "determinism: plan --markdown equals plan --out --markdown"
unset CHECKOUT

step "merge pull request 1 and apply the reviewed plans"
merge scale-web
expect_code 0 $? "pr 1: merges into main"
for env in "${ENVIRONMENTS[@]}"; do
  apply_job "$PR1/$env" "$env"
  expect_code 0 $? "pr 1: apply the reviewed $env plan"
done
expect_grep "container.web[1]: Creation complete" "$PR1/staging/apply.txt" "pr 1: the apply created the second web replica"
berth_env staging plan --detailed-exitcode >"$PR1/after-apply.txt" 2>&1
expect_code 0 $? "pr 1: after the apply, staging plans no changes"

# ----------------------------------------------------------------------------------------------
step "stale plans: pull requests 2 (scale-3) and 3 (add-worker), both planned from the same main"
PR2=$OUT/pr-2-scale-3
PR3=$OUT/pr-3-add-worker
WT2=$(open_pr scale-3) || exit 1
sed -i -e "s#aliyun.scale: '2'#aliyun.scale: '3'#" "$WT2/environments/staging/docker-compose.yml"
commit_all "$WT2" "staging: three web replicas"
WT3=$(open_pr add-worker) || exit 1
cat >>"$WT3/environments/staging/docker-compose.yml" <<'YAML'

worker:
  image: berth/web:2
  environment:
    SHOP_ENV: staging
YAML
commit_all "$WT3" "staging: a worker"
CHECKOUT=$WT2 background "$PR2.log" plan_job "$PR2/staging" staging
pid=$!
CHECKOUT=$WT3 plan_job "$PR3/staging" staging
expect_code 0 $? "pr 3: plan staging"
wait "$pid"
code=$?
cat "$PR2.log" && rm -f "$PR2.log"
expect_code 0 "$code" "pr 2: plan staging"

merge scale-3
expect_code 0 $? "pr 2: merges into main"
apply_job "$PR2/staging" staging
expect_code 0 $? "pr 2: merged first, its reviewed plan applies"

merge add-worker
expect_code 0 $? "pr 3: merges cleanly into main after pr 2"
apply_job "$PR3/staging" staging
expect_code 1 $? "pr 3: its reviewed plan is refused, the state moved since it was made"
expect_grep "stale" "$PR3/staging/apply.txt" "pr 3: the refusal says the plan is stale"

step "recovery: re-plan main (the workflow's manual run), review, apply"
plan_job "$OUT/replan-main/staging" staging
expect_code 0 $? "re-plan main: plan staging"
expect_grep "container.worker[0]" "$OUT/replan-main/staging/plan.md" "re-plan main: the new plan holds the worker"
apply_job "$OUT/replan-main/staging" staging
expect_code 0 $? "re-plan main: apply"

# ----------------------------------------------------------------------------------------------
step "pull requests 4 (drop-db: removes a berth.prevent_destroy service) and 5 (proxy-80: host port 80)"
PR4=$OUT/pr-4-drop-db/staging
PR5=$OUT/pr-5-proxy-80/staging
mkdir -p "$PR4" "$PR5"
WT4=$(open_pr drop-db) || exit 1
# every line of the db service, down to the next top-level key
awk '/^[A-Za-z0-9_.-]+:/ { skip = ($0 ~ /^db:/) } !skip' "$REPO/environments/staging/docker-compose.yml" >"$WT4/environments/staging/docker-compose.yml"
commit_all "$WT4" "staging: drop the database"
WT5=$(open_pr proxy-80) || exit 1
cat >>"$WT5/environments/staging/docker-compose.yml" <<'YAML'

proxy:
  image: berth/web:1
  ports:
    - '80:8080'
YAML
commit_all "$WT5" "staging: a proxy on port 80"

CHECKOUT=$WT5 background "$PR5.log" plan_job "$PR5" staging
pid=$!
CHECKOUT=$WT4 plan_job "$PR4" staging
expect_code 1 $? "pr 4: the plan is refused at plan time"
expect_grep "container.db[0]" "$PR4/plan.stderr" "pr 4: the refusal names container.db[0]"
expect_grep "berth.prevent_destroy" "$PR4/plan.stderr" "pr 4: the refusal names the label"
expect_grep "container.db[0]" "$PR4/comment-1.md" "pr 4: the pull request gets a comment quoting the refusal"
CHECKOUT=$WT4 berth_env staging plan --allow-destroy 'container.db[0]' --json >"$PR4/plan-allow-destroy.json" 2>"$PR4/plan-allow-destroy.stderr"
expect_code 0 $? "pr 4: with --allow-destroy container.db[0] it plans"
node "$POLICY" "$PR4/plan-allow-destroy.json" >"$PR4/policy.txt" 2>&1
expect_code 1 $? "pr 4: the policy still refuses deleting a berth.protect container"
expect_grep 'container.db[0]: the plan deletes a container labelled berth.protect' "$PR4/policy.txt" "pr 4: the policy names container.db[0]"

wait "$pid"
code=$?
cat "$PR5.log" && rm -f "$PR5.log"
expect_code 3 "$code" "pr 5: plans, but the policy fails"
expect_grep 'container.proxy[0]: publishes host port 80' "$PR5/policy.txt" "pr 5: the policy names container.proxy[0] and port 80"

step "done"
exit "$FAILED"
