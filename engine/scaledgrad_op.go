package engine

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// scaledGradOp is g·∂L/∂x for a loss op L (lossOp) whose forward pass
// computed the gradient with respect to its input x and kept it in *grad,
// scaled by the scalar g that reaches L. Its inputs are x (for the shape) and
// g. The tape machine runs it after the forward pass, in the same step.
type scaledGradOp struct {
	pureOp
	name string // the loss and the input, for the graph's hash
	grad *[]float64
	out  *outputMemory
}

func (scaledGradOp) Arity() int { return 2 }

func (scaledGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, a, m)
}

func (op scaledGradOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	return shapeOfFirst(inputs, op.name)
}

func (op scaledGradOp) Do(inputs ...G.Value) (G.Value, error) {
	x := inputs[0].(tensor.Tensor)
	grad := *op.grad
	if len(grad) != x.Shape().TotalSize() {
		panic("engine: " + op.name + " ran before its forward pass") // the tape orders them
	}
	out := op.out.get(x.Dtype(), x.Shape())
	switch ds := out.Data().(type) {
	case []float32:
		g := float64(*inputs[1].(*G.F32))
		for i, v := range grad {
			ds[i] = float32(g * v)
		}
	case []float64:
		g := float64(*inputs[1].(*G.F64))
		for i, v := range grad {
			ds[i] = g * v
		}
	}
	return out, nil
}

func (op scaledGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op scaledGradOp) Hashcode() uint32      { return hashOf(op) }
func (op scaledGradOp) String() string        { return op.name }
