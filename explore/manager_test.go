package explore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/internal/datatest"
)

type testData struct{ t *testing.T }

func (d testData) Dataset(name, split string) (*data.Dataset, error) {
	return datatest.Load(d.t, name, split), nil
}

// updates collects every update published, safe for concurrent use.
type updates struct {
	mu  sync.Mutex
	all []Update
	ch  chan Update
}

func newUpdates() *updates { return &updates{ch: make(chan Update, 10000)} }

func (u *updates) Publish(x Update) {
	u.mu.Lock()
	u.all = append(u.all, x)
	u.mu.Unlock()
	u.ch <- x
}

// waitFor returns the first update of run satisfying ok, or fails after a minute.
func (u *updates) waitFor(t *testing.T, run string, ok func(Update) bool) Update {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case x := <-u.ch:
			if x.Run == run && ok(x) {
				return x
			}
		case <-timeout:
			t.Fatal("timed out waiting for an update")
		}
	}
}

func tinyConfig() engine.Config {
	cfg := engine.DefaultConfig()
	cfg.Epochs, cfg.TrainSubset, cfg.TripletsPerClass, cfg.BatchSize, cfg.IWSamples = 3, 600, 40, 32, 0
	return cfg
}

func TestRunLifecycle(t *testing.T) {
	datatest.Dir(t)
	runs := t.TempDir()
	pub := newUpdates()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := NewManager(ctx, testData{t}, runs, pub)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Start(tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.View(); !errors.Is(err, ErrNoView) && err != nil {
		t.Fatalf("View before any epoch: %v", err)
	}
	pub.waitFor(t, r.ID, func(u Update) bool { return u.Kind == EpochUpdate && u.Epoch == 1 })

	if err := r.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := r.Pause(); !errors.Is(err, ErrState) {
		t.Fatalf("second Pause: %v, want ErrState", err)
	}
	pub.waitFor(t, r.ID, func(u Update) bool { return u.Kind == StateUpdate && u.State == Paused })
	// While paused, training goes quiet: one step may still finish after
	// Pause returns (the pause takes effect at the next report), then nothing.
	quiet := time.After(20 * time.Second)
	steps := 0
drain:
	for {
		select {
		case u := <-pub.ch:
			if u.Kind == StepUpdate {
				steps++
			}
		case <-time.After(time.Second):
			break drain
		case <-quiet:
			t.Fatal("training did not pause")
		}
	}
	if steps > 1 {
		t.Fatalf("%d step updates after Pause, want at most 1", steps)
	}
	before := r.Status().Epoch
	v, err := r.View()
	if err != nil {
		t.Fatal(err)
	}
	if v.TrainMu.N != 600 || v.TestMu.N != 10000 || len(v.Map) != 10000 || v.Epoch < before {
		t.Fatalf("view: %d train means, %d test means, %d map points, epoch %d", v.TrainMu.N, v.TestMu.N, len(v.Map), v.Epoch)
	}
	if again, _ := r.View(); again != v {
		t.Error("View rebuilt without a new epoch")
	}

	if err := r.Resume(); err != nil {
		t.Fatal(err)
	}
	pub.waitFor(t, r.ID, func(u Update) bool { return u.Kind == EpochUpdate && u.Epoch == 2 })
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	pub.waitFor(t, r.ID, func(u Update) bool {
		return u.Kind == StateUpdate && (u.State == Stopped || u.State == Finished)
	})
	m.Wait()
	s := r.Status()
	if len(s.History) < 2 || (s.State != Stopped && s.State != Finished) {
		t.Fatalf("status after stop: %+v", s)
	}

	// A new manager over the same folder lists the run, with its weights and history.
	m2, err := NewManager(ctx, testData{t}, runs, pub)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := m2.Run(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := Saved // a run stopped before its end is interrupted, and may continue
	t.Logf("the run ended %s after %d epochs", s.State, len(s.History))
	if s.State == Stopped {
		want = Interrupted
	}
	if ss := saved.Status(); ss.State != want || len(ss.History) != len(s.History) {
		t.Fatalf("reopened run: %+v, want %s with %d epochs", ss, want, len(s.History))
	}
	if _, err := saved.View(); err != nil {
		t.Fatal(err)
	}
	if err := saved.Pause(); !errors.Is(err, ErrState) {
		t.Fatalf("Pause of a saved run: %v", err)
	}
	if want == Saved {
		if _, err := m2.Continue(r.ID); !errors.Is(err, ErrState) {
			t.Fatalf("Continue of a finished run: %v, want ErrState", err)
		}
		return
	}
	if testing.Short() {
		return // continuing trains and measures the final figures: slow under -race
	}
	if _, err := m2.Continue(r.ID); err != nil {
		t.Fatal(err)
	}
	m2.Wait()
	if ss := saved.Status(); ss.State != Finished || ss.Epoch != 3 || len(ss.History) != 3 {
		t.Fatalf("continued run ended %s at epoch %d with %d epochs logged, want finished with 3", ss.State, ss.Epoch, len(ss.History))
	}
}

func TestShutdownStopsRuns(t *testing.T) {
	datatest.Dir(t)
	pub := newUpdates()
	ctx, cancel := context.WithCancel(context.Background())
	m, err := NewManager(ctx, testData{t}, t.TempDir(), pub)
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig()
	cfg.Epochs = 1000
	r, err := m.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pub.waitFor(t, r.ID, func(u Update) bool { return u.Kind == StepUpdate })
	r.Pause() // a paused run must stop too
	cancel()
	m.Wait()
	if s := r.Status(); s.State != Stopped {
		t.Fatalf("state after shutdown %s", s.State)
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	m, err := NewManager(context.Background(), testData{t}, t.TempDir(), newUpdates())
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig()
	cfg.Epochs = 0
	if _, err := m.Start(cfg); err == nil {
		t.Fatal("no error for epochs = 0")
	}
}
