#!/usr/bin/env bash
# Lists every stack of stacks/ (stacks/Pulumi.<name>.yaml) as a JSON array of names.
set -euo pipefail
printf '['
first=1
for f in stacks/Pulumi.*.yaml; do
  [ -e "$f" ] || continue
  name="${f#stacks/Pulumi.}"
  name="${name%.yaml}"
  [ $first -eq 1 ] || printf ','
  printf '"%s"' "$name"
  first=0
done
printf ']\n'
