#!/bin/sh
# What snapshots cost training: the paper's TVAE on MNIST for 2 epochs with
# snapshot_every 0 (epoch ends only) and 100 (about four more an epoch),
# alternated ROUNDS times (default 2) so that both see the same machine load.
# Prints each run's mean epoch seconds (metrics.jsonl) and the ratio.
# Usage: benchmarks/snapshots.sh [DATA_DIR] [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
data="${1:-${TVAE_DATA_DIR:?pass the datasets folder or set TVAE_DATA_DIR}}"
rounds="${2:-2}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. benchmarks/machine.sh
go build -tags "$tags" -o "$tmp/tvae" ./cmd/tvae
epoch_seconds() { awk -F'"seconds":' '{ split($2, a, /[,}]/); s += a[1]; n++ } END { printf "%.2f", s / n }' "$1/metrics.jsonl"; }
i=0
while [ "$i" -lt "$rounds" ]; do
	for every in 0 100; do
		out="$tmp/run-$every-$i"
		"$tmp/tvae" train --config paper-tvae-mnist --out "$out" --data-dir "$data" --offline --quiet \
			--set epochs=2 --set iw_samples=0 --set snapshot_every="$every" >/dev/null
		echo "snapshot_every=$every round $i: $(epoch_seconds "$out") s an epoch, $(wc -l <"$out/snapshots.jsonl") snapshots"
	done
	i=$((i + 1))
done
