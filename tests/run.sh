#!/usr/bin/env bash
# `npm test`: the whole suite on real parts — sets up what it needs (Debian packages, a throwaway PostGIS
# cluster), builds the client for the browser tests, then runs vitest. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-services.sh
npx vite build --logLevel warn
npx vitest run "$@"
