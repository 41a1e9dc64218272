#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (idempotent) and starts a throwaway PostGIS
# cluster. Sourced by tests/run.sh; exports TEST_PG_URL and registers cleanup on exit.
set -euo pipefail

need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] && [ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
[ -x /usr/bin/chromium ] || need+=(chromium)
# Not grep -q: it exits at the first match, fc-list then dies of SIGPIPE and pipefail would reinstall every run.
fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null || need+=(fonts-noto-cjk)
command -v redis-server >/dev/null || need+=(redis-server)
# The printed briefing's PDF is checked with poppler (tests/integration/briefing.test.ts): pdfinfo, pdftotext, pdftoppm.
command -v pdftoppm >/dev/null && command -v pdfinfo >/dev/null && command -v pdftotext >/dev/null || need+=(poppler-utils)
# Real GIS clients that read our OGC API and vector tiles (tests/integration/gis-clients.*): GDAL, OWSLib, QGIS.
command -v ogrinfo >/dev/null || need+=(gdal-bin)
/usr/bin/python3 -c 'import owslib' 2>/dev/null || need+=(python3-owslib)
/usr/bin/python3 -c 'import qgis.core' 2>/dev/null || need+=(python3-qgis)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "The tests need these Debian packages: ${need[*]}. Run as root (or: sudo apt-get install -y ${need[*]})." >&2
    exit 1
  fi
  echo "Installing ${need[*]} …"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
fi

PGBIN=/usr/lib/postgresql/15/bin
PGPORT=${TEST_PG_PORT:-54329}
PGDATA=$(mktemp -d /tmp/jinshui-test-pg.XXXXXX)
PG_OWNER=$(id -un)
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA" && PG_OWNER=postgres
chmod 700 "$PGDATA"
run_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Throwaway cluster: durability off makes the many CREATE DATABASE … TEMPLATE of the tests fast.
run_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
stop_pg() { run_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$PGDATA"; }
trap stop_pg EXIT
export TEST_PG_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
echo "Throwaway PostGIS cluster on port $PGPORT (owner $PG_OWNER)"
