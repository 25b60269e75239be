package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/tvae/tvae/data"
)

// syntheticMNIST returns n random 28×28 images with labels cycling 0..9, so
// the step benchmark needs no dataset files (a step's cost does not depend on pixel values).
func syntheticMNIST(n int) *data.Dataset {
	rng := rand.New(rand.NewPCG(1, 2))
	d := &data.Dataset{Name: "synthetic", Split: "train", Rows: 28, Cols: 28,
		Pixels: make([]float32, n*784), Labels: make([]uint8, n)}
	for i := range d.Pixels {
		d.Pixels[i] = rng.Float32()
	}
	for i := range d.Labels {
		d.Labels[i] = uint8(i % 10)
	}
	return d
}

// BenchmarkTrainingStep measures one optimisation step of the paper's models:
// TVAE on 128 triplets (384 images in one pass) and the plain VAE on 128 images;
// and of batch-all-mean, on 128 images and all their triplets, under N(0, I)
// and under a mixture prior of 20 components (best-mnist's prior, on the
// paper's network). images/s counts
// every image pushed through the network.
func BenchmarkTrainingStep(b *testing.B) {
	for _, bc := range []struct {
		name          string
		tripletWeight float64
		mining        string
		images        int
		prior         int
	}{
		{"tvae", 1, MineList, 3 * 128, 0},
		{"vae", 0, MineList, 128, 0},
		{"tvae-batch-all-mean", 1, MineBatchAllMean, 128, 0},
		{"tvae-batch-all-mean-mixture", 1, MineBatchAllMean, 128, 20},
	} {
		b.Run(bc.name+"/"+BLAS, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.TripletWeight, cfg.TripletsPerClass, cfg.TripletMining, cfg.PriorComponents = bc.tripletWeight, 100, bc.mining, bc.prior
			if bc.tripletWeight == 0 {
				cfg.ELBOWeight, cfg.NormWeight = 1, 0
			}
			tr, err := NewTrainer(cfg, syntheticMNIST(1000), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			batch := make([]int, cfg.BatchSize)
			for i := range batch {
				batch[i] = i
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tr.step(batch, 0, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(bc.images*b.N)/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(stepFLOPs(bc.images)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
