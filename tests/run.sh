#!/usr/bin/env bash
# `npm test`: the whole suite on real parts — sets up what it needs (Debian packages, a throwaway PostGIS
# cluster), builds the client for the browser tests, then runs vitest. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-services.sh
npx vite build --logLevel warn
mkdir -p .tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-results.json "$@" || status=$?
# One plain closing line that any CI reads: "N passed, N failed".
node -e '
  const r = require("./.tmp/vitest-results.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' 2>/dev/null || true
exit $status
