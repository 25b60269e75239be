package rundir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/tvae/tvae/engine"
)

// Snapshot files: the index (one SnapshotInfo per line, appended) and a
// folder of weights, one file per snapshot.
const (
	SnapshotIndexFile = "snapshots.jsonl"
	SnapshotsFolder   = "snapshots"
)

// SnapshotInfo is one line of snapshots.jsonl: the step a snapshot was taken
// at and its latent quality. Its weights are in snapshots/step-NNNNNNN.bin;
// the test posterior is not stored, since encoding the test split with those
// weights gives it back exactly.
type SnapshotInfo struct {
	Step       int                  `json:"step"`
	EpochSteps int                  `json:"epoch_steps"`
	Epoch      int                  `json:"epoch"`
	EpochEnd   bool                 `json:"epoch_end"`
	Quality    engine.LatentQuality `json:"quality"`
}

// Info is the index line of s.
func Info(s *engine.Snapshot) SnapshotInfo {
	return SnapshotInfo{Step: s.Step, EpochSteps: s.EpochSteps, Epoch: s.Epoch, EpochEnd: s.EpochEnd, Quality: s.Quality}
}

func (d Dir) snapshotPath(step int) string {
	return d.Path(fmt.Sprintf("%s/step-%07d.bin", SnapshotsFolder, step))
}

// WriteSnapshot saves a snapshot's weights, atomically, then adds its line to
// the index, so that every indexed snapshot has its weights.
func (d Dir) WriteSnapshot(s *engine.Snapshot) error {
	if err := os.MkdirAll(d.Path(SnapshotsFolder), 0o755); err != nil {
		return fmt.Errorf("rundir: %v", err)
	}
	b, err := s.Params.MarshalBinary()
	if err != nil {
		return err
	}
	if err := writeAtomic(d.snapshotPath(s.Step), b); err != nil {
		return err
	}
	line, err := json.Marshal(Info(s))
	if err != nil {
		return fmt.Errorf("rundir: snapshot at step %d: %v", s.Step, err)
	}
	return appendLine(d.Path(SnapshotIndexFile), line)
}

// ReadSnapshots returns a run's snapshot index in order of step; a run
// without snapshots has none. A step recorded twice (training resumed from
// an earlier checkpoint after a crash) keeps its last line.
func ReadSnapshots(path string) ([]SnapshotInfo, error) {
	return readIndex(Dir(path).Path(SnapshotIndexFile), func(s SnapshotInfo) int { return s.Step })
}

// readIndex reads a file of JSON lines appended during training, keeps the
// last line of each key and returns them in order of key; a missing file
// holds none. A last line without its newline is being appended by a run
// training now, and is left for the next read.
func readIndex[T any](file string, key func(T) int) ([]T, error) {
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rundir: cannot read %s: %v", file, unwrapPath(err))
	}
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	byKey := map[int]T{}
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			return nil, fmt.Errorf("rundir: %s line %d: %v", file, i+1, err)
		}
		byKey[key(v)] = v
	}
	keys := slices.Sorted(maps.Keys(byKey))
	out := make([]T, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out, nil
}

// ReadSnapshotParams reads the weights of the snapshot at step.
func ReadSnapshotParams(path string, step int) (*engine.Params, error) {
	file := Dir(path).snapshotPath(step)
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("rundir: no snapshot at step %d: %v", step, unwrapPath(err))
	}
	p, err := engine.UnmarshalParams(b)
	if err != nil {
		return nil, fmt.Errorf("rundir: %s: %v", file, err)
	}
	return p, nil
}
