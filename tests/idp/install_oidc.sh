#!/usr/bin/env bash
# Install panva's `oidc-provider` (npm, pinned) for tests/idp/oidc_provider.mjs. Idempotent.
#
# It goes into its own npm prefix, .tools/oidc, not .tools: `npm install --no-save` prunes
# whatever the prefix's (absent) package.json does not list, so sharing .tools with vnu-jar
# (installed the same way by `make vnu`) would make each install remove the other.
set -euo pipefail

OIDC_PROVIDER_VERSION=9.13.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PREFIX="${OIDC_PROVIDER_PREFIX:-$ROOT/.tools/oidc}"
PACKAGE="$PREFIX/node_modules/oidc-provider/package.json"

if grep -qs "\"version\": *\"$OIDC_PROVIDER_VERSION\"" "$PACKAGE"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm is missing: cannot install oidc-provider $OIDC_PROVIDER_VERSION." >&2
  exit 1
fi
echo "Installing oidc-provider $OIDC_PROVIDER_VERSION into $PREFIX for the OIDC tests..."
mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --no-save --no-audit --no-fund --loglevel=error \
  "oidc-provider@$OIDC_PROVIDER_VERSION" >/dev/null
