package engine

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bernoulliNLLOp is the summed Bernoulli cross-entropy of logits l against
// intensities x, as one Gorgonia node:
//
//	BCE(l, x) = Σ_ij softplus(l_ij) − x_ij·l_ij,   ∂BCE/∂l = σ(l) − x.
//
// Built from Gorgonia's Softplus, HadamardProd, Sub and Sum it took three
// passes over the batch forward, three backward, and half of a training step
// (Softplus and its sigmoid gradient in float64 math); fused it is one pass
// forward, which also keeps σ(l) − x for the backward pass (both come from
// one exponential per pixel), and a scaling backward. x is data: it gets no
// gradient. float64 graphs (the brute-force tests) use the exact formulas.
type bernoulliNLLOp struct {
	pureOp
	// residual is σ(l) − x of the last float32 forward pass, shared with the
	// gradient node, which the tape machine runs after it in the same step.
	residual *[]float32
}

// bernoulliNLLNode sums the cross-entropy of logits l against x in one node.
func bernoulliNLLNode(l, x *G.Node) (*G.Node, error) {
	return G.ApplyOp(bernoulliNLLOp{residual: new([]float32)}, l, x)
}

func (bernoulliNLLOp) Arity() int { return 2 }

func (bernoulliNLLOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, a)
}

func (bernoulliNLLOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (op bernoulliNLLOp) Do(inputs ...G.Value) (G.Value, error) {
	l, x, err := logitsAndData(inputs)
	if err != nil {
		return nil, err
	}
	switch ls := l.Data().(type) {
	case []float32:
		xs := x.Data().([]float32)
		if len(*op.residual) != len(ls) {
			*op.residual = make([]float32, len(ls))
		}
		r := *op.residual
		parts := make([]float64, (len(ls)+pixelRange-1)/pixelRange)
		parallelRanges(len(ls), pixelRange, func(i, lo, hi int) { parts[i] = bernoulliNLLSum(ls[lo:hi], xs[lo:hi], r[lo:hi]) })
		var sum float64
		for _, p := range parts {
			sum += p
		}
		return G.NewF32(float32(sum)), nil
	case []float64:
		xs := x.Data().([]float64)
		var sum float64
		for i, v := range ls {
			sum += bernoulliNLL(xs[i], v)
		}
		return G.NewF64(sum), nil
	}
	return nil, fmt.Errorf("engine: BernoulliNLL of %v logits", l.Dtype())
}

func (op bernoulliNLLOp) WriteHash(h hash.Hash) {
	fmt.Fprint(h, op.String())
}
func (op bernoulliNLLOp) Hashcode() uint32 { return hashOf(op) }
func (bernoulliNLLOp) String() string      { return "BernoulliNLL" }

func (bernoulliNLLOp) DiffWRT(int) []bool { return []bool{true, false} }

func (op bernoulliNLLOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	dl, err := G.ApplyOp(bernoulliNLLGradOp(op), inputs[0], inputs[1], grad)
	return G.Nodes{dl, nil}, err
}

// pixelRange is how many pixels one core takes at a time in the cross-entropy
// passes: a multiple of bernoulliNLLSum's 512, so the sum does not depend on
// how the ranges are scheduled.
const pixelRange = 64 * 512

// bernoulliNLLGradOp is g·(σ(l) − x), the gradient of bernoulliNLLOp with
// respect to l scaled by the scalar g that reaches its output. For float32
// logits σ(l) − x is the residual its forward pass kept.
type bernoulliNLLGradOp bernoulliNLLOp

func (bernoulliNLLGradOp) Arity() int { return 3 }

func (bernoulliNLLGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, a, m)
}

func (bernoulliNLLGradOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	return shapeOfFirst(inputs, "BernoulliNLL gradient")
}

func (op bernoulliNLLGradOp) Do(inputs ...G.Value) (G.Value, error) {
	l, x, err := logitsAndData(inputs[:2])
	if err != nil {
		return nil, err
	}
	switch ls := l.Data().(type) {
	case []float32:
		// The residual is scaled in place and returned: nothing else reads it,
		// and the next step's forward pass writes it anew.
		r := *op.residual
		if len(r) != len(ls) {
			panic("engine: BernoulliNLL gradient ran before its forward pass") // the tape orders them
		}
		g := float32(*inputs[2].(*G.F32))
		for i := range r {
			r[i] *= g
		}
		return tensor.New(tensor.WithShape(l.Shape().Clone()...), tensor.WithBacking(r)), nil
	case []float64:
		out := tensor.New(tensor.Of(l.Dtype()), tensor.WithShape(l.Shape().Clone()...))
		xs, ds := x.Data().([]float64), out.Data().([]float64)
		g := float64(*inputs[2].(*G.F64))
		for i, v := range ls {
			ds[i] = g * (1/(1+math.Exp(-v)) - xs[i])
		}
		return out, nil
	}
	return nil, fmt.Errorf("engine: BernoulliNLL gradient of %v logits", l.Dtype())
}

func (op bernoulliNLLGradOp) WriteHash(h hash.Hash) {
	fmt.Fprint(h, op.String())
}
func (op bernoulliNLLGradOp) Hashcode() uint32 { return hashOf(op) }
func (bernoulliNLLGradOp) String() string      { return "BernoulliNLLGrad" }

// logitsAndData checks that an op's first two inputs are tensors of one type
// and size, and returns them.
func logitsAndData(inputs []G.Value) (l, x tensor.Tensor, err error) {
	l, ok1 := inputs[0].(tensor.Tensor)
	x, ok2 := inputs[1].(tensor.Tensor)
	if !ok1 || !ok2 || l.Dtype() != x.Dtype() || l.Shape().TotalSize() != x.Shape().TotalSize() {
		return nil, nil, fmt.Errorf("engine: BernoulliNLL needs logits and intensities of one type and size, got %v and %v", inputs[0], inputs[1])
	}
	return l, x, nil
}

// hashOf is the 32-bit FNV hash of what an op writes to WriteHash, the key
// Gorgonia uses to merge equal nodes.
func hashOf(op G.Op) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
