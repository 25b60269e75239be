package engine

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sampleOp is the reparameterised sample of the posterior as one node:
//
//	z = μ + σ ⊙ ε,   σ = e^{½ log σ²},   ∂z/∂μ = 1,   ∂z/∂log σ² = ½ σ ⊙ ε,
//
// for the noise ε, which is data. Its forward pass keeps σ ⊙ ε for the
// gradient, where Gorgonia's Mul, Exp, HadamardProd and Add took four nodes
// forward and more back.
type sampleOp struct {
	pureOp
	out *outputMemory
	// scaled is σ ⊙ ε of the last forward pass, shared with the gradient node.
	scaled *outputMemory
}

// sampleNode is z = mu + e^{½ logVar} ⊙ eps.
func sampleNode(mu, logVar, eps *G.Node) (*G.Node, error) {
	return G.ApplyOp(sampleOp{out: new(outputMemory), scaled: new(outputMemory)}, mu, logVar, eps)
}

func (sampleOp) Arity() int { return 3 }

func (sampleOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m, m)
}

func (sampleOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	return shapeOfFirst(inputs, "posterior sample")
}

func (op sampleOp) Do(inputs ...G.Value) (G.Value, error) {
	mu, logVar, eps := inputs[0].(tensor.Tensor), inputs[1].(tensor.Tensor), inputs[2].(tensor.Tensor)
	if !mu.Shape().Eq(logVar.Shape()) || !mu.Shape().Eq(eps.Shape()) || mu.Dtype() != eps.Dtype() {
		return nil, fmt.Errorf("engine: posterior sample of %v, %v and %v", mu.Shape(), logVar.Shape(), eps.Shape())
	}
	z, s := op.out.get(mu.Dtype(), mu.Shape()), op.scaled.get(mu.Dtype(), mu.Shape())
	switch zs := z.Data().(type) {
	case []float32:
		sample(zs, s.Data().([]float32), mu.Data().([]float32), logVar.Data().([]float32), eps.Data().([]float32))
	case []float64:
		sample(zs, s.Data().([]float64), mu.Data().([]float64), logVar.Data().([]float64), eps.Data().([]float64))
	default:
		return nil, fmt.Errorf("engine: posterior sample of %v values", mu.Dtype())
	}
	return z, nil
}

// sample sets s = e^{½ logVar} ⊙ eps and z = mu + s.
func sample[T float32 | float64](z, s, mu, logVar, eps []T) {
	for i, m := range mu {
		s[i] = T(math.Exp(float64(logVar[i]/2))) * eps[i]
		z[i] = m + s[i]
	}
}

func (op sampleOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op sampleOp) Hashcode() uint32      { return hashOf(op) }
func (sampleOp) String() string           { return "PosteriorSample" }

func (sampleOp) DiffWRT(int) []bool { return []bool{true, true, false} }

func (op sampleOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dLogVar, err := G.ApplyOp(sampleGradOp{out: new(outputMemory), scaled: op.scaled}, grad)
	return G.Nodes{grad, dLogVar, nil}, err
}

// sampleGradOp is ½ G ⊙ σ ⊙ ε, the gradient G reaching a sampleOp's z carried
// back to its log σ².
type sampleGradOp struct {
	pureOp
	out, scaled *outputMemory
}

func (sampleGradOp) Arity() int { return 1 }

func (sampleGradOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m)
}

func (sampleGradOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	return shapeOfFirst(inputs, "posterior sample gradient")
}

func (op sampleGradOp) Do(inputs ...G.Value) (G.Value, error) {
	g := inputs[0].(tensor.Tensor)
	s := op.scaled.t
	if s == nil || !s.Shape().Eq(g.Shape()) {
		panic("engine: posterior sample gradient ran before its forward pass") // the tape orders them
	}
	d := op.out.get(g.Dtype(), g.Shape())
	switch ds := d.Data().(type) {
	case []float32:
		halfProduct(ds, g.Data().([]float32), s.Data().([]float32))
	case []float64:
		halfProduct(ds, g.Data().([]float64), s.Data().([]float64))
	}
	return d, nil
}

// halfProduct sets d = ½ g ⊙ s.
func halfProduct[T float32 | float64](d, g, s []T) {
	for i, v := range g {
		d[i] = v * s[i] / 2
	}
}

func (op sampleGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op sampleGradOp) Hashcode() uint32      { return hashOf(op) }
func (sampleGradOp) String() string           { return "PosteriorSampleGrad" }
