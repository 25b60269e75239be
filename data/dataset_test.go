package data

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// sharedDataDir returns $TVAE_DATA_DIR, the folder with the real datasets, or skips the test.
// (internal/datatest does the same for other packages; it imports data, so it cannot be used here.)
func sharedDataDir(t *testing.T) string {
	t.Helper()
	d := os.Getenv("TVAE_DATA_DIR")
	if d == "" {
		t.Skip("TVAE_DATA_DIR is not set; run the tests with `go tool task test` or set it to the datasets folder")
	}
	return d
}

func TestLoadReal(t *testing.T) {
	dir := sharedDataDir(t)
	fashionTest := []int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}
	fashionTrain := []int{6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}
	tests := []struct {
		name, split string
		big         bool // skipped with -short
		n           int
		classes     []int
		first       []uint8 // first labels, from the files' headers
	}{
		{"mnist", "train", true, 60000, []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, []uint8{5, 0, 4, 1}},
		{"mnist", "test", false, 10000, []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, []uint8{7, 2, 1, 0}},
		{"fashion-mnist", "train", true, 60000, fashionTrain, []uint8{9, 0, 0, 3}},
		{"fashion-mnist", "test", false, 10000, fashionTest, []uint8{9, 2, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.split, func(t *testing.T) {
			if tt.big && testing.Short() {
				t.Skip("60000 images; skipped with -short")
			}
			d, err := Load(dir, tt.name, tt.split, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d.Name != tt.name || d.Split != tt.split || d.Rows != 28 || d.Cols != 28 || d.Dim() != 784 {
				t.Errorf("got %s/%s %dx%d dim %d", d.Name, d.Split, d.Rows, d.Cols, d.Dim())
			}
			if d.Len() != tt.n || len(d.Pixels) != tt.n*784 {
				t.Fatalf("Len() = %d with %d pixels, want %d images", d.Len(), len(d.Pixels), tt.n)
			}
			counts := make([]int, 10)
			for _, l := range d.Labels {
				counts[l]++ // Load guarantees l < 10
			}
			if !slices.Equal(counts, tt.classes) {
				t.Errorf("class counts %v, want %v", counts, tt.classes)
			}
			if !slices.Equal(d.Labels[:4], tt.first) {
				t.Errorf("first labels %v, want %v", d.Labels[:4], tt.first)
			}
			lo, hi := slices.Min(d.Pixels), slices.Max(d.Pixels)
			if lo != 0 || hi != 1 {
				t.Errorf("pixel range [%v, %v], want [0, 1]", lo, hi)
			}
			if img := d.Image(tt.n - 1); len(img) != 784 || &img[0] != &d.Pixels[(tt.n-1)*784] {
				t.Errorf("Image(last) is not the last 784 pixels")
			}
		})
	}
}

// testTable is a checksum table for a tiny synthetic mnist (3 train images, 2 test images).
func testTable(trainImg, trainLbl, testImg, testLbl []byte) map[string]fileInfo {
	return map[string]fileInfo{
		"mnist/train-images-idx3-ubyte": {sha(trainImg), 3},
		"mnist/train-labels-idx1-ubyte": {sha(trainLbl), 3},
		"mnist/t10k-images-idx3-ubyte":  {sha(testImg), 2},
		"mnist/t10k-labels-idx1-ubyte":  {sha(testLbl), 2},
	}
}

func TestLoadSynthetic(t *testing.T) {
	img, lbl := synthImages(3, 1), synthLabels(3)
	useTable(t, testTable(img, lbl, synthImages(2, 2), synthLabels(2)))
	tests := []struct {
		name  string
		files map[string][]byte
	}{
		{"gzip", map[string][]byte{"train-images-idx3-ubyte.gz": gzipBytes(t, img), "train-labels-idx1-ubyte.gz": gzipBytes(t, lbl)}},
		{"raw", map[string][]byte{"train-images-idx3-ubyte": img, "train-labels-idx1-ubyte": lbl}},
		{"mixed", map[string][]byte{"train-images-idx3-ubyte": img, "train-labels-idx1-ubyte.gz": gzipBytes(t, lbl)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, filepath.Join(dir, "mnist"), tt.files)
			d, err := Load(dir, "mnist", "train", nil)
			if err != nil {
				t.Fatal(err)
			}
			if d.Len() != 3 || !slices.Equal(d.Labels, []uint8{0, 1, 2}) {
				t.Fatalf("got %d images, labels %v", d.Len(), d.Labels)
			}
			for i, p := range d.Pixels {
				if want := float32(img[16+i]) / 255; p != want {
					t.Fatalf("pixel %d = %v, want %v", i, p, want)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	img, lbl := synthImages(3, 1), synthLabels(3)
	useTable(t, testTable(img, lbl, synthImages(2, 2), synthLabels(2)))
	badLabels := idxBytes(magicLabels, []int{3}, []byte{0, 12, 3})
	shortLabels := synthLabels(2)
	wrongPixels := synthImages(3, 99)

	const (
		imgGz = "train-images-idx3-ubyte.gz"
		lblGz = "train-labels-idx1-ubyte.gz"
	)
	tests := []struct {
		name   string
		dsName string
		split  string
		files  map[string][]byte
		table  map[string]fileInfo // overrides on top of the test table
		want   []string
	}{
		{"unknown dataset", "foo", "train", nil, nil, []string{`unknown dataset "foo" (want mnist or fashion-mnist)`}},
		{"unknown split", "mnist", "val", nil, nil, []string{`unknown split "val"`, "want train or test"}},
		{"no files", "mnist", "train", nil, nil, []string{filepath.Join("mnist", imgGz) + " not found", "--data-dir"}},
		{"labels missing", "mnist", "train", map[string][]byte{imgGz: img}, nil,
			[]string{filepath.Join("mnist", lblGz) + " not found", "allow downloading"}},
		{"labels file under the images name", "mnist", "train", map[string][]byte{imgGz: lbl, lblGz: lbl}, nil,
			[]string{imgGz + ": wrong magic 0x00000801, want 0x00000803 (an IDX image file)"}},
		{"truncated header", "mnist", "train", map[string][]byte{imgGz: img[:7], lblGz: lbl}, nil,
			[]string{imgGz + ": truncated header", "delete it and run again to re-download"}},
		{"truncated payload", "mnist", "train", map[string][]byte{imgGz: gzipBytes(t, img[:1000]), lblGz: lbl}, nil,
			[]string{imgGz + ": truncated: header says 2352 pixel bytes, file has 984 after decompression", "re-download"}},
		{"trailing bytes", "mnist", "train", map[string][]byte{imgGz: img, lblGz: append(lbl[:len(lbl):len(lbl)], 0)}, nil,
			[]string{lblGz + ": trailing bytes"}},
		{"bad gzip", "mnist", "train", map[string][]byte{imgGz: []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff}, lblGz: lbl}, nil,
			[]string{imgGz + ": corrupt gzip stream"}},
		{"zero images", "mnist", "train", map[string][]byte{imgGz: idxBytes(magicImages, []int{0, 28, 28}, nil), lblGz: lbl}, nil,
			[]string{imgGz + ": header says dimensions 0x28x28: dimension 0 is zero"}},
		{"wrong image size", "mnist", "train", map[string][]byte{imgGz: idxBytes(magicImages, []int{3, 32, 32}, make([]byte, 3*32*32)), lblGz: lbl}, nil,
			[]string{imgGz + ": header says 3x32x32 images, want 3x28x28"}},
		{"huge dims", "mnist", "train", map[string][]byte{imgGz: idxBytes(magicImages, []int{1 << 30, 1 << 30, 1 << 30}, nil), lblGz: lbl}, nil,
			[]string{imgGz + ": header says dimensions 1073741824x1073741824x1073741824, a payload over"}},
		{"label out of range", "mnist", "train", map[string][]byte{imgGz: img, lblGz: badLabels}, nil,
			[]string{lblGz + ": label 12 at index 1 is out of range 0..9"}},
		{"sha mismatch", "mnist", "train", map[string][]byte{imgGz: wrongPixels, lblGz: lbl}, nil,
			[]string{imgGz + ": sha256 mismatch (got " + sha(wrongPixels)[:12] + "…, want " + sha(img)[:12] + "…)", "not the official dataset"}},
		{"fewer labels than the table says", "mnist", "train", map[string][]byte{imgGz: img, lblGz: shortLabels}, nil,
			[]string{lblGz + ": header says 2 labels, want 3"}},
		{"images and labels disagree", "mnist", "train", map[string][]byte{imgGz: img, lblGz: shortLabels},
			map[string]fileInfo{"mnist/train-labels-idx1-ubyte": {sha(shortLabels), 2}},
			[]string{imgGz + " has 3 images but", lblGz + " has 2 labels"}},
		{"no checksum known", "fashion-mnist", "test", map[string][]byte{"t10k-images-idx3-ubyte.gz": img, "t10k-labels-idx1-ubyte.gz": lbl}, nil,
			[]string{"no known checksum for fashion-mnist/t10k-images-idx3-ubyte"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.table != nil {
				table := testTable(img, lbl, synthImages(2, 2), synthLabels(2))
				for k, v := range tt.table {
					table[k] = v
				}
				useTable(t, table)
			}
			dir := t.TempDir()
			writeFiles(t, filepath.Join(dir, tt.dsName), tt.files)
			d, err := Load(dir, tt.dsName, tt.split, nil)
			checkErr(t, err, tt.want...)
			if d != nil {
				t.Errorf("got a dataset along with the error")
			}
		})
	}
}

// TestLoadRealTableRejectsImpostor writes a well-formed IDX file of the right size but the wrong
// content under an official name, and checks the real checksum table catches it.
func TestLoadRealTableRejectsImpostor(t *testing.T) {
	dir := t.TempDir()
	imgs := idxBytes(magicImages, []int{10000, 28, 28}, make([]byte, 10000*784))
	writeFiles(t, filepath.Join(dir, "mnist"), map[string][]byte{
		"t10k-images-idx3-ubyte": imgs,
		"t10k-labels-idx1-ubyte": synthLabels(10000),
	})
	_, err := Load(dir, "mnist", "test", nil)
	checkErr(t, err, "t10k-images-idx3-ubyte: sha256 mismatch", "want 0fa7898d5092…")
}

func TestLoadNotFoundIsErrNotExist(t *testing.T) {
	_, err := Load(t.TempDir(), "fashion-mnist", "test", nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
}

func TestDatasetMethods(t *testing.T) {
	d := &Dataset{Name: "mnist", Split: "test", Rows: 2, Cols: 2,
		Pixels: []float32{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2},
		Labels: []uint8{7, 8, 9},
	}
	if d.Len() != 3 || d.Dim() != 4 {
		t.Fatalf("Len, Dim = %d, %d", d.Len(), d.Dim())
	}
	img := d.Image(1)
	if !slices.Equal(img, []float32{1, 1, 1, 1}) || cap(img) != 4 {
		t.Errorf("Image(1) = %v (cap %d)", img, cap(img))
	}
	img[0] = 5 // Image shares memory with Pixels
	if d.Pixels[4] != 5 {
		t.Errorf("Image does not alias Pixels")
	}
	s := d.Subset([]int{2, 0, 2})
	if s.Name != "mnist" || s.Split != "test" || s.Rows != 2 || s.Cols != 2 || s.Len() != 3 {
		t.Fatalf("Subset header %+v", s)
	}
	if !slices.Equal(s.Labels, []uint8{9, 7, 9}) ||
		!slices.Equal(s.Pixels, []float32{2, 2, 2, 2, 0, 0, 0, 0, 2, 2, 2, 2}) {
		t.Errorf("Subset = %v %v", s.Labels, s.Pixels)
	}
	s.Pixels[0] = 42
	if d.Pixels[8] == 42 {
		t.Errorf("Subset shares memory with the original")
	}
	if e := d.Subset(nil); e.Len() != 0 || len(e.Pixels) != 0 {
		t.Errorf("empty Subset has %d images", e.Len())
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("TVAE_DATA_DIR", "/some/where")
	if d, err := DefaultDir(); err != nil || d != "/some/where" {
		t.Errorf("with TVAE_DATA_DIR: %q, %v", d, err)
	}
	t.Setenv("TVAE_DATA_DIR", "")
	t.Setenv("XDG_CACHE_HOME", "/cache")
	t.Setenv("HOME", "/home/u")
	d, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	if c, cerr := os.UserCacheDir(); cerr == nil && d != filepath.Join(c, "tvae", "data") {
		t.Errorf("DefaultDir() = %q, want %q", d, filepath.Join(c, "tvae", "data"))
	}
}
