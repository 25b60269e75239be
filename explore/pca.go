package explore

import (
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/tvae/tvae/engine"
)

// Basis is a fixed 2-D projection of latent space: the mean m and the two
// leading principal axes v₁, v₂ (orthonormal) of one set of means. A mean μ
// maps to ((μ − m)·v₁, (μ − m)·v₂) and a map point (x, y) back to
// m + x·v₁ + y·v₂, the latent point whose other principal components sit at
// their mean. Fitted once, it lets a replay show every step in the same
// frame, so points move only because the model changed.
type Basis struct {
	Mean []float64
	Axes [2][]float64
}

// FitBasis fits a Basis to the rows of e: with X the centred rows, v₁ and v₂
// are the leading eigenvectors of XᵀX. The sign of each axis is chosen so that
// the coordinate of largest magnitude among e's rows is positive. It reports
// false for fewer than two rows or dimensions.
func FitBasis(e engine.Embedding) (Basis, bool) {
	if e.N < 2 || e.Dim < 2 {
		return Basis{}, false
	}
	x := mat.NewDense(e.N, e.Dim, nil)
	for i := 0; i < e.N; i++ {
		for j, v := range e.Row(i) {
			x.Set(i, j, float64(v))
		}
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		return Basis{}, false
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	b := Basis{Mean: make([]float64, e.Dim)}
	for j := range b.Mean {
		b.Mean[j] = stat.Mean(mat.Col(nil, j, x), nil)
	}
	for a := range b.Axes {
		b.Axes[a] = mat.Col(nil, a, &vecs)
	}
	for a := range b.Axes {
		extreme := 0.0
		for i := 0; i < e.N; i++ {
			if s := b.Project(e.Row(i))[a]; math.Abs(s) > math.Abs(extreme) {
				extreme = s
			}
		}
		if extreme < 0 {
			for j := range b.Axes[a] {
				b.Axes[a][j] = -b.Axes[a][j]
			}
		}
	}
	return b, true
}

// Project maps one mean to the plane.
func (b Basis) Project(mu []float32) [2]float64 {
	var out [2]float64
	for a, v := range b.Axes {
		for j, m := range b.Mean {
			out[a] += (float64(mu[j]) - m) * v[j]
		}
	}
	return out
}

// ProjectAll maps every row of e to the plane, nil for no rows.
func (b Basis) ProjectAll(e engine.Embedding) [][2]float64 {
	if e.N == 0 {
		return nil
	}
	out := make([][2]float64, e.N)
	for i := range out {
		out[i] = b.Project(e.Row(i))
	}
	return out
}

// BackProject is the latent point m + x·v₁ + y·v₂ behind map point (x, y).
func (b Basis) BackProject(x, y float64) []float32 {
	z := make([]float32, len(b.Mean))
	for j, m := range b.Mean {
		z[j] = float32(m + x*b.Axes[0][j] + y*b.Axes[1][j])
	}
	return z
}

// Spread is the posterior's standard deviation in the plane: with
// Σ = diag(exp(logVar)) projected to VᵀΣV on the two axes, the root mean of
// its two variances, √(½ Σ_j (v₁ⱼ² + v₂ⱼ²)·exp(logVarⱼ)).
func (b Basis) Spread(logVar []float32) float64 {
	s := 0.0
	for j, lv := range logVar {
		s += (b.Axes[0][j]*b.Axes[0][j] + b.Axes[1][j]*b.Axes[1][j]) * math.Exp(float64(lv))
	}
	return math.Sqrt(s / 2)
}

// PrincipalPlane projects the rows of e on the Basis fitted to them, one
// point per row, and the rows of other (of e's dimension; N may be 0) on the
// same Basis; it returns nils when no basis can be fitted.
func PrincipalPlane(e, other engine.Embedding) (points, otherPoints [][2]float64) {
	b, ok := FitBasis(e)
	if !ok {
		return nil, nil
	}
	return b.ProjectAll(e), b.ProjectAll(other)
}
