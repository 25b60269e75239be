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
	// PseudoLabelled counts the images a self-training run mined with
	// pseudo-labels in the epoch; PseudoLabelAccuracy is the share whose
	// pseudo-label is the true one (measured, never used for training).
	PseudoLabelled      int     `json:"pseudo_labelled,omitempty"`
	PseudoLabelAccuracy float64 `json:"pseudo_label_accuracy,omitempty"`
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

// The settings of the final figures, stated with every figure they produce.
const (
	// RandomTriplets is how many independent random test triplets
	// RandomTripletAccuracy draws for Results.
	RandomTriplets = 1_000_000
	// IWSamples is the default k of the importance-weighted bound in Results
	// (Config.IWSamples).
	IWSamples = 50
	// RetrievalK is k of precision@k and of the k-NN accuracy in Results.
	RetrievalK = 10
	// KMeansRestarts is how many k-means++ starts the clustering figures keep the best of.
	KMeansRestarts = 5
)

// Results are a trained model's final figures, as saved in results.json.
// Retrieval and k-NN figures rank train μ's for each test μ.
type Results struct {
	TripletAccuracy float64 `json:"triplet_accuracy"`
	TestNELBO       float64 `json:"test_nelbo"`
	TestBCE         float64 `json:"test_bce"`
	TestKL          float64 `json:"test_kl"`
	// NearestNeighbourAccuracy is 1-NN classification of test μ's against
	// train μ's: Retrieval.PrecisionAt1, kept under its first name.
	NearestNeighbourAccuracy float64 `json:"nearest_neighbour_accuracy"`
	// PrecisionAt10 is the share of each test μ's 10 nearest train μ's that
	// have its label, what the explorer's neighbour panel shows:
	// Retrieval.PrecisionAtK, kept under its first name.
	PrecisionAt10 float64 `json:"precision_at_10"`
	// Retrieval holds precision@1, precision@10, R-precision, MAP@R and k-NN accuracy.
	Retrieval Retrieval `json:"retrieval"`
	// RandomTripletAccuracy is on RandomTriplets random test triplets, with its 95% interval.
	RandomTripletAccuracy Proportion `json:"random_triplet_accuracy"`
	// NMI and AMI compare k-means clusters of the test μ's (k = number of
	// classes, best of KMeansRestarts) with the labels.
	NMI float64 `json:"kmeans_nmi"`
	AMI float64 `json:"kmeans_ami"`
	// IWNLL is the importance-weighted bound on the test negative
	// log-likelihood with IWSamples samples per image, in nats; both are
	// absent when the bound was not asked for (IWSamples 0).
	IWNLL     float64 `json:"iw_nll,omitempty"`
	IWSamples int     `json:"iw_samples,omitempty"`
	// ActiveUnits counts latent dimensions with Var(μ_u) > ActiveUnitThreshold on the test set.
	ActiveUnits int `json:"active_units"`
}

// Final measures everything in Results; train supplies the references for
// retrieval and k-NN, and iwSamples is k of the importance-weighted bound (0
// skips it: it takes about half the time).
func (e *Evaluator) Final(p *Params, train *data.Dataset, iwSamples int) Results {
	test, ref := Embed(p, e.Test), Embed(p, train)
	m := e.epoch(p, test)
	retrieval := Retrieve(test, e.Test.Labels, ref, train.Labels, RetrievalK)
	testLabels := make([]int, e.Test.Len())
	classes := map[uint8]bool{}
	for i, l := range e.Test.Labels {
		testLabels[i], classes[l] = int(l), true
	}
	clusters := KMeans(test, len(classes), KMeansRestarts, rand.New(rand.NewPCG(EvalSeed, 2)))
	res := Results{
		TripletAccuracy:          m.TripletAccuracy,
		TestNELBO:                m.TestNELBO,
		TestBCE:                  m.TestBCE,
		TestKL:                   m.TestKL,
		NearestNeighbourAccuracy: retrieval.PrecisionAt1,
		PrecisionAt10:            retrieval.PrecisionAtK,
		Retrieval:                retrieval,
		RandomTripletAccuracy:    RandomTripletAccuracy(test, e.Test.Labels, RandomTriplets, rand.New(rand.NewPCG(EvalSeed, 3))),
		NMI:                      NMI(testLabels, clusters),
		AMI:                      AMI(testLabels, clusters),
		ActiveUnits:              ActiveUnits(test, ActiveUnitThreshold),
	}
	if iwSamples > 0 {
		res.IWNLL, res.IWSamples = p.ImportanceWeightedNLL(e.Test.Pixels, e.Test.Len(), iwSamples, EvalSeed), iwSamples
	}
	return res
}
