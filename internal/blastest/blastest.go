// Package blastest runs a package's tests on the OpenBLAS kernels the tvae
// command multiplies with (engine.ExecWithBetterBLASCore), so that tests and
// benchmarks time, and round like, what users run.
package blastest

import (
	"fmt"
	"os"
	"testing"

	"github.com/tvae/tvae/engine"
)

// Main is a TestMain: it restarts the test binary under better OpenBLAS
// kernels where OpenBLAS picked vectorless ones, then runs the tests.
func Main(m *testing.M) {
	UseBetterCore()
	os.Exit(m.Run())
}

// UseBetterCore restarts the test binary as Main does, for a TestMain with
// more to do. If the restart fails the tests run on, only slower.
func UseBetterCore() {
	if err := engine.ExecWithBetterBLASCore(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
