package engine

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// batchAllMeanOp is batchAllMean as one Gorgonia node over a batch of
// embeddings (one row per image), with the labels the trainer writes into
// *labels before each step. Its forward pass also computes the gradient,
// which the gradient node scales: the O(n³) pass over the triplets runs once.
type batchAllMeanOp struct {
	pureOp
	Margin float64
	Soft   bool
	labels *[]uint8
	// grad is ∂L/∂e of the last forward pass, shared with the gradient node,
	// which the tape machine runs after it in the same step.
	grad *[]float64
}

// batchAllMeanNode is the batch-all loss of the rows of e, labelled by *labels.
func batchAllMeanNode(e *G.Node, labels *[]uint8, margin float64, soft bool) (*G.Node, error) {
	return G.ApplyOp(batchAllMeanOp{Margin: margin, Soft: soft, labels: labels, grad: new([]float64)}, e)
}

func (batchAllMeanOp) Arity() int { return 1 }

func (batchAllMeanOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, a)
}

func (batchAllMeanOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (op batchAllMeanOp) Do(inputs ...G.Value) (G.Value, error) {
	e, ok := inputs[0].(tensor.Tensor)
	if !ok || e.Dims() != 2 || e.Shape()[0] != len(*op.labels) {
		return nil, fmt.Errorf("engine: batch-all loss of %v with %d labels", inputs[0], len(*op.labels))
	}
	rows, dim := e.Shape()[0], e.Shape()[1]
	var loss float64
	switch es := e.Data().(type) {
	case []float32:
		loss, *op.grad = batchAllMean(float64s(es), rows, dim, *op.labels, op.Margin, op.Soft)
		return G.NewF32(float32(loss)), nil
	case []float64:
		loss, *op.grad = batchAllMean(es, rows, dim, *op.labels, op.Margin, op.Soft)
		return G.NewF64(loss), nil
	}
	return nil, fmt.Errorf("engine: batch-all loss of %v embeddings", e.Dtype())
}

func (op batchAllMeanOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op batchAllMeanOp) Hashcode() uint32      { return hashOf(op) }
func (op batchAllMeanOp) String() string {
	return fmt.Sprintf("BatchAllMean{%v,%v}", op.Margin, op.Soft)
}

func (batchAllMeanOp) DiffWRT(int) []bool { return []bool{true} }

func (op batchAllMeanOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	de, err := G.ApplyOp(scaledGradOp{name: "BatchAllMeanGrad{" + op.String() + "}", grad: op.grad}, inputs[0], grad)
	return G.Nodes{de}, err
}
