package explore

import (
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/tvae/tvae/engine"
)

// PrincipalPlane projects the rows of e on their first two principal axes:
// with X the centred rows and v₁, v₂ the leading eigenvectors of XᵀX, point i
// is (xᵢ·v₁, xᵢ·v₂). It returns nil for fewer than two rows. The sign of each
// axis is fixed so that the largest coordinate is positive, which keeps the
// map from flipping between epochs for no reason.
func PrincipalPlane(e engine.Embedding) [][2]float64 {
	if e.N < 2 || e.Dim < 2 {
		return nil
	}
	x := mat.NewDense(e.N, e.Dim, nil)
	for i := 0; i < e.N; i++ {
		for j, v := range e.Row(i) {
			x.Set(i, j, float64(v))
		}
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		return nil
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	means := make([]float64, e.Dim)
	for j := range means {
		means[j] = stat.Mean(mat.Col(nil, j, x), nil)
	}
	out := make([][2]float64, e.N)
	for a := 0; a < 2; a++ {
		maxAbs, sign := 0.0, 1.0
		for i := range out {
			s := 0.0
			for j := 0; j < e.Dim; j++ {
				s += (x.At(i, j) - means[j]) * vecs.At(j, a)
			}
			out[i][a] = s
			if s > maxAbs || -s > maxAbs {
				maxAbs = max(s, -s)
				sign = 1
				if s < 0 {
					sign = -1
				}
			}
		}
		for i := range out {
			out[i][a] *= sign
		}
	}
	return out
}
