//go:build !openblas

package engine

// BLAS names the matrix-multiply library this binary was built with: gonum's
// pure-Go kernels, which need no C library. Build with -tags openblas for OpenBLAS.
const BLAS = "gonum"

// BLASThreads returns 0 in the pure-Go build: gonum spreads a large product
// over GOMAXPROCS goroutines itself and has no thread count of its own.
func BLASThreads() int { return 0 }

// SetBLASThreads does nothing in the pure-Go build (see BLASThreads).
func SetBLASThreads(int) {}

// BLASCore returns "" in the pure-Go build: gonum's kernels are Go's own.
func BLASCore() string { return "" }
