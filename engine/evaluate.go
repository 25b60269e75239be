package engine

import (
	"math/rand/v2"

	"github.com/tvae/tvae/data"
)

// EvalTripletsPerClass and EvalSeed fix the paper protocol's test triplets:
// 1,000 anchors per class, drawn once with a fixed seed so every run and every
// model is scored on the same 10,000 triplets.
const (
	EvalTripletsPerClass = 1000
	EvalSeed             = 20180212
)

// EpochMetrics is what is measured at the end of every epoch.
type EpochMetrics struct {
	Epoch int `json:"epoch"`
	// Train holds the mean training loss terms over the epoch.
	Train Terms `json:"train"`
	// TripletAccuracy is on the fixed test triplets (paper protocol).
	TripletAccuracy float64 `json:"triplet_accuracy"`
	// TestNELBO, TestBCE, TestKL are in nats per test image.
	TestNELBO float64 `json:"test_nelbo"`
	TestBCE   float64 `json:"test_bce"`
	TestKL    float64 `json:"test_kl"`
	Seconds   float64 `json:"seconds"`
}

// Evaluator scores a model on a test split with fixed triplets and fixed
// reparameterisation noise, so that two models are compared on equal terms.
type Evaluator struct {
	Test     *data.Dataset
	Triplets []Triplet
}

// NewEvaluator draws the paper protocol's test triplets from test.
func NewEvaluator(test *data.Dataset) (*Evaluator, error) {
	ts, err := SampleTriplets(test.Labels, EvalTripletsPerClass, rand.New(rand.NewPCG(EvalSeed, 0)))
	if err != nil {
		return nil, err
	}
	return &Evaluator{Test: test, Triplets: ts}, nil
}

// Embed returns μ(x) for every image of d.
func Embed(p *Params, d *data.Dataset) Embedding {
	mu, _ := p.Encode(d.Pixels, d.Len())
	return Embedding{N: d.Len(), Dim: p.Latent(), Data: mu}
}

// Epoch measures triplet accuracy and the test negative ELBO.
func (e *Evaluator) Epoch(p *Params) EpochMetrics { return e.epoch(p, Embed(p, e.Test)) }

// epoch is Epoch with the test means already computed.
func (e *Evaluator) epoch(p *Params, test Embedding) EpochMetrics {
	nelbo := p.NegativeELBO(e.Test.Pixels, e.Test.Len(), rand.New(rand.NewPCG(EvalSeed, 1)))
	return EpochMetrics{
		TripletAccuracy: TripletAccuracy(test, e.Triplets),
		TestNELBO:       nelbo.Total(),
		TestBCE:         nelbo.BCE,
		TestKL:          nelbo.KL,
	}
}

// Results are a trained model's final figures, as saved in results.json.
type Results struct {
	TripletAccuracy float64 `json:"triplet_accuracy"`
	TestNELBO       float64 `json:"test_nelbo"`
	TestBCE         float64 `json:"test_bce"`
	TestKL          float64 `json:"test_kl"`
	// NearestNeighbourAccuracy is 1-NN classification of test μ's against train μ's.
	NearestNeighbourAccuracy float64 `json:"nearest_neighbour_accuracy"`
	// PrecisionAt10 is the share of each test μ's 10 nearest train μ's that
	// have its label: what the explorer's neighbour panel shows.
	PrecisionAt10 float64 `json:"precision_at_10"`
}

// Final measures everything in Results; train supplies the 1-NN references.
func (e *Evaluator) Final(p *Params, train *data.Dataset) Results {
	test, ref := Embed(p, e.Test), Embed(p, train)
	m := e.epoch(p, test)
	return Results{
		TripletAccuracy:          m.TripletAccuracy,
		TestNELBO:                m.TestNELBO,
		TestBCE:                  m.TestBCE,
		TestKL:                   m.TestKL,
		NearestNeighbourAccuracy: NearestNeighbourAccuracy(test, e.Test.Labels, ref, train.Labels),
		PrecisionAt10:            NeighbourPrecision(test, e.Test.Labels, ref, train.Labels, 10),
	}
}
