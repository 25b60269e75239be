package engine

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// mixtureLogPriorOp is mixtureLogPrior as one Gorgonia node over a batch of
// latent samples z and the mixture's means and log-variances. Its forward
// pass also computes the three gradients, which scaledGradOp nodes scale.
type mixtureLogPriorOp struct {
	pureOp
	// grads are ∂/∂z, ∂/∂means and ∂/∂logvars of the last forward pass.
	grads *[3][]float64
}

// mixtureLogPriorNode is the mean over the rows of z of log p(z) under the
// mixture (means, logVars).
func mixtureLogPriorNode(z, means, logVars *G.Node) (*G.Node, error) {
	return G.ApplyOp(mixtureLogPriorOp{grads: new([3][]float64)}, z, means, logVars)
}

func (mixtureLogPriorOp) Arity() int { return 3 }

func (mixtureLogPriorOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, m, a)
}

func (mixtureLogPriorOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (op mixtureLogPriorOp) Do(inputs ...G.Value) (G.Value, error) {
	var vs [3][]float64
	for i, in := range inputs {
		t, ok := in.(tensor.Tensor)
		if !ok || t.Dims() != 2 {
			return nil, fmt.Errorf("engine: mixture prior of %v", in)
		}
		switch d := t.Data().(type) {
		case []float32:
			vs[i] = float64s(d)
		case []float64:
			vs[i] = d
		default:
			return nil, fmt.Errorf("engine: mixture prior of %v values", t.Dtype())
		}
	}
	z := inputs[0].(tensor.Tensor)
	n, dim := z.Shape()[0], z.Shape()[1]
	if len(vs[1]) != len(vs[2]) || len(vs[1])%dim != 0 {
		return nil, fmt.Errorf("engine: mixture prior with means %v and log-variances %v for a latent of %d", inputs[1].Shape(), inputs[2].Shape(), dim)
	}
	var v float64
	v, op.grads[0], op.grads[1], op.grads[2] = mixtureLogPrior(vs[0], n, dim, vs[1], vs[2])
	if z.Dtype() == tensor.Float32 {
		return G.NewF32(float32(v)), nil
	}
	return G.NewF64(v), nil
}

func (op mixtureLogPriorOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op mixtureLogPriorOp) Hashcode() uint32      { return hashOf(op) }
func (mixtureLogPriorOp) String() string           { return "MixtureLogPrior" }

func (mixtureLogPriorOp) DiffWRT(int) []bool { return []bool{true, true, true} }

func (op mixtureLogPriorOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, len(inputs))
	for i, in := range inputs {
		var err error
		if out[i], err = G.ApplyOp(scaledGradOp{name: fmt.Sprintf("MixtureLogPriorGrad%d", i), grad: &op.grads[i]}, in, grad); err != nil {
			return nil, err
		}
	}
	return out, nil
}
