package engine

import (
	"math"
	"math/rand/v2"

	"github.com/tvae/tvae/data"
)

// The settings of LatentQuality, cheap enough to measure many times an epoch.
const (
	// QualityQueries is how many test images (the first ones, at most half
	// the split) vote in the k-NN accuracy; the rest of the test split are
	// their references.
	QualityQueries = 1000
	// QualityK is k of that vote.
	QualityK = 5
	// QualityTriplets bounds the training triplets whose margin is checked.
	QualityTriplets = 1000
)

// LatentQuality is how well the test means separate the classes at one
// moment of training, measured often enough to draw it as a curve:
//
//	TripletAccuracy  = the paper's triplet accuracy on the fixed test triplets
//	KNNAccuracy      = mean [majority label of the QualityK nearest = y] for the
//	                   first QualityQueries test μ's among the other test μ's
//	MarginViolations = mean [‖μa − μp‖ − ‖μa − μn‖ + margin > 0] over up to
//	                   QualityTriplets training triplets: the share whose hinge
//	                   still pushes
type LatentQuality struct {
	TripletAccuracy  float64 `json:"triplet_accuracy"`
	KNNAccuracy      float64 `json:"knn_accuracy"`
	MarginViolations float64 `json:"margin_violations"`
}

// Snapshot is the model at one step of training: a copy of its weights and
// the posterior of every test image, N(μ, diag exp(LogVar)). It is immutable
// once made.
type Snapshot struct {
	// Step counts optimisation steps since the start of training, across
	// epochs, of which there are EpochSteps per epoch.
	Step, EpochSteps int
	// Epoch is the epoch the step belongs to (1-based); EpochEnd is set for
	// its last step, after which the epoch's metrics were measured.
	Epoch    int
	EpochEnd bool
	Params   *Params
	Mu       Embedding
	LogVar   Embedding
	Quality  LatentQuality
}

// EncodeSplit returns μ and log σ² of every image of d.
func EncodeSplit(p *Params, d *data.Dataset) (mu, logVar Embedding) {
	m, lv := p.Encode(d.Pixels, d.Len())
	return Embedding{N: d.Len(), Dim: p.Latent(), Data: m}, Embedding{N: d.Len(), Dim: p.Latent(), Data: lv}
}

// MarginViolations is the share of triplets whose margin-ranking hinge is
// active: ‖μa − μp‖ − ‖μa − μn‖ + margin > 0, with the training loss's
// Euclidean distances. It is NaN without triplets.
func MarginViolations(e Embedding, ts []Triplet, margin float64) float64 {
	if len(ts) == 0 {
		return math.NaN()
	}
	bad := 0
	for _, t := range ts {
		a := e.Row(t.Anchor)
		if math.Sqrt(SquaredDistance(a, e.Row(t.Positive)))-math.Sqrt(SquaredDistance(a, e.Row(t.Negative)))+margin > 0 {
			bad++
		}
	}
	return float64(bad) / float64(len(ts))
}

// HeldOutKNNAccuracy is the k-NN accuracy of the first queries rows of e
// (labels alike) voting among the remaining rows: no row is its own
// neighbour. It is NaN when either part is empty.
func HeldOutKNNAccuracy(e Embedding, labels []uint8, queries, k int) float64 {
	queries = min(queries, e.N)
	q := Embedding{N: queries, Dim: e.Dim, Data: e.Data[:queries*e.Dim]}
	ref := Embedding{N: e.N - queries, Dim: e.Dim, Data: e.Data[queries*e.Dim:]}
	return Retrieve(q, labels[:queries], ref, labels[queries:], k).KNNAccuracy
}

// qualityMonitor measures LatentQuality for a trainer: the test set and its
// fixed triplets come from the evaluator, the training triplets from the
// trainer (or a fixed draw for a plain VAE, which has none).
type qualityMonitor struct {
	eval  *Evaluator
	train *data.Dataset
	fixed []Triplet // the plain VAE's training triplets; nil for a triplet run
}

func newQualityMonitor(eval *Evaluator, train *data.Dataset, triplet bool) (*qualityMonitor, error) {
	m := &qualityMonitor{eval: eval, train: train}
	if !triplet {
		perClass := max(1, QualityTriplets/10)
		ts, err := SampleTriplets(train.Labels, perClass, rand.New(rand.NewPCG(EvalSeed, 4)))
		if err != nil {
			return nil, err
		}
		m.fixed = ts[:min(len(ts), QualityTriplets)]
	}
	return m, nil
}

// snapshot encodes the test split with p and measures its quality; trained
// are the run's training triplets (ignored for a plain VAE).
func (m *qualityMonitor) snapshot(p *Params, trained []Triplet, margin float64) *Snapshot {
	mu, logVar := EncodeSplit(p, m.eval.Test)
	ts := m.fixed
	if ts == nil {
		ts = trained[:min(len(trained), QualityTriplets)]
	}
	// Encode only the images the triplets use, renumbered 0..n-1.
	var rows []int
	seen := map[int]int{}
	local := make([]Triplet, len(ts))
	at := func(i int) int {
		j, ok := seen[i]
		if !ok {
			j = len(rows)
			seen[i] = j
			rows = append(rows, i)
		}
		return j
	}
	for i, t := range ts {
		local[i] = Triplet{Anchor: at(t.Anchor), Positive: at(t.Positive), Negative: at(t.Negative)}
	}
	trainMu := Embed(p, m.train.Subset(rows))
	return &Snapshot{Params: p, Mu: mu, LogVar: logVar, Quality: LatentQuality{
		TripletAccuracy:  TripletAccuracy(mu, m.eval.Triplets),
		KNNAccuracy:      HeldOutKNNAccuracy(mu, m.eval.Test.Labels, min(QualityQueries, mu.N/2), QualityK),
		MarginViolations: MarginViolations(trainMu, local, margin),
	}}
}
