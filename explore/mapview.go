package explore

import (
	"fmt"
	"math"

	"github.com/tvae/tvae/engine"
)

// Map is a point set at one snapshot projected on the basis fitted at
// another: what the explorer draws for a step of the replay.
type Map struct {
	Step, BasisStep int
	Epoch           int // the epoch Step belongs to
	Points          Points
	Posterior       Posterior
	// XY holds each point's projection, Spread its posterior σ in the plane
	// (Basis.Spread), Labels its class; PriorXY the projections of the
	// mixture prior's component means (nil under N(0, I)).
	XY      [][2]float64
	Spread  []float64
	Labels  []uint8
	PriorXY [][2]float64
	Basis   Basis
}

// Map projects points at step on the basis fitted at basisStep.
func (rp *Replay) Map(step, basisStep int, points Points) (*Map, error) {
	b, err := rp.Basis(basisStep)
	if err != nil {
		return nil, err
	}
	f, err := rp.Frame(step)
	if err != nil {
		return nil, err
	}
	post, err := rp.posterior(f, points)
	if err != nil {
		return nil, err
	}
	m := &Map{Step: step, BasisStep: basisStep, Epoch: f.Info.Epoch, Points: points, Posterior: post, Basis: b,
		XY: make([][2]float64, post.Mu.N), Spread: make([]float64, post.Mu.N), Labels: rp.Labels(points)}
	for i := range m.XY {
		m.XY[i] = b.Project(post.Mu.Row(i))
		m.Spread[i] = b.Spread(post.LogVar.Row(i))
	}
	m.PriorXY = b.ProjectAll(f.PriorMeans)
	return m, nil
}

// Comparison sets the k nearest points of one query in μ space beside its k
// nearest in the map's plane: Overlap of them are the same points, so
// k − Overlap are the neighbours the projection moved away or brought in.
type Comparison struct {
	Query   int
	Latent  []Neighbour // by ‖μ − μ_query‖
	Plane   []Neighbour // by distance on the map
	Overlap int
	both    map[int]bool // the points in both lists
}

// InBoth reports whether point i is among the neighbours in μ space and on the map.
func (c Comparison) InBoth(i int) bool { return c.both[i] }

// Compare finds the k nearest map points to point query in both spaces; the
// query is not its own neighbour.
func (m *Map) Compare(query, k int) (Comparison, error) {
	if query < 0 || query >= len(m.XY) {
		return Comparison{}, fmt.Errorf("explore: point %d is out of range: the map has %d points", query, len(m.XY))
	}
	if k < 1 || k > MaxK {
		return Comparison{}, fmt.Errorf("explore: k must be between 1 and %d (got %d)", MaxK, k)
	}
	mu := m.Posterior.Mu
	latent, plane := engine.NewTopK(k), engine.NewTopK(k)
	q, qxy := mu.Row(query), m.XY[query]
	for i := range m.XY {
		if i == query {
			continue
		}
		latent.Push(i, engine.SquaredDistance(q, mu.Row(i)))
		dx, dy := m.XY[i][0]-qxy[0], m.XY[i][1]-qxy[1]
		plane.Push(i, dx*dx+dy*dy)
	}
	c := Comparison{Query: query, Latent: m.neighbours(latent), Plane: m.neighbours(plane), both: map[int]bool{}}
	inLatent := map[int]bool{}
	for _, n := range c.Latent {
		inLatent[n.Index] = true
	}
	for _, n := range c.Plane {
		if inLatent[n.Index] {
			c.both[n.Index] = true
		}
	}
	c.Overlap = len(c.both)
	return c, nil
}

func (m *Map) neighbours(top *engine.TopK) []Neighbour {
	out := make([]Neighbour, len(top.Index))
	for j, i := range top.Index {
		out[j] = Neighbour{Index: i, Label: int(m.Labels[i]), Distance: math.Sqrt(top.Dist[j])}
	}
	return out
}

// DecodeAt decodes the latent point behind map point (x, y) (Basis.BackProject)
// with the weights of the map's step.
func (rp *Replay) DecodeAt(m *Map, x, y float64) ([]float32, error) {
	p, err := rp.Params(m.Step)
	if err != nil {
		return nil, err
	}
	return p.Decode(m.Basis.BackProject(x, y), 1), nil
}

// MaxInterpolation bounds the images of an interpolation strip.
const MaxInterpolation = 32

// Interpolate decodes n evenly spaced points on the segment from the mean of
// point a to the mean of point b, both ends included: z_t = (1 − t)·μ_a + t·μ_b
// for t = 0, 1/(n−1), …, 1, with the weights of the map's step.
func (rp *Replay) Interpolate(m *Map, a, b, n int) ([][]float32, error) {
	mu := m.Posterior.Mu
	for _, i := range []int{a, b} {
		if i < 0 || i >= mu.N {
			return nil, fmt.Errorf("explore: point %d is out of range: the map has %d points", i, mu.N)
		}
	}
	if n < 2 || n > MaxInterpolation {
		return nil, fmt.Errorf("explore: an interpolation has 2 to %d images (got %d)", MaxInterpolation, n)
	}
	p, err := rp.Params(m.Step)
	if err != nil {
		return nil, err
	}
	za, zb := mu.Row(a), mu.Row(b)
	z := make([]float32, 0, n*mu.Dim)
	for s := range n {
		t := float32(s) / float32(n-1)
		for j := range za {
			z = append(z, (1-t)*za[j]+t*zb[j])
		}
	}
	return splitImages(p.Decode(z, n), n), nil
}
