// Package data loads the MNIST and Fashion-MNIST image-classification datasets from IDX files,
// verifying every file against its known sha256, and can fetch missing files from the official
// mirrors or offline fallbacks.
package data

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Dataset is one split of an image-classification dataset held in memory.
type Dataset struct {
	Name       string    // "mnist" or "fashion-mnist"
	Split      string    // "train" or "test"
	Rows, Cols int       // 28, 28
	Pixels     []float32 // N*Rows*Cols intensities in [0,1] (byte/255), row-major, image i at [i*D:(i+1)*D]
	Labels     []uint8   // N labels in 0..9
}

// Len returns the number of images.
func (d *Dataset) Len() int { return len(d.Labels) }

// Dim returns the number of pixels per image, Rows*Cols.
func (d *Dataset) Dim() int { return d.Rows * d.Cols }

// Image returns image i as a sub-slice of Pixels (no copy); its capacity is capped so an
// append cannot overwrite the next image.
func (d *Dataset) Image(i int) []float32 {
	n := d.Dim()
	return d.Pixels[i*n : (i+1)*n : (i+1)*n]
}

// Subset returns a copy holding the images and labels at the given indices, in that order
// (repeats allowed). It panics if an index is out of range, like slice indexing.
func (d *Dataset) Subset(idx []int) *Dataset {
	n := d.Dim()
	s := &Dataset{
		Name: d.Name, Split: d.Split, Rows: d.Rows, Cols: d.Cols,
		Pixels: make([]float32, len(idx)*n),
		Labels: make([]uint8, len(idx)),
	}
	for j, i := range idx {
		copy(s.Pixels[j*n:(j+1)*n], d.Image(i))
		s.Labels[j] = d.Labels[i]
	}
	return s
}

// Names lists the dataset names Load accepts.
var Names = []string{"mnist", "fashion-mnist"}

// Splits lists the split names Load accepts.
var Splits = []string{"train", "test"}

const (
	imageRows  = 28
	imageCols  = 28
	numClasses = 10
)

// fileSpec is one file of a split: which dataset, its base name (without .gz), and its kind.
type fileSpec struct {
	dataset string
	base    string // e.g. "t10k-images-idx3-ubyte"
	images  bool
}

func (s fileSpec) key() string { return s.dataset + "/" + s.base }

func (s fileSpec) magic() uint32 {
	if s.images {
		return magicImages
	}
	return magicLabels
}

// splitFiles returns the image and label file specs of one split. The test split's files carry
// the historical prefix "t10k".
func splitFiles(name, split string) (images, labels fileSpec, err error) {
	if !slices.Contains(Names, name) {
		return images, labels, fmt.Errorf("data: unknown dataset %q (want %s)", name, strings.Join(Names, " or "))
	}
	prefix := ""
	switch split {
	case "train":
		prefix = "train"
	case "test":
		prefix = "t10k"
	default:
		return images, labels, fmt.Errorf("data: unknown split %q of %s (want %s)", split, name, strings.Join(Splits, " or "))
	}
	return fileSpec{name, prefix + "-images-idx3-ubyte", true},
		fileSpec{name, prefix + "-labels-idx1-ubyte", false}, nil
}

// pathError is a one-line user-facing error about one file. It unwraps to err so callers can
// still test for fs.ErrNotExist.
type pathError struct {
	msg string
	err error
}

func (e *pathError) Error() string { return e.msg }
func (e *pathError) Unwrap() error { return e.err }

// Load reads (and verifies) one split from dir, where files live under dir/<name>/ as
// <prefix>-{images-idx3,labels-idx1}-ubyte[.gz] (prefix "train" or "t10k" for the test split).
// If the files are missing and fetch is non-nil, it fetches them first (see Fetcher).
// With fetch == nil a missing file is an error.
func Load(dir, name, split string, fetch *Fetcher) (*Dataset, error) {
	imgSpec, lblSpec, err := splitFiles(name, split)
	if err != nil {
		return nil, err
	}
	folder := filepath.Join(dir, name)
	specs := []fileSpec{imgSpec, lblSpec}
	paths, missing, err := locateAll(folder, specs)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 && fetch != nil {
		if err := fetch.fetchFiles(folder, missing); err != nil {
			return nil, err
		}
		if paths, missing, err = locateAll(folder, specs); err != nil {
			return nil, err
		}
	}
	if len(missing) > 0 {
		p := filepath.Join(folder, missing[0].base+".gz")
		return nil, &pathError{
			msg: fmt.Sprintf("data: %s not found; pass --data-dir pointing at a folder with mnist/ and fashion-mnist/, or allow downloading", p),
			err: fs.ErrNotExist,
		}
	}

	pix, err := loadFile(paths[0], imgSpec)
	if err != nil {
		return nil, err
	}
	labels, err := loadFile(paths[1], lblSpec)
	if err != nil {
		return nil, err
	}
	n := len(pix) / (imageRows * imageCols)
	if n != len(labels) {
		return nil, fmt.Errorf("data: %s has %d images but %s has %d labels; the files do not belong together, delete them to re-download",
			paths[0], n, paths[1], len(labels))
	}
	return &Dataset{
		Name: name, Split: split, Rows: imageRows, Cols: imageCols,
		Pixels: toUnit(pix),
		Labels: labels,
	}, nil
}

// locateAll finds each spec's file in folder and lists those that are absent.
func locateAll(folder string, specs []fileSpec) (paths []string, missing []fileSpec, err error) {
	for _, s := range specs {
		p, err := locate(folder, s.base)
		if err != nil {
			return nil, nil, err
		}
		if p == "" {
			missing = append(missing, s)
		}
		paths = append(paths, p)
	}
	return paths, missing, nil
}

// locate returns the path of base.gz or base (raw) in folder, or "" if neither exists.
func locate(folder, base string) (string, error) {
	for _, name := range []string{base + ".gz", base} {
		p := filepath.Join(folder, name)
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			return "", fmt.Errorf("data: %s is a directory, want an IDX file; remove it", p)
		case err == nil:
			return p, nil
		case !os.IsNotExist(err):
			return "", &pathError{msg: "data: " + oneLine(err.Error()) + "; check the folder's permissions or pass another --data-dir", err: err}
		}
	}
	return "", nil
}

// loadFile reads, decodes and verifies one dataset file, returning its payload.
func loadFile(path string, spec fileSpec) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &pathError{msg: "data: " + oneLine(err.Error()), err: err}
	}
	defer f.Close()
	payload, ferr := decode(f, spec)
	if ferr != nil {
		return nil, fmt.Errorf("data: %s: %s%s", path, ferr.msg, ferr.hint)
	}
	return payload, nil
}

// decode parses one official file from r and checks everything we know about it: magic,
// dimensions, label range and the sha256 of the decoded bytes (hashed while reading).
func decode(r io.Reader, spec fileSpec) ([]byte, *formatError) {
	info, ok := knownFiles[spec.key()]
	if !ok {
		return nil, formatErrorf("no known checksum for %s; this build cannot verify it", spec.key())
	}
	want := []int{info.count}
	if spec.images {
		want = append(want, imageRows, imageCols)
	}
	h := sha256.New()
	_, payload, err := readIDX(r, idxOptions{magic: spec.magic(), dims: want, hash: h})
	if err != nil {
		fe := err.(*formatError) // readIDX only returns *formatError
		fe.hint = "; delete it and run again to re-download"
		return nil, fe
	}
	if !spec.images {
		for i, l := range payload {
			if l >= numClasses {
				fe := formatErrorf("label %d at index %d is out of range 0..%d", l, i, numClasses-1)
				fe.hint = "; the file is corrupt, delete it to re-download"
				return nil, fe
			}
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != info.sha256 {
		fe := formatErrorf("sha256 mismatch (got %s…, want %s…)", got[:12], info.sha256[:12])
		fe.hint = ": the file is corrupt or not the official dataset; delete it to re-download"
		return nil, fe
	}
	return payload, nil
}

// toUnit converts pixel bytes to intensities in [0,1].
func toUnit(b []byte) []float32 {
	out := make([]float32, len(b))
	for i, v := range b {
		out[i] = float32(v) / 255 // a plain divide pipelines better than a lookup table
	}
	return out
}

// DefaultDir is where datasets live when no --data-dir is given: $TVAE_DATA_DIR if set, else
// os.UserCacheDir()/tvae/data.
func DefaultDir() (string, error) {
	if d := os.Getenv("TVAE_DATA_DIR"); d != "" {
		return d, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("data: no default data folder (%s); set TVAE_DATA_DIR or pass --data-dir", oneLine(err.Error()))
	}
	return filepath.Join(c, "tvae", "data"), nil
}

// isGzip reports whether b starts with the gzip magic bytes.
func isGzip(b []byte) bool { return bytes.HasPrefix(b, []byte{0x1f, 0x8b}) }
