#!/bin/sh
# Times `tvae reproduce --seeds 1` (paper VAE and TVAE, 10 epochs each, full MNIST)
# for each BLAS build available here and each --jobs in JOBS, one after the other on
# the same machine, and prints wall time and the accuracy reached.
# Usage: [BUILDS="openblas gonum"] [JOBS="1 2"] benchmarks/reproduce.sh [DATA_DIR]
# DATA_DIR defaults to $TVAE_DATA_DIR; BUILDS to every build this machine can make.
# Results go to bin/bench-reproduce-<blas>-jobs<N>/.
set -eu
cd "$(dirname "$0")/.."
data="${1:-${TVAE_DATA_DIR:?pass the datasets folder or set TVAE_DATA_DIR}}"
builds="gonum"
if ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so '; then builds="openblas gonum"; fi
builds="${BUILDS:-$builds}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(go version | cut -d' ' -f3)"
for blas in $builds; do
	tags=""; [ "$blas" = openblas ] && tags=openblas
	go build -tags "$tags" -o "bin/tvae-$blas" ./cmd/tvae
	for jobs in ${JOBS:-1 2}; do
		out="bin/bench-reproduce-$blas-jobs$jobs"
		rm -rf "$out"
		start=$(date +%s.%N)
		"bin/tvae-$blas" reproduce --seeds 1 --jobs "$jobs" --data-dir "$data" --out "$out" --quiet >/dev/null
		end=$(date +%s.%N)
		awk -v s="$start" -v e="$end" -v b="$blas" -v j="$jobs" 'BEGIN { printf "%s, --jobs %s: reproduce --seeds 1 took %.0f s\n", b, j, e - s }'
		cat "$out/results.md"
	done
done
