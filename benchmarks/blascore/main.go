// Command blascore prints the OpenBLAS core type (OPENBLAS_CORETYPE) the tvae
// command multiplies with on this machine, or nothing in the pure-Go build, so
// that the benchmark scripts give PyTorch, which loads the same OpenBLAS, the
// same kernels. Build it with the tags of the build being measured.
package main

import (
	"fmt"

	"github.com/tvae/tvae/engine"
)

func main() {
	if core, ok := engine.BetterBLASCore(); ok {
		fmt.Println(core)
		return
	}
	fmt.Println(engine.BLASCore())
}
