#!/usr/bin/env bash
# Fails, naming the stack and what drifted, when the cloud no longer matches the
# stack's state: `pulumi refresh --preview-only --expect-no-changes`.
# Usage: drift.sh STACK
set -euo pipefail
stack="${1:?usage: drift.sh STACK}"
pulumi="${PULUMI:-pulumi}"
if ! out="$($pulumi refresh --stack "$stack" --preview-only --expect-no-changes --non-interactive --diff 2>&1)"; then
  echo "$out"
  echo "::error title=Drift in $stack::the cloud no longer matches stack $stack (see the refresh preview above); refresh it deliberately or put the change into its config"
  exit 1
fi
echo "$out"
echo "no drift in $stack"
