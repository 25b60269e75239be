package main

import (
	"context"
	"io"
	"os"
	"runtime"

	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
	"golang.org/x/sync/errgroup"
)

// runSpec is one training run of a sweep or a reproduction.
type runSpec struct {
	cfg   engine.Config
	dir   string
	label string
}

// runAll brings every run to its final figures (seedRun), at most jobs at a
// time, and returns them in the runs' order. The commands check that jobs is
// at least 1, and there is at least one run.
//
// With more than one job, OpenBLAS gets an equal share of the cores per run
// unless OPENBLAS_NUM_THREADS sets it, so that the runs do not fight over
// them. (On 2 cores this no longer finishes sooner than one run at a time,
// whose step now keeps both busy: BENCHMARKS.md.) The progress bars then
// become one line per epoch, which runs writing at once cannot garble. The first run to fail
// stops the others, which save their checkpoints as on Ctrl-C.
func runAll(ctx context.Context, runs []runSpec, jobs int, ds *datasets, progress io.Writer) ([]rundir.Results, error) {
	jobs = min(jobs, len(runs))
	if jobs > 1 {
		if os.Getenv("OPENBLAS_NUM_THREADS") == "" {
			defer engine.SetBLASThreads(engine.BLASThreads())
			engine.SetBLASThreads(max(1, runtime.NumCPU()/jobs))
		}
		if progress != nil {
			progress = &sharedWriter{w: progress}
		}
	}
	results := make([]rundir.Results, len(runs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for i, r := range runs {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err // another run failed: do not start this one
			}
			var err error
			results[i], err = seedRun(ctx, r.cfg, ds, r.dir, progress, r.label)
			return err
		})
	}
	return results, g.Wait()
}
