# Sourced by the benchmark scripts: sets $tags to "openblas" when OpenBLAS is
# installed (else empty, the pure-Go build), exports OPENBLAS_CORETYPE as the
# kernels tvae picks on this CPU (engine.BetterBLASCore), so that PyTorch, which
# loads the same OpenBLAS, multiplies with the same ones, and prints the machine
# line every figure in BENCHMARKS.md is measured on.
tags=""
if ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so '; then tags=openblas; fi
if [ -n "$tags" ] && [ -z "${OPENBLAS_CORETYPE:-}" ]; then
	OPENBLAS_CORETYPE=$(go run -tags "$tags" ./benchmarks/blascore)
	export OPENBLAS_CORETYPE
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(go version | cut -d' ' -f3), BLAS: ${tags:-gonum}${OPENBLAS_CORETYPE:+ ($OPENBLAS_CORETYPE kernels)}"
