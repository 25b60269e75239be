package engine

// ActiveUnitThreshold is the variance of a latent mean above which Burda,
// Grosse and Salakhutdinov (2016) call the unit active.
const ActiveUnitThreshold = 0.01

// ActiveUnits counts the latent dimensions u whose mean varies with the input:
// Var_x(μ_u(x)) > threshold over the rows of e (population variance).
func ActiveUnits(e Embedding, threshold float64) int {
	if e.N == 0 {
		return 0
	}
	active := 0
	for u := range e.Dim {
		var sum, sq float64
		for i := range e.N {
			v := float64(e.Data[i*e.Dim+u])
			sum += v
			sq += v * v
		}
		mean := sum / float64(e.N)
		if sq/float64(e.N)-mean*mean > threshold {
			active++
		}
	}
	return active
}
