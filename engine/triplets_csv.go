package engine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// maxTripletLine bounds one line of a triplets CSV: three indices need far
// less, and a file that is not a CSV must not be read whole into a line.
const maxTripletLine = 1 << 10

// parseTriplets reads training triplets from CSV: one "anchor,positive,negative"
// line per triplet, indices into the training images (0 ≤ index < images),
// with an optional header line and blank lines ignored. The anchor must differ
// from the positive and the negative, so every triplet can teach something.
// Errors name the line and say what a valid line looks like.
func parseTriplets(r io.Reader, images int) ([]Triplet, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64), maxTripletLine)
	var ts []Triplet
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || (line == 1 && strings.EqualFold(strings.ReplaceAll(text, " ", ""), "anchor,positive,negative")) {
			continue
		}
		t, err := parseTripletLine(text, images)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v; each line is anchor,positive,negative: three training-image indices", line, err)
		}
		ts = append(ts, t)
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, fmt.Errorf("a line is longer than %d bytes: this is not a triplets CSV", maxTripletLine)
		}
		return nil, err
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("no triplets in the file; each line is anchor,positive,negative: three training-image indices")
	}
	return ts, nil
}

func parseTripletLine(text string, images int) (Triplet, error) {
	fields := strings.Split(text, ",")
	if len(fields) != 3 {
		return Triplet{}, fmt.Errorf("%d fields, want 3", len(fields))
	}
	var idx [3]int
	for i, f := range fields {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return Triplet{}, fmt.Errorf("%q is not an index", strings.TrimSpace(f))
		}
		if v < 0 || v >= images {
			return Triplet{}, fmt.Errorf("index %d is outside the %d training images (0..%d)", v, images, images-1)
		}
		idx[i] = v
	}
	t := Triplet{Anchor: idx[0], Positive: idx[1], Negative: idx[2]}
	switch {
	case t.Anchor == t.Positive:
		return Triplet{}, fmt.Errorf("the anchor is its own positive (%d)", t.Anchor)
	case t.Anchor == t.Negative:
		return Triplet{}, fmt.Errorf("the anchor is its own negative (%d)", t.Anchor)
	case t.Positive == t.Negative:
		return Triplet{}, fmt.Errorf("the positive is also the negative (%d)", t.Positive)
	}
	return t, nil
}

// readTripletsFile reads the triplets_file of a configuration.
func readTripletsFile(path string, images int) ([]Triplet, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("engine: triplets_file %s: %v; give the path of a CSV of anchor,positive,negative indices", path, err)
	}
	defer f.Close()
	ts, err := parseTriplets(f, images)
	if err != nil {
		return nil, fmt.Errorf("engine: triplets_file %s: %v", path, err)
	}
	return ts, nil
}
