package engine

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestSampleTripletsInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	labels := make([]uint8, 500)
	for i := range labels {
		labels[i] = uint8(rng.IntN(10))
	}
	labels[0], labels[1] = 3, 3 // make sure no class is tiny by chance
	const perClass = 200
	ts, err := SampleTriplets(labels, perClass, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 10*perClass {
		t.Fatalf("%d triplets, want %d", len(ts), 10*perClass)
	}
	perAnchorClass := map[uint8]int{}
	for i, tr := range ts {
		a, p, n := labels[tr.Anchor], labels[tr.Positive], labels[tr.Negative]
		if tr.Anchor == tr.Positive {
			t.Fatalf("triplet %d: anchor %d is its own positive", i, tr.Anchor)
		}
		if a != p || a == n {
			t.Fatalf("triplet %d: classes anchor %d, positive %d, negative %d", i, a, p, n)
		}
		if i > 0 && labels[ts[i-1].Anchor] > a {
			t.Fatalf("triplet %d: not grouped in class order", i)
		}
		perAnchorClass[a]++
	}
	for c, n := range perAnchorClass {
		if n != perClass {
			t.Errorf("class %d has %d anchors, want %d", c, n, perClass)
		}
	}
	again, _ := SampleTriplets(labels, perClass, rand.New(rand.NewPCG(1, 1)))
	if !slices.Equal(ts, again) {
		t.Error("the same seed gave different triplets")
	}
	other, _ := SampleTriplets(labels, perClass, rand.New(rand.NewPCG(2, 1)))
	if slices.Equal(ts, other) {
		t.Error("different seeds gave the same triplets")
	}
}

func TestSampleTripletsErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels []uint8
		want   string
	}{
		{"one class", []uint8{1, 1, 1}, "at least 2 classes"},
		{"singleton class", []uint8{0, 0, 1}, "class 1 has 1 image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SampleTriplets(tc.labels, 5, rand.New(rand.NewPCG(1, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
