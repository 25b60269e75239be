package rundir

import (
	"encoding/json"

	"github.com/tvae/tvae/engine"
)

// StepsFile is a run's training curve: one StepPoint per line, appended about
// StepPointsPerEpoch times an epoch. The explorer's event stream keeps its
// step events in memory only; this file lets it draw the loss curves of a
// run trained by `tvae train` or before a restart.
const StepsFile = "steps.jsonl"

// StepPointsPerEpoch is about how many steps of each epoch steps.jsonl keeps.
const StepPointsPerEpoch = 50

// StepPoint is one line of steps.jsonl: the objective's terms at one step.
type StepPoint struct {
	Epoch int          `json:"epoch"` // the epoch under way, 1-based
	Step  int          `json:"step"`  // steps done in it, 1-based
	Steps int          `json:"steps"` // steps in an epoch
	Terms engine.Terms `json:"terms"`
}

// keepsStep tells whether steps.jsonl keeps step, of an epoch of steps: every
// steps/StepPointsPerEpoch-th by count, so that a resumed run writes the
// points an uninterrupted one would.
func keepsStep(step, steps int) bool {
	return step%max(1, steps/StepPointsPerEpoch) == 0
}

func (d Dir) appendStep(p StepPoint) error {
	line, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return appendLine(d.Path(StepsFile), line)
}

// ReadSteps returns a run's training curve in order of epoch and step; a run
// made before steps.jsonl existed has none. A point written twice (training
// resumed from an earlier checkpoint after a crash) keeps its last line.
func ReadSteps(path string) ([]StepPoint, error) {
	return readIndex(Dir(path).Path(StepsFile), func(p StepPoint) int { return (p.Epoch-1)*p.Steps + p.Step })
}
