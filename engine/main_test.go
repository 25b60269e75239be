package engine

import (
	"fmt"
	"os"
	"testing"
)

// TestMain runs the tests and benchmarks on the OpenBLAS kernels that suit
// the CPU (ExecWithBetterBLASCore), as the tvae command does.
func TestMain(m *testing.M) {
	if err := ExecWithBetterBLASCore(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(m.Run())
}
