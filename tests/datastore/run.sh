#!/usr/bin/env bash
# The shared-datastore tests on real servers: start throwaway PostgreSQL and MariaDB (servers.sh),
# run tests/datastore with pytest against both, stop them and remove their state, also on failure.
#
#   bash tests/datastore/run.sh [PYTEST ARGS...]    for example -k rotation, or --junitxml=FILE
#
# Python: this checkout's tools (make -s env), which must have psycopg2 and PyMySQL; a Python given
# as PYTHON is used as it is.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=lab/lib.sh
. "$repo/lab/lib.sh"   # log, die
LAB_LOG_TAG=datastore

if [[ -z ${PYTHON:-} ]]; then
  eval "$(make -s -C "$repo" env)"
  PYTHON=python
fi
"$PYTHON" -c 'import psycopg2, pymysql, pytest' 2>/dev/null \
  || die "$PYTHON lacks psycopg2, PyMySQL or pytest: pip install psycopg2-binary PyMySQL pytest (tests/requirements.txt)"

began=$(date +%s)
trap '"$here/servers.sh" stop' EXIT
"$here/servers.sh" start
eval "$("$here/servers.sh" env)"
status=0
(cd "$here" && "$PYTHON" -m pytest "$@" .) || status=$?
log "tests done in $(( $(date +%s) - began ))s (servers included)"
exit "$status"
