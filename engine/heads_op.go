package engine

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// headsOp is the encoder's two heads, μ and log σ², as one dense layer:
//
//	Y = H·[Wμ | Wσ] + 1·[bμ | bσ],   an n×2L matrix [μ | log σ²],
//
// for H n×in, Wμ and Wσ in×L, bμ and bσ 1×L. Two products of width L (20
// for the paper) each ran on OpenBLAS's threads barely faster than on one;
// one product of width 2L forward, and one each for the weights' and the
// input's gradient backward, saves three of them a step and the sum of two
// input gradients. The weights stay the separate tensors of Params.Mu and
// Params.LogVar: they are packed side by side at every step.
type headsOp struct {
	pureOp
	Data bool // H is the pixels: no gradient
	*headsState
}

// headsState is what a headsOp's node shares with its gradient nodes within a
// step: the packed weights and the gradients of both heads, computed once.
type headsState struct {
	out, w, b     outputMemory
	dW, db        outputMemory // [∂Wμ | ∂Wσ] and [∂bμ | ∂bσ] of the step
	step, gradsAt int          // forward passes run, and the one dW and db are of
}

// headsNode is [μ | log σ²] = h·[wMu | wLogVar] + [bMu | bLogVar]; data says
// h is data (no gradient).
func headsNode(h, wMu, bMu, wLogVar, bLogVar *G.Node, data bool) (*G.Node, error) {
	return G.ApplyOp(headsOp{Data: data, headsState: new(headsState)}, h, wMu, bMu, wLogVar, bLogVar)
}

func (headsOp) Arity() int { return 5 }

func (headsOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m, m, m, m)
}

func (headsOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	h, ok1 := inputs[0].(tensor.Shape)
	w, ok2 := inputs[1].(tensor.Shape)
	v, ok3 := inputs[3].(tensor.Shape)
	if !ok1 || !ok2 || !ok3 || len(h) != 2 || len(w) != 2 || !w.Eq(v) || h[1] != w[0] {
		return nil, fmt.Errorf("engine: encoder heads of shapes %v, %v and %v", inputs[0], inputs[1], inputs[3])
	}
	return tensor.Shape{h[0], 2 * w[1]}, nil
}

func (op headsOp) Do(inputs ...G.Value) (G.Value, error) {
	ts := make([]tensor.Tensor, len(inputs))
	for i, v := range inputs {
		ts[i] = v.(tensor.Tensor)
	}
	h, in, latent := ts[0], ts[1].Shape()[0], ts[1].Shape()[1]
	w := op.w.get(h.Dtype(), tensor.Shape{in, 2 * latent})
	y := op.out.get(h.Dtype(), tensor.Shape{h.Shape()[0], 2 * latent})
	b := op.b.get(h.Dtype(), tensor.Shape{1, 2 * latent})
	for half := range 2 {
		insertColumns(w, ts[1+2*half], half*latent)
		insertColumns(b, ts[2+2*half], half*latent)
	}
	switch ys := y.Data().(type) {
	case []float32:
		repeatRows(ys, b.Data().([]float32))
	case []float64:
		repeatRows(ys, b.Data().([]float64))
	}
	op.step++
	return y, gemm(false, false, h, w, 1, y)
}

func (op headsOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op headsOp) Hashcode() uint32      { return hashOf(op) }
func (op headsOp) String() string        { return fmt.Sprintf("EncoderHeads{data: %v}", op.Data) }

func (op headsOp) DiffWRT(int) []bool { return []bool{!op.Data, true, true, true, true} }

func (op headsOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	d := make(G.Nodes, 5)
	var err error
	if !op.Data {
		if d[0], err = G.ApplyOp(headsInputGradOp{headsState: op.headsState, out: new(outputMemory)}, inputs[0], grad); err != nil {
			return nil, err
		}
	}
	for i := 1; i < 5; i++ {
		part := headsParamGradOp{headsState: op.headsState, Bias: i%2 == 0, Half: (i - 1) / 2, out: new(outputMemory)}
		if d[i], err = G.ApplyOp(part, inputs[0], grad); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// headsInputGradOp is G·[Wμ | Wσ]ᵀ, the gradient G reaching the heads carried
// back to their input H. Its inputs are H (for the shape) and G.
type headsInputGradOp struct {
	pureOp
	*headsState
	out *outputMemory
}

func (headsInputGradOp) Arity() int { return 2 }

func (headsInputGradOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m)
}

func (headsInputGradOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	return shapeOfFirst(inputs, "encoder heads' input gradient")
}

func (op headsInputGradOp) Do(inputs ...G.Value) (G.Value, error) {
	h, g := inputs[0].(tensor.Tensor), inputs[1].(tensor.Tensor)
	d := op.out.get(g.Dtype(), h.Shape())
	return d, gemm(false, true, g, op.w.t, 0, d)
}

func (op headsInputGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op headsInputGradOp) Hashcode() uint32      { return hashOf(op) }
func (headsInputGradOp) String() string           { return "EncoderHeadsInputGrad" }

// headsParamGradOp is one of the four parameter gradients of headsOp,
// ∂Wμ, ∂bμ, ∂Wσ or ∂bσ: half of Hᵀ·G or of 1ᵀ·G, for the inputs H and G.
// The first of the four to run in a step computes both products.
type headsParamGradOp struct {
	pureOp
	*headsState
	Bias bool
	Half int // 0 for μ, 1 for log σ²
	out  *outputMemory
}

func (headsParamGradOp) Arity() int { return 2 }

func (headsParamGradOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m)
}

func (op headsParamGradOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	h, ok1 := inputs[0].(tensor.Shape)
	g, ok2 := inputs[1].(tensor.Shape)
	if !ok1 || !ok2 || len(h) != 2 || len(g) != 2 {
		return nil, fmt.Errorf("engine: encoder heads' gradient of shapes %v and %v", inputs[0], inputs[1])
	}
	if op.Bias {
		return tensor.Shape{1, g[1] / 2}, nil
	}
	return tensor.Shape{h[1], g[1] / 2}, nil
}

func (op headsParamGradOp) Do(inputs ...G.Value) (G.Value, error) {
	h, g := inputs[0].(tensor.Tensor), inputs[1].(tensor.Tensor)
	latent := g.Shape()[1] / 2
	if op.gradsAt != op.step {
		dW := op.dW.get(g.Dtype(), tensor.Shape{h.Shape()[1], 2 * latent})
		db := op.db.get(g.Dtype(), tensor.Shape{1, 2 * latent})
		if err := gemm(true, false, h, g, 0, dW); err != nil {
			return nil, err
		}
		db.Zero()
		switch gs := g.Data().(type) {
		case []float32:
			sumColumns32(gs, db.Data().([]float32), 2*latent)
		case []float64:
			sumColumns(gs, db.Data().([]float64), 2*latent)
		}
		op.gradsAt = op.step
	}
	whole := op.dW.t
	if op.Bias {
		whole = op.db.t
	}
	d := op.out.get(g.Dtype(), tensor.Shape{whole.Shape()[0], latent})
	extractColumns(d, whole, op.Half*latent)
	return d, nil
}

func (op headsParamGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op headsParamGradOp) Hashcode() uint32      { return hashOf(op) }
func (op headsParamGradOp) String() string {
	return fmt.Sprintf("EncoderHeadsGrad{bias: %v, half: %d}", op.Bias, op.Half)
}

// columnsOp is the columns [Lo, Hi) of a matrix, copied: μ and log σ² out of
// the heads' [μ | log σ²]. Its gradient puts G back in those columns, zero
// elsewhere.
type columnsOp struct {
	pureOp
	Lo, Hi int
	out    *outputMemory
}

// columnsNode is the columns [lo, hi) of m.
func columnsNode(m *G.Node, lo, hi int) (*G.Node, error) {
	return G.ApplyOp(columnsOp{Lo: lo, Hi: hi, out: new(outputMemory)}, m)
}

func (columnsOp) Arity() int { return 1 }

func (columnsOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m)
}

func (op columnsOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	s, ok := inputs[0].(tensor.Shape)
	if !ok || len(s) != 2 || op.Lo < 0 || op.Hi > s[1] || op.Lo >= op.Hi {
		return nil, fmt.Errorf("engine: columns %d to %d of shape %v", op.Lo, op.Hi, inputs[0])
	}
	return tensor.Shape{s[0], op.Hi - op.Lo}, nil
}

func (op columnsOp) Do(inputs ...G.Value) (G.Value, error) {
	m := inputs[0].(tensor.Tensor)
	d := op.out.get(m.Dtype(), tensor.Shape{m.Shape()[0], op.Hi - op.Lo})
	extractColumns(d, m, op.Lo)
	return d, nil
}

func (op columnsOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op columnsOp) Hashcode() uint32      { return hashOf(op) }
func (op columnsOp) String() string        { return fmt.Sprintf("Columns{%d,%d}", op.Lo, op.Hi) }

func (op columnsOp) DiffWRT(int) []bool { return []bool{true} }

func (op columnsOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(columnsGradOp{Lo: op.Lo, Hi: op.Hi, out: new(outputMemory)}, inputs[0], grad)
	return G.Nodes{d}, err
}

// columnsGradOp is G placed in the columns [Lo, Hi) of a zero matrix the shape
// of its first input.
type columnsGradOp struct {
	pureOp
	Lo, Hi int
	out    *outputMemory
}

func (columnsGradOp) Arity() int { return 2 }

func (columnsGradOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m)
}

func (columnsGradOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	return shapeOfFirst(inputs, "columns gradient")
}

func (op columnsGradOp) Do(inputs ...G.Value) (G.Value, error) {
	m, g := inputs[0].(tensor.Tensor), inputs[1].(tensor.Tensor)
	d := op.out.get(m.Dtype(), m.Shape())
	d.Zero()
	insertColumns(d, g, op.Lo)
	return d, nil
}

// extractColumns sets d, rows×w, to the columns [lo, lo+w) of m.
func extractColumns(d, m tensor.Tensor, lo int) {
	w, cols := d.Shape()[1], m.Shape()[1]
	switch ds := d.Data().(type) {
	case []float32:
		copyColumns(ds, m.Data().([]float32), w, cols, lo)
	case []float64:
		copyColumns(ds, m.Data().([]float64), w, cols, lo)
	}
}

// insertColumns copies g, rows×w, into the columns [lo, lo+w) of d.
func insertColumns(d, g tensor.Tensor, lo int) {
	w, cols := g.Shape()[1], d.Shape()[1]
	switch gs := g.Data().(type) {
	case []float32:
		placeColumns(d.Data().([]float32), gs, w, cols, lo)
	case []float64:
		placeColumns(d.Data().([]float64), gs, w, cols, lo)
	}
}

// copyColumns copies the columns [lo, lo+w) of m, rows×cols, into d, rows×w.
func copyColumns[T float32 | float64](d, m []T, w, cols, lo int) {
	for r := range len(d) / w {
		copy(d[r*w:(r+1)*w], m[r*cols+lo:r*cols+lo+w])
	}
}

// placeColumns copies g, rows×w, into the columns [lo, lo+w) of d, rows×cols.
func placeColumns[T float32 | float64](d, g []T, w, cols, lo int) {
	for r := range len(g) / w {
		copy(d[r*cols+lo:r*cols+lo+w], g[r*w:(r+1)*w])
	}
}

func (op columnsGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op columnsGradOp) Hashcode() uint32      { return hashOf(op) }
func (op columnsGradOp) String() string        { return fmt.Sprintf("ColumnsGrad{%d,%d}", op.Lo, op.Hi) }
