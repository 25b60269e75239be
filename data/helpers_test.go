package data

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxBytes builds a raw IDX file with the given magic, dimensions and payload (payload is not
// checked against dims, so corrupt files can be built too).
func idxBytes(magic uint32, dims []int, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(payload)
	return b.Bytes()
}

func gzipBytes(t testing.TB, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// synthImages returns n 28x28 images whose pixels depend on seed, as a raw IDX file.
func synthImages(n int, seed byte) []byte {
	p := make([]byte, n*imageRows*imageCols)
	for i := range p {
		p[i] = byte(i*7) + seed
	}
	p[0], p[1] = 0, 255 // make sure both ends of the range occur
	return idxBytes(magicImages, []int{n, imageRows, imageCols}, p)
}

// synthLabels returns n labels cycling through 0..9, as a raw IDX file.
func synthLabels(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i % numClasses)
	}
	return idxBytes(magicLabels, []int{n}, p)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// useTable swaps the checksum table for the test's duration. Tests that call it must not run in parallel.
func useTable(t *testing.T, table map[string]fileInfo) {
	t.Helper()
	old := knownFiles
	knownFiles = table
	t.Cleanup(func() { knownFiles = old })
}

// writeFiles writes name -> content into dir, creating it.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// listDir returns the names in dir, or nil if it does not exist.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// checkErr asserts err is a one-line "data: " error containing every want substring.
func checkErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "data: ") {
		t.Errorf("error %q lacks the \"data: \" prefix", msg)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error %q spans several lines", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
}
