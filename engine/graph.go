package engine

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Objective holds the weights, margin and distance of the training loss
//
//	L = ELBOWeight·(BCE + β·KL) + TripletWeight·mean_b h(d(ea,ep) - d(ea,en) + Margin)
//	    + NormWeight·(‖ea‖ + ‖ep‖ + ‖en‖),
//
// with BCE + KL the negative ELBO per image averaged over every image of the
// batch (or over the batch's separate ELBO images, with few labels), β the KL
// weight fed at each step (1 for the ELBO itself), e the embedding of an image
// (μ, or a sample z with TripletOnZ), d the Distance, h the hinge relu or,
// with SoftMargin, softplus, and ‖·‖ the Frobenius norm of a batch of
// embeddings.
type Objective struct {
	ELBOWeight, TripletWeight, Margin, NormWeight float64
	// Distance is DistanceEuclidean (the paper), DistanceSquared or DistanceCosine.
	Distance string
	// SoftMargin replaces the hinge relu(x) by softplus(x) = log(1 + eˣ).
	SoftMargin bool
	// TripletOnZ takes the triplet and norm terms on sampled z, not on μ.
	TripletOnZ bool
	// BatchAllMean takes the triplet term exactly, as batchAllMean over the
	// batch's own images and labels, instead of on rows of given triplets,
	// and the norm term as the one batch's ‖e‖. Euclidean distance only.
	BatchAllMean bool
	// MixturePrior takes the KL against a learned Mixture prior, which has
	// no closed form, as log q(z|x) − log p(z) at the step's own sample z;
	// the graph's weights then end with the mixture's means and
	// log-variances.
	MixturePrior bool
}

// The distances of the triplet loss (Config.Distance).
const (
	// DistanceEuclidean is d(u,v) = √(Σ (u_k − v_k)² + ε), the paper's.
	DistanceEuclidean = "euclidean"
	// DistanceSquared is d(u,v) = Σ (u_k − v_k)².
	DistanceSquared = "squared"
	// DistanceCosine is d(u,v) = 1 − u·v / (√(‖u‖² + ε)·√(‖v‖² + ε)).
	DistanceCosine = "cosine"
)

// distanceEpsilon keeps d = √(Σ(a-b)² + ε) differentiable when two means
// meet, and the cosine distance defined at the origin.
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
	epst                          *G.Node // the noise of xt's z when the triplet term is on z; else nil
	klWeight                      *G.Node // β, a scalar input fed every step
	weights                       G.Nodes // W and b of every layer, in Params.Layers order
	grads                         G.Nodes // the loss's gradient with respect to each weight
	total, bce, kl, triplet, norm *G.Node
	vm                            G.VM
	rows                          int // images in the batch (3·triplets for a triplet step on given triplets)
	// labels are the batch's classes, which the trainer writes before each
	// step of a BatchAllMean graph (nil otherwise).
	labels *[]uint8
	// xData, epsData, xtData and epstData back the inputs; the trainer
	// refills them each step instead of allocating new ones.
	xData, epsData, xtData, epstData []float32
}

// newStepGraph builds the graph over the given weight tensors (W then b for
// every layer, in Params.Layers order; b shaped 1×Out; then, with
// obj.MixturePrior, the prior's means and log-variances) for batch triplets (or
// images, when obj.TripletWeight is 0). With elboRows > 0 a triplet graph
// takes the ELBO on elboRows other images instead of on the triplets' own.
// The tensors are used, not copied: the optimiser updates them in place
// between steps.
func newStepGraph(dt tensor.Dtype, weights []tensor.Tensor, encoderDepth int, obj Objective, batch, elboRows int) (*stepGraph, error) {
	g := G.NewGraph()
	s := &stepGraph{g: g, rows: batch}
	triplet := obj.TripletWeight != 0
	separate := triplet && elboRows > 0
	tripletRows := 3 * batch // anchors, positives, negatives
	if obj.BatchAllMean {
		tripletRows = batch // the images themselves
	}
	switch {
	case separate:
		s.rows = elboRows
	case triplet:
		s.rows = tripletRows
	}
	layerWeights := len(weights)
	if obj.MixturePrior {
		layerWeights -= 2
	}
	for i, w := range weights {
		name := fmt.Sprintf("W%d", i/2)
		switch {
		case i == layerWeights:
			name = "prior_means"
		case i == layerWeights+1:
			name = "prior_logvars"
		case i%2 == 1:
			name = fmt.Sprintf("b%d", i/2)
		}
		s.weights = append(s.weights, G.NewMatrix(g, dt, G.WithShape(w.Shape()...), G.WithValue(w), G.WithName(name)))
	}
	input := weights[0].Shape()[0]
	latent := weights[2*encoderDepth].Shape()[1]
	s.x = G.NewMatrix(g, dt, G.WithShape(s.rows, input), G.WithName("x"))
	s.eps = G.NewMatrix(g, dt, G.WithShape(s.rows, latent), G.WithName("eps"))
	s.klWeight = G.NewScalar(g, dt, G.WithName("beta"))
	if separate {
		s.xt = G.NewMatrix(g, dt, G.WithShape(tripletRows, input), G.WithName("xt"))
		if obj.TripletOnZ {
			s.epst = G.NewMatrix(g, dt, G.WithShape(tripletRows, latent), G.WithName("epst"))
		}
	}
	if dt == tensor.Float32 { // the trainer's type; float64 graphs are only built by tests
		s.xData, s.epsData = make([]float32, s.rows*input), make([]float32, s.rows*latent)
		if s.xt != nil {
			s.xtData = make([]float32, tripletRows*input)
		}
		if s.epst != nil {
			s.epstData = make([]float32, tripletRows*latent)
		}
	}

	c := func(v float64) *G.Node {
		if dt == tensor.Float32 {
			return G.NewConstant(float32(v))
		}
		return G.NewConstant(v)
	}
	layer := func(h *G.Node, i int, relu bool) *G.Node {
		data := h == s.x || h == s.xt // the pixels need no gradient
		return G.Must(affineNode(h, s.weights[2*i], s.weights[2*i+1], relu, data))
	}

	encode := func(x *G.Node) (mu, logVar *G.Node) {
		h := x
		for i := 0; i < encoderDepth; i++ {
			h = layer(h, i, true)
		}
		w := s.weights[2*encoderDepth:]
		heads := G.Must(headsNode(h, w[0], w[1], w[2], w[3], h == s.x || h == s.xt))
		return G.Must(columnsNode(heads, 0, latent)), G.Must(columnsNode(heads, latent, 2*latent))
	}
	sample := func(mu, logVar, eps *G.Node) *G.Node { return G.Must(sampleNode(mu, logVar, eps)) }
	mu, logVar := encode(s.x)
	z := sample(mu, logVar, s.eps)
	h := z
	nLayers := layerWeights / 2
	for i := encoderDepth + 2; i < nLayers; i++ {
		h = layer(h, i, i < nLayers-1)
	}
	logits := h

	perImage := c(1 / float64(s.rows))
	// Σ softplus(l) - x·l over pixels, per image.
	bce, err := bernoulliNLLNode(logits, s.x)
	if err != nil {
		return nil, fmt.Errorf("engine: building the cross-entropy: %w", err)
	}
	s.bce = G.Must(G.Mul(bce, perImage))
	if obj.MixturePrior {
		// log q(z|x) − log p(z) per image, with
		// log q(z|x) = −½ Σ (ε² + log σ² + log 2π).
		logQSum := G.Must(G.Sum(G.Must(G.Add(G.Must(G.Square(s.eps)), logVar))))
		logQ := G.Must(G.Sub(G.Must(G.Mul(logQSum, c(-0.5/float64(s.rows)))), c(halfLog2Pi*float64(latent))))
		logP, err := mixtureLogPriorNode(z, s.weights[layerWeights], s.weights[layerWeights+1])
		if err != nil {
			return nil, fmt.Errorf("engine: building the mixture prior: %w", err)
		}
		s.kl = G.Must(G.Sub(logQ, logP))
	} else if s.kl, err = gaussianKLNode(mu, logVar); err != nil {
		return nil, fmt.Errorf("engine: building the KL divergence: %w", err)
	}
	s.total = G.Must(G.Mul(G.Must(G.Add(s.bce, G.Must(G.Mul(s.kl, s.klWeight)))), c(obj.ELBOWeight)))

	if triplet {
		embed := mu
		switch {
		case separate && obj.TripletOnZ:
			m, lv := encode(s.xt)
			embed = sample(m, lv, s.epst)
		case separate:
			embed, _ = encode(s.xt)
		case obj.TripletOnZ:
			embed = z
		}
		if obj.BatchAllMean {
			s.labels = new([]uint8)
			if s.triplet, err = batchAllMeanNode(embed, s.labels, obj.Margin, obj.SoftMargin); err != nil {
				return nil, fmt.Errorf("engine: building the batch-all loss: %w", err)
			}
			s.norm, err = blockNormsNode(embed, 1)
		} else {
			s.triplet, s.norm, err = givenTripletTerms(embed, obj, batch, c)
		}
		if err != nil {
			return nil, fmt.Errorf("engine: building the triplet terms: %w", err)
		}
		s.total = G.Must(G.Add(s.total, G.Must(G.Mul(s.triplet, c(obj.TripletWeight)))))
		s.total = G.Must(G.Add(s.total, G.Must(G.Mul(s.norm, c(obj.NormWeight)))))
	}
	if s.grads, err = G.Grad(s.total, s.weights...); err != nil {
		return nil, fmt.Errorf("engine: building gradients: %w", err)
	}
	// The gradients are read from their nodes: dual values bound to the
	// weights would cost a pass to zero each gradient and one to add the
	// nodes' values into it, every step.
	s.vm = G.NewTapeMachine(g)
	return s, nil
}

// run feeds x, eps, the KL weight β and (for a graph with separate ELBO
// images) the triplets' images xt and their noise epst (nil unless the
// triplet term is on z), runs forward and backward, and returns the loss
// terms.
func (s *stepGraph) run(x, eps, xt, epst tensor.Tensor, klWeight float64) (Terms, error) {
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
	if s.epst != nil {
		if err := G.Let(s.epst, epst); err != nil {
			return Terms{}, err
		}
	}
	var beta any = klWeight
	if s.klWeight.Dtype() == tensor.Float32 {
		beta = float32(klWeight)
	}
	if err := G.Let(s.klWeight, beta); err != nil {
		return Terms{}, err
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
func (s *stepGraph) grad(i int) tensor.Tensor { return s.grads[i].Value().(tensor.Tensor) }

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

// givenTripletTerms are the triplet and norm terms of the Objective on the
// embeddings of given triplets: batch anchors, then their positives, then
// their negatives. The Euclidean triplet term is one node (givenTriplets); the
// other distances are built from Gorgonia's nodes.
func givenTripletTerms(embed *G.Node, obj Objective, batch int, c func(float64) *G.Node) (triplet, norm *G.Node, err error) {
	if norm, err = blockNormsNode(embed, 3); err != nil {
		return nil, nil, err
	}
	if obj.Distance == DistanceEuclidean {
		triplet, err = givenTripletsNode(embed, obj.Margin, obj.SoftMargin)
		return triplet, norm, err
	}
	// Index a 3×B×L view, not row ranges: Gorgonia v0.9.18 hashes Slice
	// bounds modulo 256 and would merge rows 0:128 with 256:384.
	e3 := G.Must(G.Reshape(embed, tensor.Shape{3, batch, embed.Shape()[1]}))
	a := G.Must(G.Slice(e3, G.S(0)))
	p := G.Must(G.Slice(e3, G.S(1)))
	n := G.Must(G.Slice(e3, G.S(2)))
	rowSum := func(u *G.Node) *G.Node { return G.Must(G.Sum(u, 1)) }
	rowNorm := func(u *G.Node) *G.Node {
		return G.Must(G.Sqrt(G.Must(G.Add(rowSum(G.Must(G.Square(u))), c(distanceEpsilon)))))
	}
	dist := func(u, v *G.Node) *G.Node {
		if obj.Distance == DistanceSquared {
			return rowSum(G.Must(G.Square(G.Must(G.Sub(u, v)))))
		}
		cos := G.Must(G.HadamardDiv(rowSum(G.Must(G.HadamardProd(u, v))), G.Must(G.HadamardProd(rowNorm(u), rowNorm(v)))))
		return G.Must(G.Sub(c(1), cos))
	}
	gap := G.Must(G.Add(G.Must(G.Sub(dist(a, p), dist(a, n))), c(obj.Margin)))
	hinge := G.Rectify
	if obj.SoftMargin {
		hinge = G.Softplus
	}
	return G.Must(G.Mean(G.Must(hinge(gap)))), norm, nil
}
