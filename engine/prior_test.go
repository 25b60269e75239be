package engine

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Samples of a mixture whose components are narrow and far apart sit at
// the components' means, about as often at each; without a mixture they
// are N(0, I), mean 0 and variance 1 within 0.05 on 20,000 values.
func TestSamplePrior(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	p := NewParams(4, []int{3}, 2, rng)
	const n = 10000
	z := p.SamplePrior(n, rng)
	mean, sq := 0.0, 0.0
	for _, v := range z {
		mean += float64(v) / float64(len(z))
		sq += float64(v) * float64(v) / float64(len(z))
	}
	if math.Abs(mean) > 0.05 || math.Abs(sq-mean*mean-1) > 0.05 {
		t.Errorf("N(0, I) samples: mean %.3f, variance %.3f", mean, sq-mean*mean)
	}
	p.Prior = &Mixture{K: 2, Latent: 2, Means: []float32{-10, 0, 10, 5}, LogVars: []float32{-20, -20, -20, -20}}
	z = p.SamplePrior(n, rng)
	near := [2]int{}
	for i := range n {
		for k := range 2 {
			if math.Abs(float64(z[2*i]-p.Prior.Means[2*k])) < 1e-3 && math.Abs(float64(z[2*i+1]-p.Prior.Means[2*k+1])) < 1e-3 {
				near[k]++
			}
		}
	}
	if near[0]+near[1] != n || near[0] < 4800 || near[1] < 4800 {
		t.Errorf("of %d samples, %d at the first mean and %d at the second", n, near[0], near[1])
	}
}

// A mixture prior trains with the weights (its means leave their start),
// and a run stopped mid-epoch, saved as a checkpoint file and resumed ends
// with the same weights and prior, bit for bit, as a run never stopped.
func TestMixturePriorTrainsAndSurvivesACheckpoint(t *testing.T) {
	train := syntheticMNIST(200)
	eval, err := NewEvaluator(syntheticMNIST(50))
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Epochs, cfg.BatchSize, cfg.PriorComponents = 2, 16, 3
	cfg.TripletMining, cfg.ELBOWeight = MineBatchAllMean, 0.2
	newTrainer := func() *Trainer { return newTestTrainer(t, cfg, train, eval) }
	whole := newTrainer()
	start := slices.Clone(whole.params.Prior.Means)
	if err := whole.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(start, whole.params.Prior.Means) {
		t.Fatal("the prior's means did not move in training")
	}

	file, err := checkpointAfter(t, newTrainer(), 5).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	ck, err := UnmarshalCheckpoint(file)
	if err != nil {
		t.Fatal(err)
	}
	resumed := newTrainer()
	if err := resumed.Restore(ck); err != nil {
		t.Fatal(err)
	}
	if err := resumed.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	want, got := whole.params.tensors(), resumed.params.tensors()
	for i := range want {
		if !slices.Equal(want[i].data, got[i].data) {
			t.Fatalf("tensor %d of %d differs after resuming", i, len(want))
		}
	}
}
