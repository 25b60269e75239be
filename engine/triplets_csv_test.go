package engine

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseTriplets(t *testing.T) {
	for _, c := range []struct {
		name, csv string
		want      []Triplet
		err       string // a part of the error, "" for none
	}{
		{"header and blank lines", "anchor,positive,negative\n0,1,2\n\n 3 , 4,5 \n", []Triplet{{0, 1, 2}, {3, 4, 5}}, ""},
		{"no header, CRLF", "9,8,7\r\n", []Triplet{{9, 8, 7}}, ""},
		{"empty file", "", nil, "no triplets"},
		{"header only", "anchor,positive,negative\n", nil, "no triplets"},
		{"two fields", "0,1\n", nil, "line 1: 2 fields, want 3"},
		{"four fields", "0,1,2\n0,1,2,3\n", nil, "line 2: 4 fields, want 3"},
		{"not a number", "0,x,2\n", nil, `"x" is not an index`},
		{"negative index", "0,1,-2\n", nil, "index -2 is outside the 10 training images"},
		{"index too large", "0,1,10\n", nil, "index 10 is outside the 10 training images (0..9)"},
		{"anchor equals positive", "4,4,2\n", nil, "the anchor is its own positive (4)"},
		{"anchor equals negative", "4,3,4\n", nil, "the anchor is its own negative (4)"},
		{"positive equals negative", "4,3,3\n", nil, "the positive is also the negative (3)"},
		{"header not first", "0,1,2\nanchor,positive,negative\n", nil, `line 2: "anchor" is not an index`},
		{"binary", strings.Repeat("\x00", 2000), nil, "not a triplets CSV"},
	} {
		got, err := parseTriplets(strings.NewReader(c.csv), 10)
		switch {
		case c.err == "" && (err != nil || !reflect.DeepEqual(got, c.want)):
			t.Errorf("%s: got %v, %v; want %v", c.name, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "\n")):
			t.Errorf("%s: error %v, want one line containing %q", c.name, err, c.err)
		}
	}
}

// A configuration's triplets_file replaces the random training triplets; a
// missing or bad file stops NewTrainer with one line naming it.
func TestTrainerReadsTripletsFile(t *testing.T) {
	train := syntheticMNIST(20)
	eval, err := NewEvaluator(syntheticMNIST(20))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.csv"), filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte("0,10,1\n2,12,3\n"), 0o644)
	os.WriteFile(bad, []byte("0,10,20\n"), 0o644)
	cfg := DefaultConfig()
	cfg.TripletsFile = good
	tr, err := NewTrainer(cfg, train, eval)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ck, _ := tr.Checkpoint()
	if want := []Triplet{{0, 10, 1}, {2, 12, 3}}; !reflect.DeepEqual(ck.Triplets, want) {
		t.Fatalf("training triplets %v, want the file's %v", ck.Triplets, want)
	}
	for path, want := range map[string]string{
		bad:                              "bad.csv: line 1: index 20 is outside the 20 training images",
		filepath.Join(dir, "nofile.csv"): "nofile.csv: no such file or directory",
	} {
		cfg.TripletsFile = path
		if _, err := NewTrainer(cfg, train, eval); err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "engine: triplets_file ") {
			t.Errorf("%s: %v, want an engine: line containing %q", path, err, want)
		}
	}
	cfg.RedrawTriplets = true
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "exclude each other") {
		t.Errorf("triplets_file with redraw_triplets: %v", err)
	}
}

func FuzzParseTriplets(f *testing.F) {
	f.Add([]byte("anchor,positive,negative\n0,1,2\n"), 5)
	f.Add([]byte("1,1,2\n"), 3)
	f.Add([]byte("0,1,99999999999999999999\n"), 10)
	f.Add([]byte("\n\n,,\n"), 1)
	f.Fuzz(func(t *testing.T, csv []byte, images int) {
		ts, err := parseTriplets(strings.NewReader(string(csv)), images)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not one line", err)
			}
			return
		}
		if len(ts) == 0 {
			t.Fatal("no error and no triplets")
		}
		for _, tr := range ts {
			if min(tr.Anchor, tr.Positive, tr.Negative) < 0 || max(tr.Anchor, tr.Positive, tr.Negative) >= images ||
				tr.Anchor == tr.Positive || tr.Anchor == tr.Negative || tr.Positive == tr.Negative {
				t.Fatalf("accepted a bad triplet %+v of %d images", tr, images)
			}
		}
	})
}
