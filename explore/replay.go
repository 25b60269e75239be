package explore

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
)

// ReplayBudget bounds the memory one run's replay keeps: the test posteriors
// of the snapshots looked at most recently (1.6 MB each for MNIST and a
// 20-dimensional latent space; 11.2 MB with the training images). Older ones
// are encoded again from their weights on disk when asked for.
const ReplayBudget = 128 << 20

// Points selects which images a map shows.
type Points string

// The point sets of a map. Test points come first in All, then training ones.
const (
	TestPoints Points = "test" // the test split, 10,000 images for MNIST
	AllPoints  Points = "all"  // test and training splits, 70,000 for MNIST
)

// ParsePoints reads a point set's name.
func ParsePoints(s string) (Points, error) {
	switch p := Points(s); p {
	case TestPoints, AllPoints:
		return p, nil
	}
	return "", fmt.Errorf("explore: points must be test or all (got %q)", s)
}

// Posterior is μ and log σ² of a set of images, row by row.
type Posterior struct {
	Mu, LogVar engine.Embedding
}

func (p Posterior) bytes() int { return 4 * (len(p.Mu.Data) + len(p.LogVar.Data)) }

// Frame is the posterior of the map's images at one snapshot. The test part
// is always there; the posterior of all images (test, then training) is
// made on first use and kept whole, so that maps of all 70,000 images do not
// copy it again.
type Frame struct {
	Info rundir.SnapshotInfo
	Test Posterior
	// PriorMeans are the mixture prior's component means at the snapshot
	// (none under N(0, I)).
	PriorMeans engine.Embedding

	mu  sync.Mutex
	all *Posterior
}

func (f *Frame) bytes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.Test.bytes()
	if f.all != nil {
		n += f.all.bytes()
	}
	return n
}

// Replay is a run's snapshots, read back on demand. The training goroutine
// adds them as they are taken; any goroutine may read them.
type Replay struct {
	dir         string
	train, test *data.Dataset

	mu     sync.Mutex
	infos  []rundir.SnapshotInfo // in order of step
	frames map[int]*Frame
	recent []int // steps of frames, least recently used first
	budget int   // bytes of frames kept: ReplayBudget
	bases  map[int]Basis
}

func newReplay(dir string, train, test *data.Dataset, infos []rundir.SnapshotInfo) *Replay {
	return &Replay{dir: dir, train: train, test: test, infos: infos, frames: map[int]*Frame{}, budget: ReplayBudget, bases: map[int]Basis{}}
}

// ErrNoSnapshot is returned for a step the run has no snapshot of.
var ErrNoSnapshot = errors.New("explore: no snapshot at that step")

// Snapshots lists the snapshots taken so far, in order of step.
func (rp *Replay) Snapshots() []rundir.SnapshotInfo {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return slices.Clone(rp.infos)
}

// Last returns the newest snapshot, or false before the first.
func (rp *Replay) Last() (rundir.SnapshotInfo, bool) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if len(rp.infos) == 0 {
		return rundir.SnapshotInfo{}, false
	}
	return rp.infos[len(rp.infos)-1], true
}

// add records a snapshot just taken; its posterior is kept, so the newest
// step is never encoded twice.
func (rp *Replay) add(s *engine.Snapshot) {
	info := rundir.Info(s)
	rp.mu.Lock()
	defer rp.mu.Unlock()
	i, found := slices.BinarySearchFunc(rp.infos, info.Step, func(a rundir.SnapshotInfo, step int) int { return a.Step - step })
	if found {
		rp.infos[i] = info
	} else {
		rp.infos = slices.Insert(rp.infos, i, info)
	}
	delete(rp.bases, info.Step)
	rp.keep(&Frame{Info: info, Test: Posterior{Mu: s.Mu, LogVar: s.LogVar}})
}

// keep caches a frame as the most recent and evicts the least recently used
// ones beyond the budget. The caller holds rp.mu.
func (rp *Replay) keep(f *Frame) {
	step := f.Info.Step
	rp.recent = slices.DeleteFunc(rp.recent, func(s int) bool { return s == step })
	rp.frames[step] = f
	rp.recent = append(rp.recent, step)
	total := 0
	for _, s := range rp.recent {
		total += rp.frames[s].bytes()
	}
	for total > rp.budget && len(rp.recent) > 1 {
		old := rp.recent[0]
		total -= rp.frames[old].bytes()
		delete(rp.frames, old)
		rp.recent = rp.recent[1:]
	}
}

// Has reports whether there is a snapshot at step.
func (rp *Replay) Has(step int) bool {
	_, err := rp.info(step)
	return err == nil
}

// info returns the index entry of step.
func (rp *Replay) info(step int) (rundir.SnapshotInfo, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	i, found := slices.BinarySearchFunc(rp.infos, step, func(a rundir.SnapshotInfo, step int) int { return a.Step - step })
	if !found {
		return rundir.SnapshotInfo{}, fmt.Errorf("%w: step %d (the run has %d snapshots)", ErrNoSnapshot, step, len(rp.infos))
	}
	return rp.infos[i], nil
}

// Frame returns the posterior at step's snapshot, from memory or encoded
// again from the snapshot's weights.
func (rp *Replay) Frame(step int) (*Frame, error) {
	info, err := rp.info(step)
	if err != nil {
		return nil, err
	}
	rp.mu.Lock()
	if f, ok := rp.frames[step]; ok {
		rp.keep(f)
		rp.mu.Unlock()
		return f, nil
	}
	rp.mu.Unlock()
	p, err := rp.Params(step)
	if err != nil {
		return nil, err
	}
	mu, logVar := engine.EncodeSplit(p, rp.test)
	f := &Frame{Info: info, Test: Posterior{Mu: mu, LogVar: logVar}, PriorMeans: priorMeans(p)}
	rp.mu.Lock()
	rp.keep(f)
	rp.mu.Unlock()
	return f, nil
}

// Params reads the weights of step's snapshot from the run folder.
func (rp *Replay) Params(step int) (*engine.Params, error) {
	if _, err := rp.info(step); err != nil {
		return nil, err
	}
	return rundir.ReadSnapshotParams(rp.dir, step)
}

// Basis returns the projection fitted to the test means of step's snapshot.
func (rp *Replay) Basis(step int) (Basis, error) {
	rp.mu.Lock()
	b, ok := rp.bases[step]
	rp.mu.Unlock()
	if ok {
		return b, nil
	}
	f, err := rp.Frame(step)
	if err != nil {
		return Basis{}, err
	}
	b, ok = FitBasis(f.Test.Mu)
	if !ok {
		return Basis{}, fmt.Errorf("explore: the means at step %d span no plane", step)
	}
	rp.mu.Lock()
	rp.bases[step] = b
	rp.mu.Unlock()
	return b, nil
}

// Posterior returns the posterior of a point set at step's snapshot: the
// test images, then (for AllPoints) the training images.
func (rp *Replay) Posterior(step int, points Points) (Posterior, error) {
	f, err := rp.Frame(step)
	if err != nil {
		return Posterior{}, err
	}
	return rp.posterior(f, points)
}

// posterior is Posterior of frame f, encoding the training images with its
// snapshot's weights the first time AllPoints asks.
func (rp *Replay) posterior(f *Frame, points Points) (Posterior, error) {
	step := f.Info.Step
	if points == TestPoints {
		return f.Test, nil
	}
	f.mu.Lock()
	all := f.all
	f.mu.Unlock()
	if all == nil {
		p, err := rp.Params(step)
		if err != nil {
			return Posterior{}, err
		}
		mu, logVar := engine.EncodeSplit(p, rp.train)
		all = &Posterior{Mu: concat(f.Test.Mu, mu), LogVar: concat(f.Test.LogVar, logVar)}
		f.mu.Lock()
		f.all = all
		f.mu.Unlock()
		rp.mu.Lock()
		if rp.frames[step] == f {
			rp.keep(f) // its size grew: evict others if needed
		}
		rp.mu.Unlock()
	}
	return *all, nil
}

func concat(a, b engine.Embedding) engine.Embedding {
	return engine.Embedding{N: a.N + b.N, Dim: a.Dim, Data: slices.Concat(a.Data, b.Data)}
}

// Labels returns the labels of a point set, in the order of its points.
func (rp *Replay) Labels(points Points) []uint8 {
	if points == TestPoints {
		return rp.test.Labels
	}
	return slices.Concat(rp.test.Labels, rp.train.Labels)
}

// Locate names point i of a point set: the split it comes from ("test" or
// "train") and its index there.
func (rp *Replay) Locate(points Points, i int) (split string, index int, err error) {
	n := rp.test.Len()
	if points == AllPoints {
		n += rp.train.Len()
	}
	switch {
	case i < 0 || i >= n:
		return "", 0, fmt.Errorf("explore: point %d is out of range: the map has %d points", i, n)
	case i < rp.test.Len():
		return "test", i, nil
	default:
		return "train", i - rp.test.Len(), nil
	}
}

// Dims are the rows and columns of the run's images.
func (rp *Replay) Dims() (rows, cols int) { return rp.test.Rows, rp.test.Cols }
