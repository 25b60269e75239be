package engine

import (
	"context"
	"strings"
	"testing"
)

// stopAfterSteps cancels training after a number of steps.
type stopAfterSteps struct {
	n      *int
	cancel context.CancelFunc
}

func (s stopAfterSteps) Record(e Event) error {
	if *s.n--; *s.n == 0 {
		s.cancel()
	}
	return nil
}

// checkpointAfter runs tr for n steps, stops it and returns its checkpoint.
func checkpointAfter(t *testing.T, tr *Trainer, n int) Checkpoint {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := tr.Run(ctx, stopAfterSteps{&n, cancel}); err != context.Canceled {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	ck, err := tr.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

// A checkpoint that does not fit the trainer it is restored into is refused
// with one line naming what is wrong.
func TestRestoreRefusesMismatchedCheckpoints(t *testing.T) {
	train := syntheticMNIST(200)
	eval, err := NewEvaluator(syntheticMNIST(50))
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Epochs, cfg.TripletsPerClass, cfg.BatchSize = 2, 10, 16 // 100 triplets: 7 steps
	newTrainer := func() *Trainer { return newTestTrainer(t, cfg, train, eval) }
	good := checkpointAfter(t, newTrainer(), 3)
	if good.Epoch != 0 || good.Step != 3 || len(good.Order) != 100 {
		t.Fatalf("checkpoint at epoch %d step %d with %d examples ordered, want 0, 3, 100", good.Epoch, good.Step, len(good.Order))
	}
	if err := newTrainer().Restore(good); err != nil {
		t.Fatalf("a good checkpoint was refused: %v", err)
	}

	wider := cfg
	wider.Hidden = []int{500}
	widerCk, _ := newTestTrainer(t, wider, train, eval).Checkpoint()
	mixture := cfg
	mixture.PriorComponents = 4
	mixtureCk, _ := newTestTrainer(t, mixture, train, eval).Checkpoint()

	for _, c := range []struct {
		name string
		edit func(*Checkpoint)
		want string
	}{
		{"other network", func(c *Checkpoint) { c.Params = widerCk.Params }, "network sizes differ"},
		{"other prior", func(c *Checkpoint) { c.Params = mixtureCk.Params }, "network sizes differ"},
		{"epoch past the end", func(c *Checkpoint) { c.Epoch = 3 }, "outside 0..2"},
		{"triplet out of range", func(c *Checkpoint) { c.Triplets = append(c.Triplets[:99:99], Triplet{0, 1, 200}) }, "outside the 200 training images"},
		{"order too short", func(c *Checkpoint) { c.Order = c.Order[:99] }, "not an order of the 100"},
		{"order repeats", func(c *Checkpoint) { c.Order = append([]int{c.Order[1]}, c.Order[1:]...) }, "not an order of the 100"},
		{"order out of range", func(c *Checkpoint) { c.Order = append([]int{100}, c.Order[1:]...) }, "not an order of the 100"},
		{"step past the epoch", func(c *Checkpoint) { c.Step = 7 }, "step 7 of epoch 1"},
		{"step without order", func(c *Checkpoint) { c.Order, c.Step = nil, 2 }, "without an example order"},
		{"random state", func(c *Checkpoint) { c.RNG = []byte("x") }, "random state is unreadable"},
		{"optimiser state", func(c *Checkpoint) { a := *c.Adam; a.M = a.M[:3]; c.Adam = &a }, "optimiser state does not fit"},
	} {
		ck := good
		ck.Triplets = append([]Triplet(nil), good.Triplets...)
		ck.Order = append([]int(nil), good.Order...)
		c.edit(&ck)
		err := newTrainer().Restore(ck)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: Restore = %v, want one line containing %q", c.name, err, c.want)
		}
	}
}
