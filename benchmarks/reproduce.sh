#!/bin/sh
# Times `tvae reproduce --seeds 1` (paper VAE and TVAE, 10 epochs each, full MNIST)
# for each BLAS build available here, one after the other on the same machine, and
# prints wall time and the accuracy reached. Usage: benchmarks/reproduce.sh [DATA_DIR]
# DATA_DIR defaults to $TVAE_DATA_DIR. Results go to bin/bench-reproduce-<blas>/.
set -eu
cd "$(dirname "$0")/.."
data="${1:-${TVAE_DATA_DIR:?pass the datasets folder or set TVAE_DATA_DIR}}"
builds="gonum"
if ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so '; then builds="openblas gonum"; fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(go version | cut -d' ' -f3)"
for blas in $builds; do
	tags=""; [ "$blas" = openblas ] && tags=openblas
	go build -tags "$tags" -o "bin/tvae-$blas" ./cmd/tvae
	out="bin/bench-reproduce-$blas"
	rm -rf "$out"
	start=$(date +%s.%N)
	"bin/tvae-$blas" reproduce --seeds 1 --data-dir "$data" --out "$out" --quiet >/dev/null
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" -v b="$blas" 'BEGIN { printf "%s: reproduce --seeds 1 took %.0f s\n", b, e - s }'
	cat "$out/results.md"
done
