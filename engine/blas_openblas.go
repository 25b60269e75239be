//go:build openblas

package engine

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
// int openblas_get_num_threads(void);
// char *openblas_get_corename(void);
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

// BLASThreads returns the number of threads OpenBLAS's products run on.
func BLASThreads() int { return int(C.openblas_get_num_threads()) }

// SetBLASThreads sets the number of threads OpenBLAS's products run on, for the
// whole process. Call it only while no product is running. Products split
// differently over another count of threads, so the same run trains to
// weights that differ in their last bits.
func SetBLASThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// BLASCore names the kernels OpenBLAS picked for this CPU (or that
// $OPENBLAS_CORETYPE forced), such as "Haswell" or "SkylakeX".
func BLASCore() string { return C.GoString(C.openblas_get_corename()) }
