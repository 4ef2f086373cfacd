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
"$VENV/bin/gunicorn" --workers 1 --threads 4 --bind "127.0.0.1:$PORT" wsgi:app >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null && break; sleep 1; done
status=0
"$VENV/bin/schemathesis" --config-file .ci/schemathesis.toml run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --max-examples "${API_CHECK_EXAMPLES:-10}" --max-time "${API_CHECK_SECONDS:-180}" --seed 16 \
  --suppress-health-check all --warnings off || status=$?
if [ "$status" != 0 ]; then tail -n 40 "$WORK/server.log"; fi
exit "$status"
