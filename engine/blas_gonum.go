//go:build !openblas

package engine

// BLAS names the matrix-multiply library this binary was built with: gonum's
// pure-Go kernels, which need no C library. Build with -tags openblas for OpenBLAS.
const BLAS = "gonum"
