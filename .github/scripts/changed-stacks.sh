#!/usr/bin/env bash
# Lists the stacks a pull request changes, as a JSON array of stack names:
# stacks whose stacks/Pulumi.<name>.yaml changed, or every stack when code or the
# project file changed. Usage: changed-stacks.sh BASE_REF (a pull request's base, or a push's previous commit)
set -euo pipefail
base="${1:?usage: changed-stacks.sh BASE_REF}"
# A branch's first push has no base (all zeros): every stack counts as changed.
if [[ "$base" =~ ^0+$ ]]; then
  changed="Pulumi.yaml"
else
  changed="$(git diff --name-only "$base"...HEAD)"
fi
all_stacks() { ls stacks/Pulumi.*.yaml 2>/dev/null | sed -E 's#^stacks/Pulumi\.(.+)\.yaml$#\1#'; }
if grep -qE '^(components/|stacks/index\.ts|stacks/config\.ts|Pulumi\.yaml|package(-lock)?\.json)' <<<"$changed"; then
  names="$(all_stacks)"
else
  names="$(grep -E '^stacks/Pulumi\..+\.yaml$' <<<"$changed" | sed -E 's#^stacks/Pulumi\.(.+)\.yaml$#\1#' || true)"
fi
# Only stacks that still exist.
existing="$(for n in $names; do [ -f "stacks/Pulumi.$n.yaml" ] && echo "$n"; done | sort -u)"
printf '['
first=1
for n in $existing; do
  [ $first -eq 1 ] || printf ','
  printf '"%s"' "$n"
  first=0
done
printf ']\n'
