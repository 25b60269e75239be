package engine

import (
	"math"
	"slices"
)

// contingency counts the pairs of two labellings of the same n items. Labels
// are renumbered densely in sorted order, so that every sum runs in the same
// order and the figures are the same bit for bit on every run.
type contingency struct {
	n      int
	a, b   []int   // row and column sums
	counts [][]int // n_ij
}

func newContingency(u, v []int) contingency {
	du, dv := dense(u), dense(v)
	c := contingency{n: len(u), a: make([]int, len(du)), b: make([]int, len(dv)), counts: make([][]int, len(du))}
	for i := range c.counts {
		c.counts[i] = make([]int, len(dv))
	}
	for k := range u {
		i, j := du[u[k]], dv[v[k]]
		c.a[i]++
		c.b[j]++
		c.counts[i][j]++
	}
	return c
}

// dense maps the distinct labels of u, sorted, to 0, 1, 2, ...
func dense(u []int) map[int]int {
	distinct := slices.Compact(slices.Sorted(slices.Values(u)))
	m := make(map[int]int, len(distinct))
	for i, l := range distinct {
		m[l] = i
	}
	return m
}

// entropy is H = -Σ (n_i/n) log(n_i/n), in nats.
func entropy(sums []int, n int) float64 {
	h := 0.0
	for _, s := range sums {
		p := float64(s) / float64(n)
		h -= p * math.Log(p)
	}
	return h
}

// mutualInformation is I(U;V) = Σ_ij (n_ij/n) log(n·n_ij / (a_i·b_j)), in nats.
func (c contingency) mutualInformation() float64 {
	mi := 0.0
	n := float64(c.n)
	for i, row := range c.counts {
		for j, nij := range row {
			if nij > 0 {
				x := float64(nij)
				mi += x / n * math.Log(n*x/(float64(c.a[i])*float64(c.b[j])))
			}
		}
	}
	return mi
}

// NMI is the normalised mutual information of two labellings of the same
// items, I(U;V) / ((H(U) + H(V))/2) (the arithmetic normalisation); 1 when
// both are a single cluster.
func NMI(u, v []int) float64 {
	c := newContingency(u, v)
	hu, hv := entropy(c.a, c.n), entropy(c.b, c.n)
	if hu == 0 && hv == 0 {
		return 1
	}
	return c.mutualInformation() / ((hu + hv) / 2)
}

// AMI is the mutual information adjusted for chance (Vinh, Epps and Bailey
// 2010), (I - E[I]) / ((H(U) + H(V))/2 - E[I]), where E[I] is the expected
// mutual information of two random labellings with the same cluster sizes
// (hypergeometric model); 0 for chance agreement, 1 for identical ones.
func AMI(u, v []int) float64 {
	c := newContingency(u, v)
	hu, hv := entropy(c.a, c.n), entropy(c.b, c.n)
	if hu == 0 && hv == 0 {
		return 1
	}
	emi := c.expectedMutualInformation()
	den := (hu+hv)/2 - emi
	if den == 0 {
		return 1
	}
	return (c.mutualInformation() - emi) / den
}

// expectedMutualInformation is
//
//	E[I] = Σ_i Σ_j Σ_{n_ij} (n_ij/n) log(n·n_ij/(a_i b_j)) · P(n_ij)
//
// with P the hypergeometric probability a_i! b_j! (n-a_i)! (n-b_j)! /
// (n! n_ij! (a_i-n_ij)! (b_j-n_ij)! (n-a_i-b_j+n_ij)!), summed in log space.
func (c contingency) expectedMutualInformation() float64 {
	n := c.n
	lf := func(x int) float64 { v, _ := math.Lgamma(float64(x + 1)); return v }
	emi := 0.0
	for _, ai := range c.a {
		for _, bj := range c.b {
			base := lf(ai) + lf(bj) + lf(n-ai) + lf(n-bj) - lf(n)
			for nij := max(1, ai+bj-n); nij <= min(ai, bj); nij++ {
				x := float64(nij)
				logP := base - lf(nij) - lf(ai-nij) - lf(bj-nij) - lf(n-ai-bj+nij)
				emi += x / float64(n) * math.Log(float64(n)*x/(float64(ai)*float64(bj))) * math.Exp(logP)
			}
		}
	}
	return emi
}
