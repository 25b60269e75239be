// Command replay measures the explorer's replay on a trained run folder with
// snapshots, through the same HTTP handler `tvae serve` uses (in process, no
// network): how long each kind of request takes the server, how many bytes
// it sends, and how much memory the replay holds (live heap after a
// collection) once every snapshot has been looked at.
//
//	go run -tags openblas ./benchmarks/replay --data-dir DATA_DIR --run RUN_DIR
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/web"
)

type datasets struct{ dir string }

func (d datasets) Dataset(name, split string) (*data.Dataset, error) {
	return data.Load(d.dir, name, split, nil)
}

func main() {
	dataDir := flag.String("data-dir", os.Getenv("TVAE_DATA_DIR"), "folder holding mnist/ and fashion-mnist/")
	runDir := flag.String("run", "", "a run folder trained with snapshot_every > 0")
	flag.Parse()
	if err := run(*dataDir, *runDir); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
}

// liveHeap is the heap in use after a full collection.
func liveHeap() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func run(dataDir, runDir string) error {
	if runDir == "" {
		return fmt.Errorf("--run is missing: give a run folder trained with --set snapshot_every=100")
	}
	hub := web.NewHub()
	m, err := explore.NewManager(context.Background(), datasets{dataDir}, os.TempDir()+"/tvae-replay-bench", hub)
	if err != nil {
		return err
	}
	r, err := m.Open(runDir)
	if err != nil {
		return err
	}
	h := web.NewServer(m, hub, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	get := func(path string) (time.Duration, int, error) {
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/runs/"+r.ID+path, nil))
		if rec.Code != 200 {
			return 0, 0, fmt.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		return time.Since(start), rec.Body.Len(), nil
	}
	snaps := r.Replay.Snapshots()
	if len(snaps) == 0 {
		return fmt.Errorf("%s has no snapshots: train it with --set snapshot_every=100", runDir)
	}
	last := snaps[len(snaps)-1].Step
	base := liveHeap()
	fmt.Printf("run %s: %d snapshots, %d test and %d training images; %d cores, %s\n\n", r.ID, len(snaps), r.Test.Len(), r.Train.Len(), runtime.NumCPU(), runtime.Version())
	fmt.Println("| request | server time (median, max) | bytes |")
	fmt.Println("| --- | --- | --- |")
	row := func(what string, times []time.Duration, bytes int) {
		slices.Sort(times)
		fmt.Printf("| %s | %.1f ms, %.1f ms | %d |\n", what, ms(times[len(times)/2]), ms(times[len(times)-1]), bytes)
	}
	scrub := func(what string) error {
		var times []time.Duration
		var n int
		for _, s := range snaps {
			d, b, err := get(fmt.Sprintf("/map.bin?step=%d&basis=%d&points=test", s.Step, last))
			if err != nil {
				return err
			}
			times, n = append(times, d), b
		}
		row(what, times, n)
		return nil
	}
	if err := scrub(fmt.Sprintf("map.bin, test, each of the %d steps, first time (weights read, test encoded)", len(snaps))); err != nil {
		return err
	}
	testHeld := liveHeap() - base
	if err := scrub("map.bin, test, each step again (in memory)"); err != nil {
		return err
	}
	for _, c := range []struct{ what, path string }{
		{"map.bin, all 70,000, first time at a step (training images encoded)", "/map.bin?points=all"},
		{"map.bin, all 70,000, again", "/map.bin?points=all"},
		{"compare, all 70,000, select=0, k=10", "/compare?points=all&select=0"},
		{"decode.png", "/decode.png?x=0.5&y=-0.5"},
		{"interpolate.png, 10 images", "/interpolate.png?a=0&b=1"},
		{"export.png, test (gonum/plot, first time)", "/export.png?points=test&select=0"},
		{"export.png, all 70,000 (first time)", "/export.png?points=all&select=0"},
		{"export.csv, all 70,000", "/export.csv?points=all"},
		{"view.json, all 70,000, select=0", "/view.json?points=all&select=0"},
	} {
		d, b, err := get(c.path)
		if err != nil {
			return err
		}
		row(c.what, []time.Duration{d}, b)
	}
	allHeld := liveHeap() - base
	info, _ := json.Marshal(snaps[0])
	fmt.Printf("\nmemory held by the replay (live heap after GC, over the run opened): %.1f MB with the test posteriors of all %d snapshots (%.2f MB each), %.1f MB once the last step's training images were encoded too\n",
		testHeld, len(snaps), testHeld/float64(len(snaps)), allHeld)
	fmt.Printf("budget: %d MB; an index line: %s\n", explore.ReplayBudget>>20, info)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
