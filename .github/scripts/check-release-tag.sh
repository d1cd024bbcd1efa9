#!/usr/bin/env bash
# Refuses a release whose tag does not name package.json's version (tag vX.Y.Z for version X.Y.Z).
# Usage: check-release-tag.sh TAG
set -euo pipefail
tag="${1:?usage: check-release-tag.sh TAG}"
version="$(node -p 'require("./package.json").version')"
if [ "$tag" != "v$version" ]; then
  echo "::error::tag $tag does not name package.json's version $version; allowed: v$version (or bump the version first)" >&2
  exit 1
fi
echo "tag $tag matches package.json's version $version"
