package rundir

import (
	"fmt"
	"os"
	"testing"

	"github.com/tvae/tvae/engine"
)

// TestMain runs the tests on the OpenBLAS kernels the tvae command would pick
// (engine.ExecWithBetterBLASCore).
func TestMain(m *testing.M) {
	if err := engine.ExecWithBetterBLASCore(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(m.Run())
}
