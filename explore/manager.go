// Package explore runs training sessions in the background for the explorer
// and hands out immutable views of them. Each run's training goroutine owns
// its model; everyone else reads the snapshots it publishes at epoch ends.
// The package knows nothing of HTTP: progress leaves it through Publisher.
package explore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
)

// Datasets gives the splits runs train and are explored on. It may be called
// from several goroutines.
type Datasets interface {
	Dataset(name, split string) (*data.Dataset, error)
}

// Publisher receives progress updates. Publish is called on training
// goroutines and must not block.
type Publisher interface {
	Publish(Update)
}

// Manager keeps every run of this session: started here or opened from disk.
type Manager struct {
	ctx     context.Context // cancelled at shutdown: stops every run
	data    Datasets
	runsDir string
	pub     Publisher
	wg      sync.WaitGroup

	mu   sync.Mutex
	runs []*Run
}

// NewManager returns a Manager that saves new runs under runsDir and lists the
// finished runs already there. Cancelling ctx stops all training; Wait then
// returns once every run has saved its last epoch.
func NewManager(ctx context.Context, ds Datasets, runsDir string, pub Publisher) (*Manager, error) {
	if err := os.MkdirAll(runsDir, 0o755); err != nil {
		return nil, fmt.Errorf("explore: cannot create runs folder %s: %v; pass a writable --runs folder", runsDir, err)
	}
	m := &Manager{ctx: ctx, data: ds, runsDir: runsDir, pub: pub}
	ents, err := os.ReadDir(runsDir)
	if err != nil {
		return nil, fmt.Errorf("explore: cannot list runs folder: %v", err)
	}
	for _, e := range ents {
		if e.IsDir() {
			// A folder that is not a complete run (say, one killed before its
			// first epoch) is skipped, not an error.
			if r, err := m.open(filepath.Join(runsDir, e.Name()), e.Name()); err == nil {
				m.runs = append(m.runs, r)
			}
		}
	}
	return m, nil
}

// Start begins training cfg in the background and returns its run.
func (m *Manager) Start(cfg engine.Config) (*Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	train, test, err := m.splits(cfg.Dataset)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id := m.newID(rundir.ModelName(cfg))
	ctx, cancel := context.WithCancel(m.ctx)
	r := newRun(id, filepath.Join(m.runsDir, id), cfg, cfg.TrainingSet(train), test, nil, Running, m.pub)
	r.cancel = cancel
	m.runs = append(m.runs, r)
	m.wg.Add(1)
	go m.train(r, func() (rundir.Results, error) {
		return rundir.Train(ctx, cfg, train, test, r.Dir, m.recorder(ctx, r))
	})
	m.pub.Publish(r.stateUpdate())
	return r, nil
}

// Continue resumes training a stopped or interrupted run in the background,
// from the step its folder saved; it ends with the weights of a run that was
// never stopped.
func (m *Manager) Continue(id string) (*Run, error) {
	if m.ctx.Err() != nil {
		return nil, fmt.Errorf("explore: the explorer is shutting down")
	}
	r, err := m.Run(id)
	if err != nil {
		return nil, err
	}
	train, test, err := m.splits(r.Config.Dataset)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(m.ctx)
	if err := r.control(func() error { return r.restart(cancel) }); err != nil {
		cancel()
		return nil, err
	}
	m.wg.Add(1)
	go m.train(r, func() (rundir.Results, error) {
		return rundir.Resume(ctx, r.Dir, train, test, m.recorder(ctx, r))
	})
	return r, nil
}

// Open adds a finished run folder (weights loaded, no training) and returns it.
func (m *Manager) Open(path string) (*Run, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("explore: %v", err)
	}
	m.mu.Lock()
	for _, r := range m.runs {
		if r.Dir == abs {
			m.mu.Unlock()
			return r, nil
		}
	}
	m.mu.Unlock()
	r, err := m.open(abs, filepath.Base(abs))
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs = append(m.runs, r)
	return r, nil
}

// open reads a run folder: a finished run, or one stopped in an earlier
// session (it has a checkpoint and no results), which may continue.
func (m *Manager) open(path, id string) (*Run, error) {
	cfg, err := rundir.ReadConfig(path)
	if err != nil {
		return nil, err
	}
	state := Saved
	var history []engine.EpochMetrics
	res, err := rundir.ReadResults(path)
	if err == nil {
		history, err = rundir.ReadMetrics(path)
	} else {
		var ck engine.Checkpoint
		if ck, err = rundir.ReadCheckpoint(path); err == nil {
			state = Interrupted
			history, err = rundir.CheckpointedMetrics(path, ck.Epoch)
		}
	}
	if err != nil {
		return nil, err
	}
	train, test, err := m.splits(cfg.Dataset)
	if err != nil {
		return nil, err
	}
	snapshots, err := rundir.ReadSnapshots(path)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(path)
	r := newRun(id, abs, cfg, cfg.TrainingSet(train), test, snapshots, state, m.pub)
	if state == Saved || len(history) > 0 { // weights are saved from the first epoch's end
		saved, err := rundir.Open(path)
		if err != nil {
			return nil, err
		}
		r.params = saved.Params
	}
	r.history = history
	if state == Saved {
		r.results = &res
	}
	if len(history) > 0 {
		r.epoch = history[len(history)-1].Epoch
	}
	return r, nil
}

func (m *Manager) splits(name string) (train, test *data.Dataset, err error) {
	if train, err = m.data.Dataset(name, "train"); err != nil {
		return nil, nil, err
	}
	if test, err = m.data.Dataset(name, "test"); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// newID names a run by its start time and model, unique within runsDir.
func (m *Manager) newID(model string) string {
	base := time.Now().Format("20060102-150405") + "-" + model
	id := base
	for n := 2; m.exists(id); n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	return id
}

func (m *Manager) exists(id string) bool {
	for _, r := range m.runs {
		if r.ID == id {
			return true
		}
	}
	_, err := os.Stat(filepath.Join(m.runsDir, id))
	return err == nil
}

// train is a run's training goroutine: fit trains, and the run records how
// it ended.
func (m *Manager) train(r *Run, fit func() (rundir.Results, error)) {
	defer m.wg.Done()
	r.finish(fit())
	m.pub.Publish(r.stateUpdate())
}

func (m *Manager) recorder(ctx context.Context, r *Run) engine.Recorder {
	return &recorder{run: r, pub: m.pub, ctx: ctx}
}

// Runs returns every run in the order they were added.
func (m *Manager) Runs() []*Run {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Run(nil), m.runs...)
}

// ErrNoRun is returned for an unknown run ID.
var ErrNoRun = errors.New("explore: no such run")

// Run returns the run with the given ID.
func (m *Manager) Run(id string) (*Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.runs {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, ErrNoRun
}

// Wait blocks until every training goroutine has returned.
func (m *Manager) Wait() { m.wg.Wait() }
