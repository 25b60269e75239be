#!/bin/sh
# Loads a training `tvae serve` on loopback: 200 SSE viewers on /events plus 50
# /api/neighbors queries a second for 60 s, then prints a Markdown table of requests
# served, errors, peak memory and goroutines before, during and after. Fails if any
# request failed or goroutines did not return to their baseline.
# Usage: benchmarks/load.sh [DATA_DIR] [generator flags, e.g. --duration 10s]
# DATA_DIR defaults to $TVAE_DATA_DIR.
set -eu
cd "$(dirname "$0")/.."
data="${1:-${TVAE_DATA_DIR:?pass the datasets folder or set TVAE_DATA_DIR}}"
[ $# -gt 0 ] && shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. benchmarks/machine.sh
go build -tags "$tags" -o "$tmp/tvae" ./cmd/tvae
go build -o "$tmp/load" ./benchmarks/load
"$tmp/load" --tvae "$tmp/tvae" --data-dir "$data" "$@"
