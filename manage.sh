#!/usr/bin/env bash
# Set up and run the Global Meeting manager, or run its tests. Both commands are idempotent.
#   ./manage.sh run    install what is missing, build the database with demo data, serve on http://127.0.0.1:5000
#                      (PORT=5001 ./manage.sh run serves another port; PUBLIC_URL follows it)
#   ./manage.sh test   install the test tools, lint (ruff) and type-check (mypy), run the whole test suite
#                      (SQLite; PostgreSQL if TEST_DATABASE_URL is set)
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY=${PYTHON:-python3.11}
export FLASK_APP=wsgi
RUN_PACKAGES="python3-venv python3-dev g++ pkg-config libicu-dev libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-noto-cjk"
TEST_PACKAGES="poppler-utils zbar-tools chromium chromium-driver"

apt_install() {
  # Install the Debian packages that are missing (WeasyPrint's Pango, fonts for every script, PDF and QR tools).
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || { echo "Please install: ${missing[*]}" >&2; return 0; }
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

venv() {
  # (Re)install Python packages only when the requirements file changed.
  local req=$1 stamp="$VENV/.installed-$(basename "$1")"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  if [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp" || { [ "$req" = requirements-test.txt ] && ! cmp -s requirements.txt "$VENV/.installed-requirements.txt"; }; then
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -r "$req"
    cp "$req" "$stamp"
    if [ "$req" = requirements-test.txt ]; then cp requirements.txt "$VENV/.installed-requirements.txt"; fi
  fi
}

case "${1:-}" in
  run)
    # Links in mail and the printed sign-in address point to what this serves (PORT, default 5000).
    PORT=${PORT:-5000}
    export PUBLIC_URL=${PUBLIC_URL:-http://127.0.0.1:$PORT}
    apt_install $RUN_PACKAGES
    venv requirements.txt
    "$VENV/bin/flask" translations compile
    "$VENV/bin/flask" db upgrade
    "$VENV/bin/flask" load-reference-data
    "$VENV/bin/flask" demo-data --admin-email admin@example.org
    echo "Serving on $PUBLIC_URL (Ctrl+C to stop)"
    # Mail retries without Celery beat: this loop sends every message whose next attempt has come.
    "$VENV/bin/flask" mail deliver --loop --interval 30 &
    MAIL_LOOP=$!
    "$VENV/bin/flask" api deliver-webhooks --loop --interval 30 &
    HOOK_LOOP=$!
    # Waiting-list offers past their deadline are closed and offered on; organisers' digests go out.
    "$VENV/bin/flask" waitlist tick --loop --interval 300 &
    WAITLIST_LOOP=$!
    "$VENV/bin/flask" delegations digest --loop --interval 3600 &
    DIGEST_LOOP=$!
    trap 'kill "$MAIL_LOOP" "$HOOK_LOOP" "$WAITLIST_LOOP" "$DIGEST_LOOP" 2>/dev/null || true' EXIT
    "$VENV/bin/gunicorn" --workers 2 --threads 4 --bind "127.0.0.1:$PORT" --access-logfile - wsgi:app
    ;;
  test)
    apt_install $RUN_PACKAGES $TEST_PACKAGES
    venv requirements-test.txt
    shift
    # The guardrails first (CONTRIBUTING.md): the lint and the type check must be clean before the suite runs.
    # GUARDRAILS=0 skips them, e.g. to rerun one failing test while a change is half done.
    if [ "${GUARDRAILS:-1}" != 0 ]; then
      "$VENV/bin/ruff" check .
      if [ -x "$VENV/bin/mypy" ]; then "$VENV/bin/mypy"; fi
    fi
    "$VENV/bin/flask" translations compile
    # Two workers: the suite is mostly waiting on SQLite, PostgreSQL and WeasyPrint, one per core.
    exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider -n "${TEST_WORKERS:-2}" "$@"
    ;;
  *)
    echo "usage: $0 run | test [pytest args]" >&2
    exit 2
    ;;
esac
