package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// MarginViolations counts active hinges exactly as a loop over the
// definition does, on random triplets of small integer points where exact
// ties (hinge exactly 0, not active) occur.
func TestMarginViolationsMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	e := Embedding{N: 30, Dim: 2, Data: make([]float32, 60)}
	for i := range e.Data {
		e.Data[i] = float32(rng.IntN(5))
	}
	var ts []Triplet
	for range 200 {
		ts = append(ts, Triplet{Anchor: rng.IntN(30), Positive: rng.IntN(30), Negative: rng.IntN(30)})
	}
	for _, margin := range []float64{0, 0.5, 1, 3} {
		bad := 0
		for _, tr := range ts {
			dist := func(i, j int) float64 {
				dx, dy := float64(e.Data[2*i]-e.Data[2*j]), float64(e.Data[2*i+1]-e.Data[2*j+1])
				return math.Hypot(dx, dy)
			}
			if dist(tr.Anchor, tr.Positive)-dist(tr.Anchor, tr.Negative)+margin > 0 {
				bad++
			}
		}
		if got, want := MarginViolations(e, ts, margin), float64(bad)/200; math.Abs(got-want) > 1e-12 {
			t.Errorf("margin %g: MarginViolations = %v, want %v", margin, got, want)
		}
	}
	if !math.IsNaN(MarginViolations(e, nil, 1)) {
		t.Error("MarginViolations without triplets is not NaN")
	}
}

// HeldOutKNNAccuracy never lets a query vote for itself: on points that all
// sit apart from their own label's twin, a self-vote would score 1.
func TestHeldOutKNNAccuracyExcludesTheQuery(t *testing.T) {
	// Queries 0..2 (labels 0, 1, 2); references 3..5 hold the labels rotated,
	// each at its query's position, so the nearest reference has the wrong label.
	e := Embedding{N: 6, Dim: 1, Data: []float32{0, 10, 20, 0, 10, 20}}
	labels := []uint8{0, 1, 2, 1, 2, 0}
	if got := HeldOutKNNAccuracy(e, labels, 3, 1); got != 0 {
		t.Fatalf("HeldOutKNNAccuracy = %v, want 0 (each query's only near reference has another label)", got)
	}
	labels[3], labels[4], labels[5] = 0, 1, 2
	if got := HeldOutKNNAccuracy(e, labels, 3, 1); got != 1 {
		t.Fatalf("HeldOutKNNAccuracy = %v, want 1", got)
	}
	if got := HeldOutKNNAccuracy(e, labels, 6, 1); !math.IsNaN(got) {
		t.Fatalf("no references left: HeldOutKNNAccuracy = %v, want NaN", got)
	}
}
