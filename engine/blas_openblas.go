//go:build openblas

package engine

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// BLAS names the matrix-multiply library this binary was built with.
const BLAS = "openblas"

// Built with -tags openblas, both the training graph and inference multiply
// through OpenBLAS instead of gonum's pure-Go kernels.
func init() {
	G.Use(netlib.Implementation{})
	blas32.Use(netlib.Implementation{})
}
