package engine

import (
	"math"
	"math/rand/v2"
)

// Dense is one fully connected layer, y = x·W + b, with W stored In×Out row-major.
type Dense struct {
	In, Out int
	W, B    []float32
}

// Params are the weights of the VAE: an MLP encoder to (μ, log σ²) and an MLP
// decoder from z to Bernoulli logits. Training mutates them in place, so other
// goroutines only ever see a Clone.
type Params struct {
	Encoder []Dense // hidden layers, each followed by ReLU
	Mu      Dense   // last hidden layer -> μ
	LogVar  Dense   // last hidden layer -> log σ²
	Decoder []Dense // z -> hidden layers (ReLU) -> logits (no activation)
	// Prior is the learned mixture prior, or nil for N(0, I).
	Prior *Mixture
}

// NewParams initialises a VAE for inputs of size input, with encoder hidden
// widths hidden (the decoder mirrors them) and latent size latent. Weights and
// biases are drawn from U(-1/√fan_in, 1/√fan_in), PyTorch's nn.Linear default,
// so that training starts where the paper's code starts.
func NewParams(input int, hidden []int, latent int, rng *rand.Rand) *Params {
	p := &Params{}
	in := input
	for _, h := range hidden {
		p.Encoder = append(p.Encoder, newDense(in, h, rng))
		in = h
	}
	p.Mu = newDense(in, latent, rng)
	p.LogVar = newDense(in, latent, rng)
	in = latent
	for i := len(hidden) - 1; i >= 0; i-- {
		p.Decoder = append(p.Decoder, newDense(in, hidden[i], rng))
		in = hidden[i]
	}
	p.Decoder = append(p.Decoder, newDense(in, input, rng))
	return p
}

func newDense(in, out int, rng *rand.Rand) Dense {
	bound := 1 / math.Sqrt(float64(in))
	d := Dense{In: in, Out: out, W: make([]float32, in*out), B: make([]float32, out)}
	for i := range d.W {
		d.W[i] = float32((2*rng.Float64() - 1) * bound)
	}
	for i := range d.B {
		d.B[i] = float32((2*rng.Float64() - 1) * bound)
	}
	return d
}

// Layers lists every layer in a fixed order: encoder, μ head, log σ² head,
// decoder. Serialisation and the optimiser rely on this order.
func (p *Params) Layers() []*Dense {
	ls := make([]*Dense, 0, len(p.Encoder)+len(p.Decoder)+2)
	for i := range p.Encoder {
		ls = append(ls, &p.Encoder[i])
	}
	ls = append(ls, &p.Mu, &p.LogVar)
	for i := range p.Decoder {
		ls = append(ls, &p.Decoder[i])
	}
	return ls
}

// paramTensor is one trained tensor, rows×cols row-major.
type paramTensor struct {
	rows, cols int
	data       []float32
}

// tensors lists every trained tensor in a fixed order: W then b (1×Out) of
// each layer in Layers order, then the prior's means and log-variances. The
// optimiser and the step graph rely on this order.
func (p *Params) tensors() []paramTensor {
	var ts []paramTensor
	for _, l := range p.Layers() {
		ts = append(ts, paramTensor{l.In, l.Out, l.W}, paramTensor{1, l.Out, l.B})
	}
	if m := p.Prior; m != nil {
		ts = append(ts, paramTensor{m.K, m.Latent, m.Means}, paramTensor{m.K, m.Latent, m.LogVars})
	}
	return ts
}

// Input is the size of an image, Latent the size of z.
func (p *Params) Input() int  { return p.Encoder[0].In }
func (p *Params) Latent() int { return p.Mu.Out }

// Hidden returns the encoder's hidden widths.
func (p *Params) Hidden() []int {
	h := make([]int, len(p.Encoder))
	for i, d := range p.Encoder {
		h[i] = d.Out
	}
	return h
}

// Clone returns a deep copy: an immutable snapshot for readers.
func (p *Params) Clone() *Params {
	return &Params{Encoder: cloneDense(p.Encoder), Mu: p.Mu.clone(), LogVar: p.LogVar.clone(), Decoder: cloneDense(p.Decoder), Prior: p.Prior.clone()}
}

func (d Dense) clone() Dense {
	return Dense{In: d.In, Out: d.Out, W: append([]float32(nil), d.W...), B: append([]float32(nil), d.B...)}
}

func cloneDense(ds []Dense) []Dense {
	c := make([]Dense, len(ds))
	for i, d := range ds {
		c[i] = d.clone()
	}
	return c
}

// Size is the number of scalar parameters.
func (p *Params) Size() int {
	n := 0
	for _, t := range p.tensors() {
		n += len(t.data)
	}
	return n
}

// finite reports whether every weight and bias is a finite number.
func (p *Params) finite() bool {
	for _, t := range p.tensors() {
		for _, x := range t.data {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return false
			}
		}
	}
	return true
}
