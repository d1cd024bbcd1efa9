#!/usr/bin/env bash
# Markdown for a pull-request comment: for every stack the pull request changes,
# `zk-cutover diff` from the base branch's stack config to this branch's
# (offline, no credentials). The base's config is planned with the base's code
# (a worktree of BASE_REF, planned as deployed), this branch's with this
# branch's code, so a code change shows as the difference it makes. Where the
# base's code cannot be checked out or cannot plan, the comment says so and
# both configs are planned with this branch's code. A new stack gets its
# offline plan. Run from the repository's root. Usage: offline-diff.sh BASE_REF
set -euo pipefail
base="${1:?usage: offline-diff.sh BASE_REF}"
here="$(cd "$(dirname "$0")" && pwd)"
cli="${ZK_CUTOVER:-npx --no-install zk-cutover}"
work="$(mktemp -d)"
base_tree="$work/base-code"
cleanup() {
  git worktree remove --force "$base_tree" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
stacks="$(bash "$here/changed-stacks.sh" "$base" | tr -d '[]"' | tr ',' ' ')"
echo "## zk-cutover: offline stage diffs"
echo
echo "Offline, without credentials: the base branch's config of each changed stack against this pull request's. Each is planned with its own branch's code where the base's code can be checked out, so a code change shows as the difference it makes; each stack says which code planned it. The preview job shows the cloud's view where credentials exist."
echo
if [ -z "${stacks// /}" ]; then
  echo "No stack changes."
  exit 0
fi

# The base's code: a worktree of the base, with this checkout's node_modules when the lock file is the same
# (else an install of its own). why_not says why there is none.
base_cli=""
why_not=""
base_commit="$(git rev-parse --short "$base^{commit}" 2>/dev/null || true)"
if [ -z "$base_commit" ]; then
  why_not="the base $base is not in this clone"
elif ! git worktree add --detach "$base_tree" "$base" >/dev/null 2>&1; then
  why_not="the base's code could not be checked out"
elif [ ! -f "$base_tree/bin/zk-cutover.js" ]; then
  why_not="the base has no zk-cutover command line"
elif git diff --quiet "$base" HEAD -- package-lock.json && [ -d node_modules ]; then
  [ -e "$base_tree/node_modules" ] || ln -s "$(pwd)/node_modules" "$base_tree/node_modules"
elif ! (cd "$base_tree" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null 2>&1); then
  why_not="the base's dependencies could not be installed"
fi
[ -n "$why_not" ] || base_cli="node $base_tree/bin/zk-cutover.js"

# Stacks the base has (diffed) and new ones (planned). Each command below runs once for all of its stacks:
# start-up is paid once, not per stack.
mkdir -p "$work/base"
pairs=()
new_stacks=()
for stack in $stacks; do
  file="stacks/Pulumi.$stack.yaml"
  if git cat-file -e "$base:$file" 2>/dev/null; then
    git show "$base:$file" > "$work/base/Pulumi.$stack.yaml"
    pairs+=("$stack")
  else
    new_stacks+=("$stack")
  fi
done

# The base's plans of its configs, with the base's code, as deployed. If the base's code cannot plan them all in
# one call, each stack is tried alone; a stack it cannot plan is diffed with this branch's code on both sides.
by_base=()
by_head=()
reasons=()
plan_files=()
if [ ${#pairs[@]} -gt 0 ] && [ -n "$base_cli" ]; then
  args=()
  for stack in "${pairs[@]}"; do args+=(--config-file "$work/base/Pulumi.$stack.yaml"); done
  if (cd "$base_tree" && $base_cli plan "${args[@]}" --as-deployed --json) > "$work/base-plans.json" 2> "$work/base-plans.err"; then
    by_base=("${pairs[@]}")
    plan_files=("$work/base-plans.json")
  else
    for stack in "${pairs[@]}"; do
      if (cd "$base_tree" && $base_cli plan --config-file "$work/base/Pulumi.$stack.yaml" --as-deployed --json) > "$work/base/$stack.json" 2> "$work/base/$stack.err"; then
        by_base+=("$stack")
        plan_files+=("$work/base/$stack.json")
      else
        by_head+=("$stack")
        reasons+=("\`$stack\`: the base's code could not plan it: $(grep -m1 . "$work/base/$stack.err" || echo "no message")")
      fi
    done
  fi
else
  by_head=(${pairs[@]+"${pairs[@]}"})
  [ ${#pairs[@]} -eq 0 ] || reasons+=("$why_not")
fi

list() { local out=""; for s in "$@"; do out="${out:+$out, }\`$s\`"; done; echo "$out"; }
# One `diff` call for the stacks given (--from base/Pulumi.<stack>.yaml --to stacks/Pulumi.<stack>.yaml each),
# after the options in DIFF_OPTIONS (the base's plans).
diff_all() {
  local args=(${DIFF_OPTIONS[@]+"${DIFF_OPTIONS[@]}"})
  for stack in "$@"; do args+=(--from "$work/base/Pulumi.$stack.yaml" --to "stacks/Pulumi.$stack.yaml"); done
  $cli diff "${args[@]}" --markdown
  echo
}
if [ ${#by_base[@]} -gt 0 ]; then
  echo "_Planned with the base's code ($base_commit) for the base's config and this pull request's code for its own: $(list "${by_base[@]}")._"
  echo
fi
if [ ${#by_head[@]} -gt 0 ]; then
  echo "_Both configs planned with this pull request's code, so a code change does not show: $(list "${by_head[@]}") ($(IFS=';'; echo "${reasons[*]}" | sed 's/;/; /g'))._"
  echo
fi
DIFF_OPTIONS=()
for f in ${plan_files[@]+"${plan_files[@]}"}; do DIFF_OPTIONS+=(--from-plan "$f"); done
[ ${#by_base[@]} -eq 0 ] || diff_all "${by_base[@]}"
DIFF_OPTIONS=()
[ ${#by_head[@]} -eq 0 ] || diff_all "${by_head[@]}"
if [ ${#new_stacks[@]} -gt 0 ]; then
  echo "### New stacks: $(list "${new_stacks[@]}")"
  echo
  echo '```'
  args=()
  for stack in "${new_stacks[@]}"; do args+=(--stack "$stack"); done
  $cli plan "${args[@]}"
  echo '```'
  echo
fi
