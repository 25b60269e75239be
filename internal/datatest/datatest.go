// Package datatest gives tests the datasets folder they are handed through
// $TVAE_DATA_DIR (the Taskfile and CI set it), so that no test reaches the
// network and none hard-codes where the data lives.
package datatest

import (
	"os"
	"sync"
	"testing"

	"github.com/tvae/tvae/data"
)

// Dir returns $TVAE_DATA_DIR, or skips the test when it is unset.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("TVAE_DATA_DIR")
	if dir == "" {
		t.Skip("TVAE_DATA_DIR is not set; run the tests with `go tool task test` or set it to the datasets folder")
	}
	return dir
}

var (
	mu     sync.Mutex
	loaded = map[string]*data.Dataset{}
)

// Load returns a split, read once per test binary and never fetched.
func Load(t testing.TB, name, split string) *data.Dataset {
	t.Helper()
	dir := Dir(t)
	mu.Lock()
	defer mu.Unlock()
	key := name + "/" + split
	if d, ok := loaded[key]; ok {
		return d
	}
	d, err := data.Load(dir, name, split, nil)
	if err != nil {
		t.Fatal(err)
	}
	loaded[key] = d
	return d
}

// Long skips a test that trains a model when the tests run with -short, as
// the -race pass does: training under the race detector is many times
// slower, and such tests have run without it just before.
func Long(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("trains a model; skipped with -short")
	}
}
