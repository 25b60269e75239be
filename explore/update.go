package explore

import (
	"context"
	"time"

	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
)

// UpdateKind says which fields of an Update are set.
type UpdateKind string

// The kinds of update.
const (
	StepUpdate     UpdateKind = "step"     // Epoch, Epochs, Step, Steps, Terms
	EpochUpdate    UpdateKind = "epoch"    // Epoch, Epochs, Terms (epoch means), Metrics
	StateUpdate    UpdateKind = "state"    // Epoch, Epochs, State, Err
	SnapshotUpdate UpdateKind = "snapshot" // Epoch, Epochs, Snapshot
)

// Update is one piece of progress of one run.
type Update struct {
	Kind                       UpdateKind
	Run                        string
	Epoch, Epochs, Step, Steps int
	Terms                      engine.Terms
	Metrics                    *engine.EpochMetrics
	State                      State
	Err                        string
	Snapshot                   *rundir.SnapshotInfo
}

// StepInterval is the least time between two step updates of a run: loss
// curves move smoothly at a few updates a second without flooding viewers.
const StepInterval = 250 * time.Millisecond

// recorder turns training events into updates and holds training while the
// run is paused. It runs on the training goroutine.
type recorder struct {
	run      *Run
	pub      Publisher
	ctx      context.Context
	lastStep time.Time
}

func (rc *recorder) Record(e engine.Event) error {
	u := Update{Run: rc.run.ID, Epoch: e.Epoch, Epochs: e.Epochs, Step: e.Step, Steps: e.Steps, Terms: e.Terms}
	if e.Snapshot != nil {
		rc.run.Replay.add(e.Snapshot)
		info := rundir.Info(e.Snapshot)
		rc.pub.Publish(Update{Kind: SnapshotUpdate, Run: rc.run.ID, Epoch: e.Epoch, Epochs: e.Epochs, Snapshot: &info})
	}
	switch {
	case e.EpochDone:
		rc.run.epochDone(*e.Metrics, e.Params)
		rc.run.prebuildView()
		u.Kind, u.Metrics = EpochUpdate, e.Metrics
		rc.pub.Publish(u)
	case time.Since(rc.lastStep) >= StepInterval:
		rc.lastStep = time.Now()
		u.Kind = StepUpdate
		rc.pub.Publish(u)
	}
	return rc.run.waitWhilePaused(rc.ctx)
}
