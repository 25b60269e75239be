package rundir

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tvae/tvae/engine"
)

func TestRunFolderRoundTrip(t *testing.T) {
	d, err := Create(filepath.Join(t.TempDir(), "a", "run"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.DefaultConfig()
	cfg.Epochs, cfg.Seed = 3, 9
	p := engine.NewParams(784, cfg.Hidden, cfg.Latent, rand.New(rand.NewPCG(1, 2)))
	ms := []engine.EpochMetrics{{Epoch: 1, TripletAccuracy: 0.9, TestNELBO: 120.5}, {Epoch: 2, TripletAccuracy: 0.93, Train: engine.Terms{Total: 1.5}}}
	if err := d.WriteConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteParams(p); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if err := d.AppendMetrics(m); err != nil {
			t.Fatal(err)
		}
	}
	run, err := Open(string(d))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(run.Config, cfg) || !reflect.DeepEqual(run.Params, p) {
		t.Fatal("config or weights changed on the way through the folder")
	}
	got, err := ReadMetrics(string(d))
	if err != nil || !reflect.DeepEqual(got, ms) {
		t.Fatalf("ReadMetrics = %+v, %v; want %+v", got, err, ms)
	}
	// No temporary files are left behind by the atomic writes.
	ents, _ := os.ReadDir(string(d))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind %s", e.Name())
		}
	}
}

func TestRunFolderErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	noWeights := filepath.Join(dir, "noweights")
	os.MkdirAll(noWeights, 0o755)
	os.WriteFile(filepath.Join(noWeights, ConfigFile), engine.DefaultConfig().YAML(), 0o644)
	badMetrics := filepath.Join(dir, "badmetrics")
	os.MkdirAll(badMetrics, 0o755)
	os.WriteFile(filepath.Join(badMetrics, MetricsFile), []byte("{\"epoch\":1}\nnot json\n"), 0o644)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"create under a file", func() error { _, err := Create(filepath.Join(file, "run")); return err }(), "cannot create run folder"},
		{"open a non-run", func() error { _, err := Open(dir); return err }(), "is not a run folder"},
		{"open without weights", func() error { _, err := Open(noWeights); return err }(), "has no weights"},
		{"metrics missing", func() error { _, err := ReadMetrics(dir); return err }(), "cannot read"},
		{"metrics corrupt", func() error { _, err := ReadMetrics(badMetrics); return err }(), "line 2"},
	} {
		if tc.err == nil || !strings.HasPrefix(tc.err.Error(), "rundir: ") || !strings.Contains(tc.err.Error(), tc.want) || strings.Contains(tc.err.Error(), "\n") {
			t.Errorf("%s: got %v, want one rundir: line containing %q", tc.name, tc.err, tc.want)
		}
	}
}

// Snapshots come back in order of step with their weights; a step written
// twice (a resume after a crash) keeps its last line.
func TestSnapshotsRoundTrip(t *testing.T) {
	d, err := Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ReadSnapshots(string(d)); err != nil || got != nil {
		t.Fatalf("no snapshots yet: ReadSnapshots = %v, %v; want none", got, err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	params := map[int]*engine.Params{}
	for i, step := range []int{20, 10, 20} {
		p := engine.NewParams(8, []int{3}, 2, rng)
		params[step] = p
		s := &engine.Snapshot{Step: step, Epoch: 1, EpochEnd: step == 20, Params: p, Quality: engine.LatentQuality{TripletAccuracy: float64(i) / 10}}
		if err := d.WriteSnapshot(s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadSnapshots(string(d))
	want := []SnapshotInfo{{Step: 10, Epoch: 1, Quality: engine.LatentQuality{TripletAccuracy: 0.1}}, {Step: 20, Epoch: 1, EpochEnd: true, Quality: engine.LatentQuality{TripletAccuracy: 0.2}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadSnapshots = %+v, %v; want %+v", got, err, want)
	}
	for step, p := range params {
		if got, err := ReadSnapshotParams(string(d), step); err != nil || !reflect.DeepEqual(got, p) {
			t.Fatalf("step %d: weights changed on the way through the folder (%v)", step, err)
		}
	}
	if _, err := ReadSnapshotParams(string(d), 30); err == nil || !strings.Contains(err.Error(), "no snapshot at step 30") {
		t.Fatalf("missing snapshot: %v", err)
	}
}

// The training curve keeps about StepPointsPerEpoch steps of an epoch, every
// step of a short one.
func TestKeepsStep(t *testing.T) {
	for _, c := range []struct{ steps, want int }{{10, 10}, {50, 50}, {99, 99}, {100, 50}, {391, 55}, {469, 52}} {
		kept := 0
		for step := 1; step <= c.steps; step++ {
			if keepsStep(step, c.steps) {
				kept++
			}
		}
		if kept != c.want {
			t.Errorf("%d steps an epoch: %d kept, want %d", c.steps, kept, c.want)
		}
	}
}

// ReadSteps orders the points, keeps the last line of a step written twice
// and leaves a line still being appended for the next read.
func TestReadSteps(t *testing.T) {
	for _, c := range []struct {
		name, file string
		want       []int // epoch*1000 + step of each point
		err        string
	}{
		{"none", "", nil, ""},
		{"in order", `{"epoch":1,"step":2,"steps":4}` + "\n" + `{"epoch":2,"step":1,"steps":4}` + "\n", []int{1002, 2001}, ""},
		{"resumed, out of order", `{"epoch":2,"step":1,"steps":4,"terms":{"total":1}}` + "\n" + `{"epoch":1,"step":4,"steps":4}` + "\n" + `{"epoch":2,"step":1,"steps":4,"terms":{"total":2}}` + "\n", []int{1004, 2001}, ""},
		{"last line half written", `{"epoch":1,"step":2,"steps":4}` + "\n" + `{"epoch":1,"st`, []int{1002}, ""},
		{"corrupt", `{"epoch":1,"step":2,"steps":4}` + "\n" + `not json` + "\n", nil, "steps.jsonl line 2"},
	} {
		dir := t.TempDir()
		if c.file != "" {
			if err := os.WriteFile(filepath.Join(dir, StepsFile), []byte(c.file), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := ReadSteps(dir)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), "rundir: ") {
				t.Errorf("%s: error %v, want one naming %q", c.name, err, c.err)
			}
			continue
		}
		var keys []int
		for _, p := range got {
			keys = append(keys, p.Epoch*1000+p.Step)
		}
		if err != nil || !reflect.DeepEqual(keys, c.want) {
			t.Errorf("%s: points %v (%v), want %v", c.name, keys, err, c.want)
		}
		if c.name == "resumed, out of order" && got[1].Terms.Total != 2 {
			t.Errorf("%s: kept the first line of step 1 of epoch 2, want the last", c.name)
		}
	}
}
