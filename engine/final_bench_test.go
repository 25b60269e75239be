package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/tvae/tvae/internal/datatest"
)

// BenchmarkFinalFigures times Evaluator.Final on full MNIST (10,000 test μ's
// ranked against 60,000 train μ's, and the rest of Results), then each of its
// costly parts alone. The weights are the paper network's initial ones: the
// work does not depend on them.
func BenchmarkFinalFigures(b *testing.B) {
	train, test := datatest.Load(b, "mnist", "train"), datatest.Load(b, "mnist", "test")
	p := NewParams(784, []int{400}, 20, rand.New(rand.NewPCG(1, 2)))
	eval, err := NewEvaluator(test)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			eval.Final(p, train, IWSamples)
		}
	})
	q, ref := Embed(p, test), Embed(p, train)
	b.Run("retrieval", func(b *testing.B) {
		for b.Loop() {
			Retrieve(q, test.Labels, ref, train.Labels, RetrievalK)
		}
	})
	b.Run("iw-bound", func(b *testing.B) {
		for b.Loop() {
			p.ImportanceWeightedNLL(test.Pixels, test.Len(), IWSamples, 1)
		}
	})
	b.Run("kmeans", func(b *testing.B) {
		for b.Loop() {
			KMeans(q, 10, KMeansRestarts, rand.New(rand.NewPCG(1, 2)))
		}
	})
	b.Run("random-triplets", func(b *testing.B) {
		for b.Loop() {
			RandomTripletAccuracy(q, test.Labels, RandomTriplets, rand.New(rand.NewPCG(1, 2)))
		}
	})
}
