#!/usr/bin/env bash
# `make run`: the web server and a task worker, stopped together on Ctrl-C.
#
# The worker (`manage.py db_worker`) sends the outbox: e-mail (printed by the console backend)
# and SMS (printed by the console SMS backend). Every ten minutes the deadlines task is queued
# (request reminders and urges, meeting reminders, and the outbox sweep); in production cron or a
# systemd timer does that (docs/deploy.md).
set -euo pipefail
PY=${PY:-.venv/bin/python}
ADDR=${ADDR:-127.0.0.1:8000}

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$PY" manage.py db_worker --interval 1 --no-reload &
pids+=($!)
(
  while true; do
    "$PY" manage.py process_deadlines --enqueue >/dev/null || true
    sleep "${DEADLINES_EVERY:-600}"
  done
) &
pids+=($!)
"$PY" manage.py runserver "$ADDR" &
pids+=($!)
echo "make run: web server on http://$ADDR, task worker running (Ctrl-C stops both)"
# Whichever stops first (Ctrl-C, or a crash) stops the others.
wait -n
