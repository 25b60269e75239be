package data_test

import (
	"fmt"
	"log"

	"github.com/tvae/tvae/data"
)

// ExampleLoad loads the MNIST test split from the default folder, downloading it if needed.
// It has no Output line, so `go test` compiles it but never runs it (no network in tests).
func ExampleLoad() {
	dir, err := data.DefaultDir()
	if err != nil {
		log.Fatal(err)
	}
	d, err := data.Load(dir, "mnist", "test", data.DefaultFetcher())
	if err != nil {
		log.Fatal(err) // one line naming the file and the fix
	}
	fmt.Println(d.Len(), d.Rows, d.Cols, d.Labels[0], len(d.Image(0)))
}
