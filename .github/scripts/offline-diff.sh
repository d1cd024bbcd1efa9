#!/usr/bin/env bash
# Markdown for a pull-request comment: for every stack the pull request changes,
# `zk-cutover diff` from the base branch's stack config to this branch's
# (offline, no credentials; both planned with this branch's code). A new stack
# gets its offline plan. Usage: offline-diff.sh BASE_REF
set -euo pipefail
base="${1:?usage: offline-diff.sh BASE_REF}"
here="$(cd "$(dirname "$0")" && pwd)"
cli="${ZK_CUTOVER:-npx --no-install zk-cutover}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stacks="$(bash "$here/changed-stacks.sh" "$base" | tr -d '[]"' | tr ',' ' ')"
echo "## zk-cutover: offline stage diffs"
echo
echo "Offline, without credentials: the base branch's config of each changed stack against this pull request's, both planned with this pull request's code (a code change shows as the difference it makes to the same config). The preview job shows the cloud's view where credentials exist."
echo
if [ -z "${stacks// /}" ]; then
  echo "No stack changes."
  exit 0
fi
for stack in $stacks; do
  file="stacks/Pulumi.$stack.yaml"
  if git cat-file -e "$base:$file" 2>/dev/null; then
    mkdir -p "$work/base"
    git show "$base:$file" > "$work/base/Pulumi.$stack.yaml"
    $cli diff --from "$work/base/Pulumi.$stack.yaml" --to "$file" --markdown
  else
    echo "### \`$stack\` (new stack)"
    echo
    echo '```'
    $cli plan --stack "$stack"
    echo '```'
  fi
  echo
done
