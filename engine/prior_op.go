package engine

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// mixtureLogPriorNode is mixtureLogPrior as one Gorgonia node: the mean over
// the rows of z of log p(z) under the mixture (means, logVars), whose forward
// pass also computes the three gradients.
func mixtureLogPriorNode(z, means, logVars *G.Node) (*G.Node, error) {
	if ms, vs := means.Shape(), logVars.Shape(); !ms.Eq(vs) || ms[1] != z.Shape()[1] {
		return nil, fmt.Errorf("engine: mixture prior with means %v and log-variances %v for a latent of %d", ms, vs, z.Shape()[1])
	}
	return lossNode("MixtureLogPrior", func(in []matrix64, grads [][]float64) float64 {
		v, dz, dm, dv := mixtureLogPrior(in[0].data, in[0].rows, in[0].cols, in[1].data, in[2].data)
		copy(grads[0], dz)
		copy(grads[1], dm)
		copy(grads[2], dv)
		return v
	}, z, means, logVars)
}
