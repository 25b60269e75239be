package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// permutations calls f with every ordering of v.
func permutations(v []int, f func([]int)) {
	var rec func(int)
	rec = func(k int) {
		if k == len(v) {
			f(v)
			return
		}
		for i := k; i < len(v); i++ {
			v[k], v[i] = v[i], v[k]
			rec(k + 1)
			v[k], v[i] = v[i], v[k]
		}
	}
	rec(0)
}

// bruteMI is I(U;V) from the joint distribution, by its definition.
func bruteMI(u, v []int) float64 {
	n := float64(len(u))
	joint := map[[2]int]float64{}
	pu, pv := map[int]float64{}, map[int]float64{}
	for i := range u {
		joint[[2]int{u[i], v[i]}] += 1 / n
		pu[u[i]] += 1 / n
		pv[v[i]] += 1 / n
	}
	mi := 0.0
	for a, p := range pu {
		for b, q := range pv {
			if r := joint[[2]int{a, b}]; r > 0 {
				mi += r * math.Log(r/(p*q))
			}
		}
	}
	return mi
}

// The expected mutual information equals the mean of I(U; π(V)) over every
// permutation π, which is what "adjusted for chance" means; NMI and AMI then
// follow their definitions, to 1e-12.
func TestNMIAndAMIMatchBruteForce(t *testing.T) {
	for _, c := range []struct{ u, v []int }{
		{[]int{0, 0, 1, 1, 2, 2, 2}, []int{1, 1, 0, 0, 0, 2, 2}},
		{[]int{0, 1, 0, 1, 0, 1, 0}, []int{3, 3, 3, 4, 4, 5, 5}},
		{[]int{0, 0, 0, 0, 1, 1, 1}, []int{0, 0, 0, 0, 0, 0, 1}},
	} {
		var sum float64
		count := 0
		perm := append([]int(nil), c.v...)
		permutations(perm, func(p []int) { sum += bruteMI(c.u, p); count++ })
		emi := sum / float64(count)
		ct := newContingency(c.u, c.v)
		if got := ct.expectedMutualInformation(); math.Abs(got-emi) > 1e-12 {
			t.Errorf("%v %v: E[I] = %v, brute force %v", c.u, c.v, got, emi)
		}
		mi := bruteMI(c.u, c.v)
		hu, hv := entropy(ct.a, ct.n), entropy(ct.b, ct.n)
		if got, want := NMI(c.u, c.v), mi/((hu+hv)/2); math.Abs(got-want) > 1e-12 {
			t.Errorf("%v %v: NMI = %v, want %v", c.u, c.v, got, want)
		}
		if got, want := AMI(c.u, c.v), (mi-emi)/((hu+hv)/2-emi); math.Abs(got-want) > 1e-12 {
			t.Errorf("%v %v: AMI = %v, want %v", c.u, c.v, got, want)
		}
	}
	same := []int{0, 0, 1, 1, 2}
	renamed := []int{7, 7, 3, 3, 5}
	if NMI(same, renamed) != 1 || math.Abs(AMI(same, renamed)-1) > 1e-12 {
		t.Errorf("identical partitions: NMI %v, AMI %v, want 1", NMI(same, renamed), AMI(same, renamed))
	}
}

// On tiny inputs KMeans ends at a stable partition (every point nearest the
// mean of its own cluster) whose cost, checked against every 2-way partition,
// is the least in most trials and never more than 2% above it: k-means is a
// heuristic, and restarts make a local optimum rare, not impossible.
func TestKMeansFindsTheBestPartition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	optimal := 0
	for trial := range 20 {
		e := randomEmbedding(rng, 9, 2)
		best := math.Inf(1)
		for mask := 1; mask < 1<<e.N-1; mask++ {
			assign := make([]int, e.N)
			for i := range assign {
				assign[i] = mask >> i & 1
			}
			best = min(best, withinSS(e, assign))
		}
		assign := KMeans(e, 2, 10, rng)
		got := withinSS(e, assign)
		if got > best*1.02 {
			t.Errorf("trial %d: k-means cost %v, best partition %v", trial, got, best)
		}
		if got <= best*(1+1e-9) {
			optimal++
		}
		means := clusterMeans(e, assign)
		for i, c := range assign {
			for other := range means {
				if squaredTo(e.Row(i), means[other]) < squaredTo(e.Row(i), means[c])-1e-12 {
					t.Fatalf("trial %d: point %d is nearer cluster %d than its own %d", trial, i, other, c)
				}
			}
		}
	}
	if optimal < 15 {
		t.Errorf("k-means found the best partition in %d of 20 trials, want at least 15", optimal)
	}
}

func clusterMeans(e Embedding, assign []int) map[int][]float64 {
	sums, counts := map[int][]float64{}, map[int]float64{}
	for i, c := range assign {
		if sums[c] == nil {
			sums[c] = make([]float64, e.Dim)
		}
		for d, v := range e.Row(i) {
			sums[c][d] += float64(v)
		}
		counts[c]++
	}
	for c := range sums {
		for d := range sums[c] {
			sums[c][d] /= counts[c]
		}
	}
	return sums
}

// withinSS is Σ ‖x - mean of its cluster‖².
func withinSS(e Embedding, assign []int) float64 {
	means := clusterMeans(e, assign)
	cost := 0.0
	for i, c := range assign {
		cost += squaredTo(e.Row(i), means[c])
	}
	return cost
}
