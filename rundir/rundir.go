// Package rundir stores training runs on disk. A run directory holds
//
//	config.yaml        the resolved configuration
//	weights.bin        the trained weights (engine.Params.MarshalBinary)
//	metrics.jsonl      one engine.EpochMetrics per line, appended at every epoch end
//	results.json       the final figures (Results)
//	test_triplets.csv  the evaluation triplets the figures were measured on
//	checkpoint.bin     the trainer's state at the last epoch end (engine.Checkpoint), for Resume
//	snapshots.jsonl    one SnapshotInfo per snapshot of the latent state (engine.Snapshot)
//	snapshots/         the weights of each snapshot, step-NNNNNNN.bin, for the explorer's replay
//
// Every file but metrics.jsonl is written atomically, so a crash never leaves
// a half-written one behind.
package rundir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tvae/tvae/engine"
)

// File names inside a run directory.
const (
	ConfigFile     = "config.yaml"
	WeightsFile    = "weights.bin"
	MetricsFile    = "metrics.jsonl"
	ResultsFile    = "results.json"
	TripletsFile   = "test_triplets.csv"
	CheckpointFile = "checkpoint.bin"
)

// Results are a run's final figures with what produced them.
type Results struct {
	Model   string `json:"model"` // "tvae" or "vae"
	Dataset string `json:"dataset"`
	Seed    uint64 `json:"seed"`
	Epochs  int    `json:"epochs"`
	engine.Results
	TrainSeconds float64 `json:"train_seconds"`
}

// ModelName is "tvae" for a triplet run and "vae" for a plain VAE.
func ModelName(c engine.Config) string {
	if c.IsTriplet() {
		return "tvae"
	}
	return "vae"
}

// Dir is one run directory.
type Dir string

// Create makes the run directory (and its parents) and checks it is writable
// before any training starts.
func Create(path string) (Dir, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return "", fmt.Errorf("rundir: cannot create run folder %s: %v; choose another --out", path, unwrapPath(err))
	}
	probe, err := os.CreateTemp(path, ".probe-*")
	if err != nil {
		return "", fmt.Errorf("rundir: run folder %s is not writable: %v; choose another --out", path, unwrapPath(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return Dir(path), nil
}

// Path joins name to the directory.
func (d Dir) Path(name string) string { return filepath.Join(string(d), name) }

// WriteConfig saves the resolved configuration.
func (d Dir) WriteConfig(c engine.Config) error { return writeAtomic(d.Path(ConfigFile), c.YAML()) }

// WriteParams saves the weights.
func (d Dir) WriteParams(p *engine.Params) error {
	b, err := p.MarshalBinary()
	if err != nil {
		return err
	}
	return writeAtomic(d.Path(WeightsFile), b)
}

// AppendMetrics adds one epoch's line to metrics.jsonl.
func (d Dir) AppendMetrics(m engine.EpochMetrics) error {
	line, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return appendLine(d.Path(MetricsFile), line)
}

// appendLine adds line and a newline to the end of file, creating it.
func appendLine(file string, line []byte) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("rundir: %v", err)
	}
	defer f.Close()
	_, err = f.Write(append(line, '\n'))
	return err
}

// writeMetrics replaces metrics.jsonl with the given epochs, atomically.
func (d Dir) writeMetrics(ms []engine.EpochMetrics) error {
	var b bytes.Buffer
	for _, m := range ms {
		line, err := json.Marshal(m)
		if err != nil {
			return err
		}
		b.Write(append(line, '\n'))
	}
	return writeAtomic(d.Path(MetricsFile), b.Bytes())
}

// WriteResults saves results.json.
func (d Dir) WriteResults(r Results) error { return WriteJSON(d.Path(ResultsFile), r) }

// WriteTriplets saves the evaluation triplets as CSV (anchor,positive,negative).
func (d Dir) WriteTriplets(ts []engine.Triplet) error {
	var b bytes.Buffer
	b.WriteString("anchor,positive,negative\n")
	for _, t := range ts {
		b.WriteString(strconv.Itoa(t.Anchor) + "," + strconv.Itoa(t.Positive) + "," + strconv.Itoa(t.Negative) + "\n")
	}
	return writeAtomic(d.Path(TripletsFile), b.Bytes())
}

// Run is a finished run read back from disk.
type Run struct {
	Dir    Dir
	Config engine.Config
	Params *engine.Params
}

// ReadConfig reads a run's configuration.
func ReadConfig(path string) (engine.Config, error) {
	d := Dir(path)
	cf, err := os.Open(d.Path(ConfigFile))
	if err != nil {
		return engine.Config{}, fmt.Errorf("rundir: %s is not a run folder (%v); give the --out folder of tvae train", path, unwrapPath(err))
	}
	defer cf.Close()
	cfg, err := engine.ParseConfig(cf)
	if err != nil {
		return engine.Config{}, fmt.Errorf("rundir: %s: %v", d.Path(ConfigFile), err)
	}
	return cfg, nil
}

// Open reads a run's configuration and weights.
func Open(path string) (*Run, error) {
	d := Dir(path)
	cfg, err := ReadConfig(path)
	if err != nil {
		return nil, err
	}
	wb, err := os.ReadFile(d.Path(WeightsFile))
	if err != nil {
		return nil, fmt.Errorf("rundir: %s has no weights (%v); was its training finished?", path, unwrapPath(err))
	}
	p, err := engine.UnmarshalParams(wb)
	if err != nil {
		return nil, fmt.Errorf("rundir: %s: %v", d.Path(WeightsFile), err)
	}
	if p.Latent() != cfg.Latent || len(p.Encoder) != len(cfg.Hidden) {
		return nil, fmt.Errorf("rundir: %s does not match %s (latent %d, depth %d against %d, %d)", d.Path(WeightsFile), ConfigFile, p.Latent(), len(p.Encoder), cfg.Latent, len(cfg.Hidden))
	}
	return &Run{Dir: d, Config: cfg, Params: p}, nil
}

// ReadResults reads a run's results.json.
func ReadResults(path string) (Results, error) {
	var r Results
	b, err := os.ReadFile(Dir(path).Path(ResultsFile))
	if err != nil {
		return r, fmt.Errorf("rundir: %v", unwrapPath(err))
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("rundir: %s: %v", Dir(path).Path(ResultsFile), err)
	}
	return r, nil
}

// WriteJSON writes v, indented, to path atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, append(b, '\n'))
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error { return writeAtomic(path, data) }

// writeAtomic writes to a temporary file in the same folder, syncs it and
// renames it over path, so readers see the old file or the new one, never a part.
func writeAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("rundir: cannot write %s: %v", path, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("rundir: writing %s: %v", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("rundir: writing %s: %v", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("rundir: writing %s: %v", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("rundir: writing %s: %v", path, err)
	}
	return nil
}

// unwrapPath drops the path an fs.PathError repeats, since our messages name it.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ReadMetrics reads the per-epoch metrics a run has logged so far.
func ReadMetrics(path string) ([]engine.EpochMetrics, error) {
	b, err := os.ReadFile(Dir(path).Path(MetricsFile))
	if err != nil {
		return nil, fmt.Errorf("rundir: cannot read %s: %v", Dir(path).Path(MetricsFile), unwrapPath(err))
	}
	var ms []engine.EpochMetrics
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m engine.EpochMetrics
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("rundir: %s line %d: %v", Dir(path).Path(MetricsFile), i+1, err)
		}
		ms = append(ms, m)
	}
	return ms, nil
}
