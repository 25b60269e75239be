package engine

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// affineOp is a dense layer as one Gorgonia node, its pre-activation
// followed, with ReLU, by the rectifier:
//
//	Y = h(X·W + 1·b),   ∂/∂X = D·Wᵀ,  ∂/∂W = Xᵀ·D,  ∂/∂b = 1ᵀ·D,
//
// for X n×in, W in×out, b 1×out, h the identity or max(0, ·), G the
// gradient reaching Y and D = G, or G ⊙ [Y > 0] with ReLU. Gorgonia's Mul,
// BroadcastAdd and Rectify copied b into an n×out matrix every step, summed
// it back in the backward pass, made the rectifier's mask twice, and
// multiplied out the gradient of the pixels, which nothing needs (a sixth of
// a step's matrix arithmetic). Here b is the product's starting value, and
// with Data the input is data: it gets no gradient.
type affineOp struct {
	pureOp
	ReLU, Data bool
	out        *outputMemory
}

// affineNode is h(x·w + b), h the rectifier if relu; data says x is data
// (no gradient).
func affineNode(x, w, b *G.Node, relu, data bool) (*G.Node, error) {
	return G.ApplyOp(affineOp{ReLU: relu, Data: data, out: new(outputMemory)}, x, w, b)
}

func (affineOp) Arity() int { return 3 }

func (affineOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m, m)
}

func (affineOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	x, ok1 := inputs[0].(tensor.Shape)
	w, ok2 := inputs[1].(tensor.Shape)
	if !ok1 || !ok2 || len(x) != 2 || len(w) != 2 || x[1] != w[0] {
		return nil, fmt.Errorf("engine: affine layer of shapes %v and %v", inputs[0], inputs[1])
	}
	return tensor.Shape{x[0], w[1]}, nil
}

func (op affineOp) Do(inputs ...G.Value) (G.Value, error) {
	x, w, b := inputs[0].(tensor.Tensor), inputs[1].(tensor.Tensor), inputs[2].(tensor.Tensor)
	y := op.out.get(x.Dtype(), tensor.Shape{x.Shape()[0], w.Shape()[1]})
	switch ys := y.Data().(type) {
	case []float32:
		repeatRows(ys, b.Data().([]float32))
	case []float64:
		repeatRows(ys, b.Data().([]float64))
	}
	if err := gemm(false, false, x, w, 1, y); err != nil {
		return nil, err
	}
	if op.ReLU {
		switch ys := y.Data().(type) {
		case []float32:
			rectify32(ys)
		case []float64:
			rectify(ys)
		}
	}
	return y, nil
}

// repeatRows fills every row of y with b.
func repeatRows[T float32 | float64](y, b []T) {
	for start := 0; start < len(y); start += len(b) {
		copy(y[start:start+len(b)], b)
	}
}

// rectify sets y to max(0, y) in place.
func rectify[T float32 | float64](y []T) {
	for i, v := range y {
		y[i] = max(v, 0)
	}
}

func (op affineOp) WriteHash(h hash.Hash) {
	fmt.Fprint(h, op.String())
}
func (op affineOp) Hashcode() uint32 { return hashOf(op) }
func (op affineOp) String() string {
	return fmt.Sprintf("Affine{relu: %v, data: %v}", op.ReLU, op.Data)
}

func (op affineOp) DiffWRT(int) []bool { return []bool{!op.Data, true, true} }

func (op affineOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	x, w := inputs[0], inputs[1]
	d := make(G.Nodes, 3)
	var err error
	if op.ReLU {
		if grad, err = G.ApplyOp(rectifierGradOp{out: new(outputMemory)}, grad, output); err != nil {
			return nil, err
		}
	}
	if !op.Data {
		if d[0], err = G.ApplyOp(productOp{TransB: true, out: new(outputMemory)}, grad, w); err != nil {
			return nil, err
		}
	}
	if d[1], err = G.ApplyOp(productOp{TransA: true, out: new(outputMemory)}, x, grad); err != nil {
		return nil, err
	}
	d[2], err = G.ApplyOp(columnSumOp{out: new(outputMemory)}, grad)
	return d, err
}

// rectifierGradOp is G ⊙ [Y > 0], the gradient G reaching a rectifier's
// output Y carried back through it.
type rectifierGradOp struct {
	pureOp
	out *outputMemory
}

func (rectifierGradOp) Arity() int { return 2 }

func (rectifierGradOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m)
}

func (rectifierGradOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	return shapeOfFirst(inputs, "rectifier gradient")
}

func (op rectifierGradOp) Do(inputs ...G.Value) (G.Value, error) {
	g, y := inputs[0].(tensor.Tensor), inputs[1].(tensor.Tensor)
	d := op.out.get(g.Dtype(), g.Shape())
	switch ds := d.Data().(type) {
	case []float32:
		maskBy32(ds, g.Data().([]float32), y.Data().([]float32))
	case []float64:
		maskBy(ds, g.Data().([]float64), y.Data().([]float64))
	}
	return d, nil
}

// maskBy sets d to g where y > 0 and to 0 elsewhere.
func maskBy[T float32 | float64](d, g, y []T) {
	for i, v := range y {
		d[i] = 0
		if v > 0 {
			d[i] = g[i]
		}
	}
}

func (op rectifierGradOp) WriteHash(h hash.Hash) {
	fmt.Fprint(h, op.String())
}
func (op rectifierGradOp) Hashcode() uint32 { return hashOf(op) }
func (rectifierGradOp) String() string      { return "RectifierGrad" }

// productOp is the matrix product op(A)·op(B), op transposing where asked:
// the gradients of affineOp.
type productOp struct {
	pureOp
	TransA, TransB bool
	out            *outputMemory
}

func (productOp) Arity() int { return 2 }

func (productOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m)
}

func (op productOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	a, ok1 := inputs[0].(tensor.Shape)
	b, ok2 := inputs[1].(tensor.Shape)
	if !ok1 || !ok2 || len(a) != 2 || len(b) != 2 {
		return nil, fmt.Errorf("engine: product of shapes %v and %v", inputs[0], inputs[1])
	}
	rows, inner := a[0], a[1]
	if op.TransA {
		rows, inner = inner, rows
	}
	bInner, cols := b[0], b[1]
	if op.TransB {
		bInner, cols = cols, bInner
	}
	if inner != bInner {
		return nil, fmt.Errorf("engine: product of shapes %v and %v (%v)", a, b, op)
	}
	return tensor.Shape{rows, cols}, nil
}

func (op productOp) Do(inputs ...G.Value) (G.Value, error) {
	a, b := inputs[0].(tensor.Tensor), inputs[1].(tensor.Tensor)
	s, err := op.InferShape(a.Shape(), b.Shape())
	if err != nil {
		return nil, err
	}
	c := op.out.get(a.Dtype(), s)
	return c, gemm(op.TransA, op.TransB, a, b, 0, c)
}

func (op productOp) WriteHash(h hash.Hash) {
	fmt.Fprint(h, op.String())
}
func (op productOp) Hashcode() uint32 { return hashOf(op) }
func (op productOp) String() string {
	return fmt.Sprintf("Product{transA: %v, transB: %v}", op.TransA, op.TransB)
}

// columnSumOp is 1ᵀ·G, the sums of G's columns as a 1×cols matrix: the
// gradient of affineOp's bias.
type columnSumOp struct {
	pureOp
	out *outputMemory
}

func (columnSumOp) Arity() int { return 1 }

func (columnSumOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m)
}

func (columnSumOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	s, ok := inputs[0].(tensor.Shape)
	if !ok || len(s) != 2 {
		return nil, fmt.Errorf("engine: column sums of shape %v", inputs[0])
	}
	return tensor.Shape{1, s[1]}, nil
}

func (op columnSumOp) Do(inputs ...G.Value) (G.Value, error) {
	g := inputs[0].(tensor.Tensor)
	cols := g.Shape()[1]
	out := op.out.get(g.Dtype(), tensor.Shape{1, cols})
	out.Zero()
	switch gs := g.Data().(type) {
	case []float32:
		sumColumns32(gs, out.Data().([]float32), cols)
	case []float64:
		sumColumns(gs, out.Data().([]float64), cols)
	}
	return out, nil
}

func sumColumns[T float32 | float64](g, sums []T, cols int) {
	for start := 0; start < len(g); start += cols {
		for j, v := range g[start : start+cols] {
			sums[j] += v
		}
	}
}

func (op columnSumOp) WriteHash(h hash.Hash) {
	fmt.Fprint(h, op.String())
}
func (op columnSumOp) Hashcode() uint32 { return hashOf(op) }
func (columnSumOp) String() string      { return "ColumnSum" }

// pureOp gives the custom ops the Gorgonia Op methods they share: each
// returns a new value, calls no external device and overwrites no input.
type pureOp struct{}

func (pureOp) ReturnsPtr() bool     { return false }
func (pureOp) CallsExtern() bool    { return false }
func (pureOp) OverwritesInput() int { return -1 }

// shapeOfFirst is the shape of a gradient op's output: its first input's.
func shapeOfFirst(inputs []G.DimSizer, what string) (tensor.Shape, error) {
	s, ok := inputs[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("engine: %s of shape %v", what, inputs[0])
	}
	return s.Clone(), nil
}

// outputMemory is the memory of an op's output, allocated at its first step and
// reused at every later one: the tape machine runs each node once a step,
// and nothing reads an output after its step (Gorgonia adds gradients into
// the weights' own memory). Allocating it anew every step cost as much time
// in clearing memory as some of the step's products.
type outputMemory struct{ t tensor.Tensor }

// get returns the output memory for a result of type dt and shape s.
func (o *outputMemory) get(dt tensor.Dtype, s tensor.Shape) tensor.Tensor {
	if o.t == nil || o.t.Dtype() != dt || !o.t.Shape().Eq(s) {
		o.t = tensor.New(tensor.Of(dt), tensor.WithShape(s.Clone()...))
	}
	return o.t
}

// gemm sets c = op(a)·op(b) + beta·c through the BLAS the binary was built
// with (float32) or gonum's (float64, the tests' graphs), for row-major
// matrices.
func gemm(transA, transB bool, a, b tensor.Tensor, beta float64, c tensor.Tensor) error {
	t := func(trans bool) blas.Transpose {
		if trans {
			return blas.Trans
		}
		return blas.NoTrans
	}
	switch cs := c.Data().(type) {
	case []float32:
		blas32.Gemm(t(transA), t(transB), 1, general32(a), general32(b), float32(beta),
			blas32.General{Rows: c.Shape()[0], Cols: c.Shape()[1], Stride: c.Shape()[1], Data: cs})
	case []float64:
		blas64.Gemm(t(transA), t(transB), 1, general64(a), general64(b), beta,
			blas64.General{Rows: c.Shape()[0], Cols: c.Shape()[1], Stride: c.Shape()[1], Data: cs})
	default:
		return fmt.Errorf("engine: matrix product of %v", c.Dtype())
	}
	return nil
}

func general32(t tensor.Tensor) blas32.General {
	s := t.Shape()
	return blas32.General{Rows: s[0], Cols: s[1], Stride: s[1], Data: t.Data().([]float32)}
}

func general64(t tensor.Tensor) blas64.General {
	s := t.Shape()
	return blas64.General{Rows: s[0], Cols: s[1], Stride: s[1], Data: t.Data().([]float64)}
}
