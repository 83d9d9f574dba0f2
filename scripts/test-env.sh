#!/usr/bin/env bash
# What `make test` needs beyond Python, set up by `make test` itself.
#
#   scripts/test-env.sh packages     the Debian packages the suite drives (Chromium's headless
#                                    shell, gettext, a CJK font, pango for the PDFs,
#                                    poppler-utils, redis-server):
#                                    installed when we are root with apt-get, otherwise one line
#                                    says what to install and we stop.
#   scripts/test-env.sh runtime-packages   only what the site needs to draw its PDFs (`make run`).
#   scripts/test-env.sh run CMD...   runs CMD with a Redis for the tests that start several daphne
#                                    workers (they share a channel layer): REDIS_URL when set, else
#                                    a redis-server of our own on a free port, stopped on exit
#                                    even when CMD fails. It reaches the tests as TEST_REDIS_URL, so
#                                    the suite itself keeps the in-memory channel layer.
set -euo pipefail

# What the site itself needs to draw its PDFs (WeasyPrint): pango, and a CJK font to embed.
missing_runtime_packages() {
  local need=()
  ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0" || need+=(libpango-1.0-0 libpangoft2-1.0-0)
  fc-list 2>/dev/null | grep -qi "wqy\|noto.*cjk" || need+=(fonts-wqy-microhei)
  echo "${need[@]}"
}

missing_packages() {
  local need=()
  read -r -a need <<<"$(missing_runtime_packages)"
  # Chromium's headless build drives the browser tests (tests/browser/conftest.py).
  command -v chromium-headless-shell >/dev/null 2>&1 || need+=(chromium-headless-shell)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)  # the PDF tests read the text back
  command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
  if [[ -z "${REDIS_URL:-}" ]]; then
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || need+=(redis-server)
  fi
  echo "${need[@]}"
}

packages() {
  local need
  need=$(if [[ "${1:-}" == runtime ]]; then missing_runtime_packages; else missing_packages; fi)
  [[ -z "$need" ]] && return 0
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "make test: installing $need"
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
    return 0
  fi
  echo "make test needs these Debian packages: sudo apt-get install $need" >&2
  exit 1
}

free_port() {
  "${PY:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

run() {
  if [[ -n "${REDIS_URL:-}" ]]; then
    echo "make test: Redis for the workers: REDIS_URL"
    exec "$@"
  fi
  local port dir pid
  port=$(free_port)
  dir=$(mktemp -d -t cdh-redis-XXXXXX)
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --logfile "$dir/redis.log" &
  pid=$!
  # shellcheck disable=SC2064 # expand now: these are this run's pid and folder
  trap "kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf '$dir'" EXIT
  trap 'exit 130' INT TERM
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "redis-server did not start: $(tail -n 5 "$dir/redis.log")" >&2; exit 1; }
    sleep 0.1
  done
  echo "make test: Redis for the workers: redis-server on 127.0.0.1:$port (stopped after the run)"
  local status=0
  TEST_REDIS_URL="redis://127.0.0.1:$port/0" "$@" || status=$?
  echo "make test: the run's redis-server on 127.0.0.1:$port served" \
    "$(redis-cli -p "$port" info stats | grep -o 'total_connections_received:[0-9]*' | cut -d: -f2) connections"
  return "$status"
}

case "${1:-}" in
  packages) packages ;;
  runtime-packages) packages runtime ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 packages | runtime-packages | run CMD..." >&2; exit 2 ;;
esac
