package engine

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Objective holds the weights and margin of the training loss
//
//	L = ELBOWeight·NELBO + TripletWeight·mean_b relu(d(μa,μp) - d(μa,μn) + Margin)
//	    + NormWeight·(‖μa‖ + ‖μp‖ + ‖μn‖),
//
// with NELBO the negative ELBO per image averaged over every image of the batch
// (or over the batch's separate ELBO images, with few labels), d the Euclidean
// distance and ‖·‖ the Frobenius norm of a batch of means.
type Objective struct {
	ELBOWeight, TripletWeight, Margin, NormWeight float64
}

// distanceEpsilon keeps d = √(Σ(a-b)² + ε) differentiable when two means meet.
const distanceEpsilon = 1e-12

// Terms are the values of the loss and its parts for one batch.
type Terms struct {
	Total   float64 `json:"total"`
	BCE     float64 `json:"bce"`
	KL      float64 `json:"kl"`
	Triplet float64 `json:"triplet"`
	Norm    float64 `json:"norm"`
}

// NELBO is the negative ELBO per image, BCE + KL.
func (t Terms) NELBO() float64 { return t.BCE + t.KL }

// stepGraph is the Gorgonia graph of one training step at a fixed batch shape:
// the whole batch (for triplets: anchors, then positives, then negatives) goes
// through the network in one pass, and Grad adds the backward pass. With
// separate ELBO images (few labels: the ELBO on every image, triplets among
// the labelled ones), x and eps hold those images and xt the triplets', which
// only go through the encoder.
type stepGraph struct {
	g                             *G.ExprGraph
	x, eps                        *G.Node // inputs, fed every step
	xt                            *G.Node // the triplets' images when the ELBO has its own; nil otherwise
	weights                       G.Nodes // W and b of every layer, in Params.Layers order
	total, bce, kl, triplet, norm *G.Node
	vm                            G.VM
	rows                          int // images in the batch (3·triplets for a triplet step)
	// xData, epsData and xtData back the inputs; the trainer refills them
	// each step instead of allocating new ones.
	xData, epsData, xtData []float32
}

// newStepGraph builds the graph over the given weight tensors (W then b for
// every layer, in Params.Layers order; b shaped 1×Out) for batch triplets (or
// images, when obj.TripletWeight is 0). With elboRows > 0 a triplet graph
// takes the ELBO on elboRows other images instead of on the triplets' own.
// The tensors are used, not copied: the optimiser updates them in place
// between steps.
func newStepGraph(dt tensor.Dtype, weights []tensor.Tensor, encoderDepth int, obj Objective, batch, elboRows int) (*stepGraph, error) {
	g := G.NewGraph()
	s := &stepGraph{g: g, rows: batch}
	triplet := obj.TripletWeight != 0
	separate := triplet && elboRows > 0
	switch {
	case separate:
		s.rows = elboRows
	case triplet:
		s.rows = 3 * batch
	}
	for i, w := range weights {
		kind := "W"
		if i%2 == 1 {
			kind = "b"
		}
		s.weights = append(s.weights, G.NewMatrix(g, dt, G.WithShape(w.Shape()...), G.WithValue(w), G.WithName(fmt.Sprintf("%s%d", kind, i/2))))
	}
	input := weights[0].Shape()[0]
	latent := weights[2*encoderDepth].Shape()[1]
	s.x = G.NewMatrix(g, dt, G.WithShape(s.rows, input), G.WithName("x"))
	s.eps = G.NewMatrix(g, dt, G.WithShape(s.rows, latent), G.WithName("eps"))
	if separate {
		s.xt = G.NewMatrix(g, dt, G.WithShape(3*batch, input), G.WithName("xt"))
	}
	if dt == tensor.Float32 { // the trainer's type; float64 graphs are only built by tests
		s.xData, s.epsData = make([]float32, s.rows*input), make([]float32, s.rows*latent)
		if separate {
			s.xtData = make([]float32, 3*batch*input)
		}
	}

	c := func(v float64) *G.Node {
		if dt == tensor.Float32 {
			return G.NewConstant(float32(v))
		}
		return G.NewConstant(v)
	}
	layer := func(h *G.Node, i int, relu bool) *G.Node {
		y := G.Must(G.BroadcastAdd(G.Must(G.Mul(h, s.weights[2*i])), s.weights[2*i+1], nil, []byte{0}))
		if relu {
			y = G.Must(G.Rectify(y))
		}
		return y
	}

	encode := func(x *G.Node) (mu, logVar *G.Node) {
		h := x
		for i := 0; i < encoderDepth; i++ {
			h = layer(h, i, true)
		}
		return layer(h, encoderDepth, false), layer(h, encoderDepth+1, false)
	}
	mu, logVar := encode(s.x)
	z := G.Must(G.Add(mu, G.Must(G.HadamardProd(G.Must(G.Exp(G.Must(G.Mul(logVar, c(0.5))))), s.eps))))
	h := z
	nLayers := len(weights) / 2
	for i := encoderDepth + 2; i < nLayers; i++ {
		h = layer(h, i, i < nLayers-1)
	}
	logits := h

	perImage := c(1 / float64(s.rows))
	// Σ softplus(l) - x·l over pixels, per image.
	s.bce = G.Must(G.Mul(G.Must(G.Sum(G.Must(G.Sub(G.Must(G.Softplus(logits)), G.Must(G.HadamardProd(s.x, logits)))))), perImage))
	// -½ Σ (1 + log σ² - μ² - σ²), per image.
	klSum := G.Must(G.Sum(G.Must(G.Sub(G.Must(G.Add(G.Must(G.Exp(logVar)), G.Must(G.Square(mu)))), logVar))))
	s.kl = G.Must(G.Sub(G.Must(G.Mul(klSum, c(0.5/float64(s.rows)))), c(0.5*float64(latent))))
	s.total = G.Must(G.Mul(G.Must(G.Add(s.bce, s.kl)), c(obj.ELBOWeight)))

	if triplet {
		if separate {
			mu, _ = encode(s.xt)
		}
		// Index a 3×B×L view, not row ranges: Gorgonia v0.9.18 hashes Slice
		// bounds modulo 256 and would merge rows 0:128 with 256:384.
		mu3 := G.Must(G.Reshape(mu, tensor.Shape{3, batch, latent}))
		a := G.Must(G.Slice(mu3, G.S(0)))
		p := G.Must(G.Slice(mu3, G.S(1)))
		n := G.Must(G.Slice(mu3, G.S(2)))
		dist := func(u, v *G.Node) *G.Node {
			sq := G.Must(G.Sum(G.Must(G.Square(G.Must(G.Sub(u, v)))), 1))
			return G.Must(G.Sqrt(G.Must(G.Add(sq, c(distanceEpsilon)))))
		}
		hinge := G.Must(G.Rectify(G.Must(G.Add(G.Must(G.Sub(dist(a, p), dist(a, n))), c(obj.Margin)))))
		s.triplet = G.Must(G.Mean(hinge))
		frob := func(u *G.Node) *G.Node { return G.Must(G.Sqrt(G.Must(G.Sum(G.Must(G.Square(u)))))) }
		s.norm = G.Must(G.Add(G.Must(G.Add(frob(a), frob(p))), frob(n)))
		s.total = G.Must(G.Add(s.total, G.Must(G.Mul(s.triplet, c(obj.TripletWeight)))))
		s.total = G.Must(G.Add(s.total, G.Must(G.Mul(s.norm, c(obj.NormWeight)))))
	}
	if _, err := G.Grad(s.total, s.weights...); err != nil {
		return nil, fmt.Errorf("engine: building gradients: %w", err)
	}
	s.vm = G.NewTapeMachine(g, G.BindDualValues(s.weights...))
	return s, nil
}

// run feeds x, eps and (for a graph with separate ELBO images) the triplets'
// images xt, runs forward and backward, and returns the loss terms.
// Gradients are zeroed first because Gorgonia's dual values accumulate them
// across runs.
func (s *stepGraph) run(x, eps, xt tensor.Tensor) (Terms, error) {
	for _, w := range s.weights {
		if g, err := w.Grad(); err == nil && g != nil {
			g.(tensor.Tensor).Zero()
		}
	}
	if err := G.Let(s.x, x); err != nil {
		return Terms{}, err
	}
	if err := G.Let(s.eps, eps); err != nil {
		return Terms{}, err
	}
	if s.xt != nil {
		if err := G.Let(s.xt, xt); err != nil {
			return Terms{}, err
		}
	}
	defer s.vm.Reset()
	if err := s.vm.RunAll(); err != nil {
		return Terms{}, fmt.Errorf("engine: step: %w", err)
	}
	t := Terms{Total: scalar(s.total), BCE: scalar(s.bce), KL: scalar(s.kl)}
	if s.triplet != nil {
		t.Triplet, t.Norm = scalar(s.triplet), scalar(s.norm)
	}
	return t, nil
}

// grad returns the backing slice of weight i's gradient after run.
func (s *stepGraph) grad(i int) tensor.Tensor {
	g, err := s.weights[i].Grad()
	if err != nil {
		panic(fmt.Sprintf("engine: weight %d has no gradient: %v", i, err)) // graph built with Grad over all weights
	}
	return g.(tensor.Tensor)
}

func scalar(n *G.Node) float64 {
	switch v := n.Value().Data().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	panic(fmt.Sprintf("engine: node %v is not a scalar", n))
}

// Close releases the machine's resources.
func (s *stepGraph) Close() { s.vm.Close() }
