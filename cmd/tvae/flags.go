package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/tvae/tvae/data"
)

// setFlags collects repeated --set key=value overrides.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, " ") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

// newFlagSet returns a FlagSet whose -h prints the command's usage to w.
func newFlagSet(name, args, summary string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: tvae %s %s\n\n%s.\n\nFlags:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and positional arguments in any order, so that both
// `tvae eval RUN --data-dir D` and `tvae eval --data-dir D RUN` work.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelpShown
			}
			return nil, errUsage(err.Error())
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// dataFlags are the flags every command that reads data takes.
type dataFlags struct {
	dir     string
	offline bool
}

// addJobsFlag adds --jobs, the number of runs a sweep or a reproduction trains
// at once (see runAll).
func addJobsFlag(fs *flag.FlagSet) *int {
	return fs.Int("jobs", 1, "runs to train at once, each multiplying on an equal share of the cores' OpenBLAS threads; figures then differ from --jobs 1 in rounding")
}

func addDataFlags(fs *flag.FlagSet) *dataFlags {
	var f dataFlags
	fs.StringVar(&f.dir, "data-dir", "", "folder holding mnist/ and fashion-mnist/ (default $TVAE_DATA_DIR, else a per-user cache folder)")
	fs.BoolVar(&f.offline, "offline", false, "never download: fail if a dataset file is missing from the data folder")
	return &f
}

// datasets loads each split once and keeps it for later runs of the same command.
type datasets struct {
	mu      sync.Mutex
	dir     string
	fetcher *data.Fetcher // nil when offline
	loaded  map[string]*data.Dataset
}

// newDatasets resolves the data folder; downloads, if any, report on log.
func newDatasets(f *dataFlags, log io.Writer) (*datasets, error) {
	dir := f.dir
	if dir == "" {
		var err error
		if dir, err = data.DefaultDir(); err != nil {
			return nil, err
		}
	}
	d := &datasets{dir: dir, loaded: map[string]*data.Dataset{}}
	if !f.offline {
		d.fetcher = data.DefaultFetcher()
		d.fetcher.Log = log
	}
	return d, nil
}

// Dataset returns a split, loading it on first use; safe for concurrent use.
func (d *datasets) Dataset(name, split string) (*data.Dataset, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := name + "/" + split
	if ds, ok := d.loaded[key]; ok {
		return ds, nil
	}
	ds, err := data.Load(d.dir, name, split, d.fetcher)
	if err != nil {
		return nil, err
	}
	d.loaded[key] = ds
	return ds, nil
}
