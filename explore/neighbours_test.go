package explore

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
)

func randomEmbedding(rng *rand.Rand, n, dim int, grid bool) engine.Embedding {
	e := engine.Embedding{N: n, Dim: dim, Data: make([]float32, n*dim)}
	for i := range e.Data {
		if grid {
			e.Data[i] = float32(rng.IntN(3)) // many exact ties
		} else {
			e.Data[i] = float32(rng.NormFloat64())
		}
	}
	return e
}

func TestNeighboursMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name          string
		nTrain, nTest int
		k             int
		grid          bool
	}{
		{"k1", 50, 10, 1, false},
		{"k10", 300, 20, 10, false},
		{"k all", 12, 5, 11, false},
		{"ties", 200, 10, 7, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &View{TrainMu: randomEmbedding(rng, tc.nTrain, 4, tc.grid), TestMu: randomEmbedding(rng, tc.nTest, 4, tc.grid),
				Train: &data.Dataset{Labels: make([]uint8, tc.nTrain)}, Test: &data.Dataset{Labels: make([]uint8, tc.nTest)}}
			for i := range v.Train.Labels {
				v.Train.Labels[i] = uint8(rng.IntN(10))
			}
			v.Train.Pixels, v.Test.Pixels = make([]float32, tc.nTrain), make([]float32, tc.nTest)
			v.Train.Rows, v.Train.Cols, v.Test.Rows, v.Test.Cols = 1, 1, 1, 1
			for _, split := range []string{"train", "test"} {
				_, mu, _ := v.Split(split)
				for q := 0; q < mu.N; q++ {
					got, err := v.Neighbours(split, q, tc.k)
					if err != nil {
						t.Fatal(err)
					}
					// Brute force: every training point but the query itself, sorted by (distance, index);
					// distances agree to 1e-6, the means being float32.
					var want []Neighbour
					for i := 0; i < tc.nTrain; i++ {
						if split == "train" && i == q {
							continue
						}
						s := 0.0
						for j := 0; j < 4; j++ {
							d := float64(mu.Row(q)[j] - v.TrainMu.Row(i)[j])
							s += d * d
						}
						want = append(want, Neighbour{Index: i, Label: int(v.Train.Labels[i]), Distance: math.Sqrt(s)})
					}
					sort.SliceStable(want, func(a, b int) bool { return want[a].Distance < want[b].Distance })
					want = want[:min(tc.k, len(want))]
					if len(got) != len(want) {
						t.Fatalf("%s query %d: %d neighbours, want %d", split, q, len(got), len(want))
					}
					for i := range want {
						if got[i].Index != want[i].Index || got[i].Label != want[i].Label || math.Abs(got[i].Distance-want[i].Distance) > 1e-6 {
							t.Fatalf("%s query %d neighbour %d: got %+v, want %+v", split, q, i, got[i], want[i])
						}
					}
				}
			}
		})
	}
}

func TestNeighboursRejectBadQueries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	v := &View{TrainMu: randomEmbedding(rng, 5, 2, false), TestMu: randomEmbedding(rng, 3, 2, false),
		Train: &data.Dataset{Labels: make([]uint8, 5), Rows: 1, Cols: 1, Pixels: make([]float32, 5)},
		Test:  &data.Dataset{Labels: make([]uint8, 3), Rows: 1, Cols: 1, Pixels: make([]float32, 3)}}
	for _, tc := range []struct {
		split    string
		index, k int
	}{
		{"val", 0, 1}, {"test", -1, 1}, {"test", 3, 1}, {"train", 5, 1}, {"test", 0, 0}, {"test", 0, MaxK + 1},
	} {
		if _, err := v.Neighbours(tc.split, tc.index, tc.k); err == nil {
			t.Errorf("Neighbours(%q, %d, %d): no error", tc.split, tc.index, tc.k)
		}
	}
}
