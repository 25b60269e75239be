#!/bin/sh
# Side-by-side training throughput of the paper TVAE step: tvae (Go, OpenBLAS build
# when the library is installed, and the pure-Go build) against the PyTorch
# reference loop (benchmarks/pytorch_reference.py, Debian's python3-torch), and
# the matrix-multiply rate at the step's shapes (GemmAtStepShapes), the step's ceiling.
# Runs alternate, twice each, on this machine; compare images/s within one run.
# Usage: benchmarks/pytorch.sh    (needs: apt-get install python3-torch; Debian's /usr/bin/python3)
set -eu
cd "$(dirname "$0")/.."
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "benchmarks/pytorch.sh: PyTorch is missing; apt-get install python3-torch" >&2; exit 1; }
. benchmarks/machine.sh
for round in 1 2; do
	echo "round $round"
	go test -tags "$tags" -run '^$' -bench 'TrainingStep/^tvae$' -benchtime 100x ./engine | grep Benchmark
	go test -tags "$tags" -run '^$' -bench 'GemmAtStepShapes' -benchtime 100x ./engine | grep Benchmark
	[ -n "$tags" ] && go test -run '^$' -bench 'TrainingStep/^tvae$' -benchtime 30x ./engine | grep Benchmark
	/usr/bin/python3 benchmarks/pytorch_reference.py 150 1
	/usr/bin/python3 benchmarks/pytorch_reference.py 150 "$(nproc)"
done
