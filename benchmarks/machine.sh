# Sourced by the benchmark scripts: sets $tags to "openblas" when OpenBLAS is
# installed (else empty, the pure-Go build) and prints the machine line every
# figure in BENCHMARKS.md is measured on.
tags=""
if ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so '; then tags=openblas; fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(go version | cut -d' ' -f3), BLAS: ${tags:-gonum}"
