#!/usr/bin/env bash
# The whole stack on one machine with embedded defaults: Temporal dev server (SQLite file under data/,
# UI, our search attributes), the worker and the API. Ctrl-C (or SIGTERM) stops all three, in order.
#
# Each runs in a session of its own (setsid): Ctrl-C signals the terminal's foreground process group, which would
# otherwise stop all three at once; here it reaches this script only, which stops the API and the worker first
# (their work in flight finishes against a live server) and the Temporal server last.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
API_PORT=${API_PORT:-8000}
TEMPORAL_PORT=${TEMPORAL_PORT:-7233}
TEMPORAL_UI_PORT=${TEMPORAL_UI_PORT:-8233}
TEMPORAL_DB=${TEMPORAL_DB:-data/temporal.db}
export TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:$TEMPORAL_PORT}
# The UI decodes payloads through the API's codec endpoint, which must let the UI's origin call it.
export CODEC_CORS_ORIGINS=${CODEC_CORS_ORIGINS:-http://127.0.0.1:$TEMPORAL_UI_PORT,http://localhost:$TEMPORAL_UI_PORT}
# The local UI has no sign-in: its codec calls from this machine act as the local stack's manager (core/config.py).
export CODEC_TRUST_LOOPBACK=${CODEC_TRUST_LOOPBACK:-true}
mkdir -p data

pids=()
stop() {
    # A second signal while stopping (make passes its own SIGTERM on; Ctrl-C pressed twice) must not cut the stop
    # short and leave the Temporal server running: it is ignored until all three have stopped.
    trap '' INT TERM
    trap - EXIT
    echo "stopping…"
    # API and worker first, so in-flight work finishes against a live server.
    for pid in "${pids[@]:1}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]:1}"; do wait "$pid" 2>/dev/null || true; done
    kill -TERM "${pids[0]}" 2>/dev/null || true
    wait "${pids[0]}" 2>/dev/null || true
    echo "stopped"
    exit 0
}
trap stop INT TERM EXIT

# WAL and synchronous=normal keep the server from being bound by one fsync per write.
# shellcheck disable=SC2046
setsid "$BIN/temporal" server start-dev \
    --db-filename "$TEMPORAL_DB" \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --ui-codec-endpoint "http://127.0.0.1:$API_PORT/codec" \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    --log-level error \
    $("$BIN/python" -m cli.search_attributes) &
pids+=($!)

WORKER_METRICS_ADDRESS=${WORKER_METRICS_ADDRESS:-127.0.0.1:9464} setsid "$BIN/python" worker.py &
pids+=($!)

setsid "$BIN/uvicorn" --factory api.main:production_app --host 127.0.0.1 --port "$API_PORT" --log-level warning &
pids+=($!)

cat <<INFO

  API and its docs:  http://127.0.0.1:$API_PORT/docs
  Temporal UI:       http://127.0.0.1:$TEMPORAL_UI_PORT
  Temporal server:   $TEMPORAL_ADDRESS (namespace default)
  Worker metrics:    http://${WORKER_METRICS_ADDRESS:-127.0.0.1:9464}/metrics
  Press Ctrl-C to stop everything.

INFO
# Stop everything if any one of them dies.
wait -n
