package explore

import (
	"math/rand/v2"
	"testing"

	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/internal/datatest"
)

// paperReplay is a replay of one snapshot of the paper's network (784-400-20,
// random weights: the cost does not depend on their values) over MNIST.
func paperReplay(b *testing.B) *Replay {
	train, test := datatest.Load(b, "mnist", "train"), datatest.Load(b, "mnist", "test")
	cfg := engine.DefaultConfig()
	p := engine.NewParams(784, cfg.Hidden, cfg.Latent, rand.New(rand.NewPCG(1, 2)))
	rp := replayOf(b, p, test)
	rp.train = train
	return rp
}

// BenchmarkReplayEncodeTest is a replay frame missing from memory: the test
// posterior encoded again from the snapshot's weights (read from disk).
func BenchmarkReplayEncodeTest(b *testing.B) {
	rp := paperReplay(b)
	for b.Loop() {
		rp.mu.Lock()
		rp.frames = map[int]*Frame{}
		rp.recent = nil
		rp.mu.Unlock()
		if _, err := rp.Frame(1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplayEncodeTrain is the first map of all 70,000 images at a
// step: the 60,000 training images encoded with the snapshot's weights.
func BenchmarkReplayEncodeTrain(b *testing.B) {
	rp := paperReplay(b)
	f, err := rp.Frame(1)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		f.mu.Lock()
		f.all = nil
		f.mu.Unlock()
		if _, err := rp.Posterior(1, AllPoints); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplayMapAll is a map of all 70,000 images once their posteriors
// are in memory: the projection and spreads a step of the slider costs.
func BenchmarkReplayMapAll(b *testing.B) {
	rp := paperReplay(b)
	if _, err := rp.Map(1, 1, AllPoints); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := rp.Map(1, 1, AllPoints); err != nil {
			b.Fatal(err)
		}
	}
}
