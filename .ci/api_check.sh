#!/usr/bin/env bash
# The API against its own OpenAPI document with schemathesis: a served app with demo data and an admin's token,
# a bounded number of examples per operation (fuzzing and the stateful links: invite, register, decide, check in).
# usage: .ci/api_check.sh DATABASE_URL   (SQLite file or PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PORT=${API_CHECK_PORT:-5165}
WORK=$(mktemp -d)
export DATABASE_URL=$1 FLASK_APP=wsgi.py STORAGE_DIR=$WORK/storage PUBLIC_URL=http://127.0.0.1:$PORT
export API_RATE_LIMIT=100000/minute JOBS_RUNNER=off REDIS_URL= CELERY_BROKER_URL=
# On PostgreSQL the app counts as production, which needs a real sender (no mail leaves: MAIL_SERVER is unset)
export MAIL_DEFAULT_SENDER='Global Meeting <meetings@example.org>'
"$VENV/bin/flask" db upgrade >/dev/null
"$VENV/bin/flask" load-reference-data >/dev/null
"$VENV/bin/flask" demo-data --admin-email admin@example.org >/dev/null
export API_TOKEN=$("$VENV/bin/flask" api make-token --email admin@example.org --name schemathesis \
  --scopes read,decide,checkin,admin --days 1)
export MEETING_ID=$("$VENV/bin/python" -c "
from meeting_manager import create_app
from meeting_manager.extensions import db
from meeting_manager.meetings.models import Meeting
with create_app().app_context():
    print(db.session.scalar(db.select(Meeting.id).order_by(Meeting.id)))")
# The fuzzer's query strings reach 6 KB: gunicorn's 4 KB request-line limit would answer 414 itself, outside the
# app and its document, so the limit is lifted here and the API's own validation answers (422).
"$VENV/bin/gunicorn" --workers 1 --threads 4 --limit-request-line 0 --bind "127.0.0.1:$PORT" wsgi:app >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null && break; sleep 1; done
status=0
"$VENV/bin/schemathesis" --config-file .ci/schemathesis.toml run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --max-examples "${API_CHECK_EXAMPLES:-10}" --max-time "${API_CHECK_SECONDS:-180}" --seed 16 \
  --suppress-health-check all --warnings off || status=$?
if [ "$status" != 0 ]; then tail -n 40 "$WORK/server.log"; fi
exit "$status"
