package explore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
)

// State is where a run is in its life.
type State string

// The states of a run. Only Running and Paused runs are training.
const (
	Running     State = "running"
	Paused      State = "paused"
	Stopping    State = "stopping" // stop asked; finishing the current step
	Finished    State = "finished" // trained every epoch
	Stopped     State = "stopped"  // stopped by the user or at shutdown; its state saved for Continue
	Failed      State = "failed"
	Saved       State = "saved"       // opened from disk, finished, not trained in this session
	Interrupted State = "interrupted" // opened from disk, stopped in an earlier session; can Continue
)

// Run is one training run. Its fields are fixed at creation; its progress is
// read through Status and View.
type Run struct {
	ID     string
	Dir    string // the run folder on disk
	Config engine.Config
	Train  *data.Dataset // the images it trains on (a subset when Config.TrainSubset is set)
	Test   *data.Dataset
	// Replay holds the snapshots of the latent state taken during training.
	Replay *Replay

	pub Publisher

	mu       sync.Mutex
	cancel   context.CancelFunc // stops training; nil for a run opened from disk until it continues
	state    State
	err      string
	epoch    int
	history  []engine.EpochMetrics
	params   *engine.Params  // snapshot at the end of the last epoch; nil before
	results  *rundir.Results // final figures once finished; nil before
	resumeCh chan struct{}   // non-nil while paused; closed by Resume

	viewMu   sync.Mutex    // guards view and building
	view     *View         // the newest view built
	building chan struct{} // non-nil while a view is built; closed when done
}

func newRun(id, dir string, cfg engine.Config, train, test *data.Dataset, snapshots []rundir.SnapshotInfo, s State, pub Publisher) *Run {
	return &Run{ID: id, Dir: dir, Config: cfg, Train: train, Test: test, Replay: newReplay(dir, train, test, snapshots), state: s, pub: pub}
}

// Curve returns the training curve saved in the run's folder (see
// rundir.StepsFile): the loss at steps of every epoch trained so far.
func (r *Run) Curve() ([]rundir.StepPoint, error) { return rundir.ReadSteps(r.Dir) }

// Status is a consistent copy of a run's progress.
type Status struct {
	State         State
	Err           string
	Epoch, Epochs int
	History       []engine.EpochMetrics
	// Results are the final figures of a finished run, nil before; shared, not to be modified.
	Results *rundir.Results
}

// Model is "tvae" or "vae".
func (r *Run) Model() string { return rundir.ModelName(r.Config) }

// Status returns the run's progress now.
func (r *Run) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Status{State: r.state, Err: r.err, Epoch: r.epoch, Epochs: r.Config.Epochs, History: append([]engine.EpochMetrics(nil), r.history...), Results: r.results}
}

// ErrState is returned when a control does not apply to the run's state.
var ErrState = errors.New("explore: not possible in this state")

// Pause holds training before its next step.
func (r *Run) Pause() error { return r.control(r.pause) }

// Resume continues a paused run.
func (r *Run) Resume() error { return r.control(r.resume) }

// Stop ends training after the step under way; the run folder keeps the
// trainer's state, so Manager.Continue can go on from there.
func (r *Run) Stop() error { return r.control(r.stop) }

// control applies a state change under the lock and announces it.
func (r *Run) control(change func() error) error {
	r.mu.Lock()
	err := change()
	r.mu.Unlock()
	if err == nil {
		r.pub.Publish(r.stateUpdate())
	}
	return err
}

func (r *Run) pause() error {
	if r.state != Running {
		return fmt.Errorf("%w: run %s is %s, only a running run can be paused", ErrState, r.ID, r.state)
	}
	r.state, r.resumeCh = Paused, make(chan struct{})
	return nil
}

func (r *Run) resume() error {
	if r.state != Paused {
		return fmt.Errorf("%w: run %s is %s, only a paused run can be resumed", ErrState, r.ID, r.state)
	}
	r.state = Running
	close(r.resumeCh)
	r.resumeCh = nil
	return nil
}

func (r *Run) stop() error {
	if r.state != Running && r.state != Paused {
		return fmt.Errorf("%w: run %s is %s, only a running or paused run can be stopped", ErrState, r.ID, r.state)
	}
	r.state = Stopping
	r.cancel()
	return nil
}

// restart marks a stopped or interrupted run as training again.
func (r *Run) restart(cancel context.CancelFunc) error {
	if r.state != Stopped && r.state != Interrupted {
		return fmt.Errorf("%w: run %s is %s, only a stopped or interrupted run can continue", ErrState, r.ID, r.state)
	}
	r.state, r.err, r.cancel = Running, "", cancel
	return nil
}

// waitWhilePaused blocks the training goroutine while the run is paused.
func (r *Run) waitWhilePaused(ctx context.Context) error {
	r.mu.Lock()
	ch := r.resumeCh
	r.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// epochDone records an epoch's snapshot and metrics.
func (r *Run) epochDone(m engine.EpochMetrics, p *engine.Params) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.epoch, r.params = m.Epoch, p
	r.history = append(r.history, m)
}

// finish records how training ended, with the final figures when it finished.
func (r *Run) finish(res rundir.Results, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancel()
	r.resumeCh = nil
	switch {
	case err == nil:
		r.state, r.results = Finished, &res
	case errors.Is(err, context.Canceled):
		r.state = Stopped
	default:
		r.state, r.err = Failed, err.Error()
	}
}

func (r *Run) stateUpdate() Update {
	s := r.Status()
	return Update{Kind: StateUpdate, Run: r.ID, Epoch: s.Epoch, Epochs: s.Epochs, State: s.State, Err: s.Err}
}
