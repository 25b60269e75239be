package engine

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// matrix64 is a row-major matrix of float64 values, the form in which a
// lossOp hands its inputs to its loss.
type matrix64 struct {
	rows, cols int
	data       []float64
}

// lossOp is a scalar loss of one or more matrices as one Gorgonia node.
// Its forward pass, loss, also writes the gradient with respect to every
// input into grads (zeroed, each the size of its input), which scaledGradOp
// nodes scale by the gradient that reaches the loss: one pass in float64
// over the inputs, where Gorgonia's elementwise nodes took one pass and one
// value each per operation of the formula, forward and back.
type lossOp struct {
	pureOp
	// name identifies the loss and its parameters: equal names and inputs
	// make one node.
	name  string
	arity int
	loss  func(in []matrix64, grads [][]float64) float64
	// in64 holds float32 inputs converted to float64, and grads the
	// gradients of the last forward pass, one per input; both are reused
	// from step to step.
	in64, grads []*[]float64
}

// lossNode applies the loss named name to the inputs.
func lossNode(name string, loss func(in []matrix64, grads [][]float64) float64, inputs ...*G.Node) (*G.Node, error) {
	op := lossOp{name: name, arity: len(inputs), loss: loss}
	for range inputs {
		op.in64, op.grads = append(op.in64, new([]float64)), append(op.grads, new([]float64))
	}
	return G.ApplyOp(op, inputs...)
}

// sized returns *buf resized to n values, reusing its memory when it is
// large enough; with zero the values are set to 0.
func sized(buf *[]float64, n int, zero bool) []float64 {
	if cap(*buf) < n {
		*buf = make([]float64, n)
	} else if *buf = (*buf)[:n]; zero {
		clear(*buf)
	}
	return *buf
}

func (op lossOp) Arity() int { return op.arity }

func (op lossOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, op.arity, op.arity+1)
	for i := range ts {
		ts[i] = G.TensorType{Dims: 2, Of: a}
	}
	return hm.NewFnType(append(ts, a)...)
}

func (lossOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (op lossOp) Do(inputs ...G.Value) (G.Value, error) {
	in, grads := make([]matrix64, len(inputs)), make([][]float64, len(inputs))
	for i, v := range inputs {
		t, ok := v.(tensor.Tensor)
		if !ok || t.Dims() != 2 {
			return nil, fmt.Errorf("engine: %s of %v", op.name, v)
		}
		in[i] = matrix64{rows: t.Shape()[0], cols: t.Shape()[1]}
		switch d := t.Data().(type) {
		case []float32:
			in[i].data = sized(op.in64[i], len(d), false)
			for j, x := range d {
				in[i].data[j] = float64(x)
			}
		case []float64:
			in[i].data = d
		default:
			return nil, fmt.Errorf("engine: %s of %v values", op.name, t.Dtype())
		}
		grads[i] = sized(op.grads[i], len(in[i].data), true)
	}
	loss := op.loss(in, grads)
	if inputs[0].Dtype() == tensor.Float32 {
		return G.NewF32(float32(loss)), nil
	}
	return G.NewF64(loss), nil
}

func (op lossOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.name) }
func (op lossOp) Hashcode() uint32      { return hashOf(op) }
func (op lossOp) String() string        { return op.name }

func (op lossOp) DiffWRT(int) []bool {
	d := make([]bool, op.arity)
	for i := range d {
		d[i] = true
	}
	return d
}

func (op lossOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, len(inputs))
	for i, in := range inputs {
		var err error
		if out[i], err = G.ApplyOp(scaledGradOp{name: fmt.Sprintf("%sGrad%d", op.name, i), grad: op.grads[i], out: new(outputMemory)}, in, grad); err != nil {
			return nil, err
		}
	}
	return out, nil
}
