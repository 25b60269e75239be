package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tvae/tvae/data"
	"gorgonia.org/tensor"
)

// Event is one report from training to a Recorder.
type Event struct {
	// EpochDone is false for a step report, true once per epoch after evaluation.
	EpochDone bool
	// Epoch (1-based) and Epochs; Step (1-based within the epoch) and Steps.
	Epoch, Epochs, Step, Steps int
	// Terms are this step's loss terms, or at EpochDone their mean over the epoch.
	Terms Terms
	// Metrics are set at EpochDone.
	Metrics *EpochMetrics
	// Params, set at EpochDone, is a copy of the weights at the end of the
	// epoch: an immutable snapshot other goroutines may keep and read.
	Params *Params
	// Snapshot is set at EpochDone and every Config.SnapshotEvery steps:
	// the model's latent state then, immutable like Params (which it shares).
	Snapshot *Snapshot
}

// Recorder receives training progress, in the manner of gonum's
// optimize.Recorder. It is called on the training goroutine, so it must be
// quick; an error stops training.
type Recorder interface {
	Record(Event) error
}

// Trainer owns a model and its optimiser while they train. Only the goroutine
// that calls Run may touch them; others read Snapshot.
type Trainer struct {
	cfg      Config
	train    *data.Dataset
	eval     *Evaluator
	monitor  *qualityMonitor
	params   *Params
	opt      *Adam
	rng      *rand.Rand
	src      *rand.PCG // rng's source, whose state a checkpoint saves
	triplets []Triplet
	graphs   map[graphShape]*stepGraph
	// labelled lists the images whose labels may be used, when
	// Config.LabelledFraction < 1 (nil otherwise). Mining draws from pool,
	// labelled by poolLabels: the labelled images with their labels, and
	// with self-training the epoch's pseudo-labelled ones too.
	// labelledOrder caches the class-balanced order of the pool's pass
	// labelledPass.
	labelled      []int
	pool          []int
	poolLabels    []uint8
	labelledPass  int
	labelledOrder []int
	epoch         int // epochs completed

	// The epoch under way, kept between steps so that a checkpoint taken
	// when training stops mid-epoch resumes at the next step: the example
	// order (nil between epochs), the steps done and their loss terms' sum.
	order     []int
	stepsDone int
	sum       Terms
}

// NewTrainer initialises the paper's network for cfg on train. Evaluation at
// every epoch end uses eval.
func NewTrainer(cfg Config, train *data.Dataset, eval *Evaluator) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	train = cfg.TrainingSet(train)
	src := rand.NewPCG(cfg.Seed, 0x7fae)
	rng := rand.New(src)
	t := &Trainer{cfg: cfg, train: train, eval: eval, rng: rng, src: src, graphs: map[graphShape]*stepGraph{}, labelledPass: -1}
	t.params = NewParams(train.Dim(), cfg.Hidden, cfg.Latent, rng)
	if cfg.PriorComponents > 0 {
		t.params.Prior = NewMixture(cfg.PriorComponents, cfg.Latent, rng)
	}
	var sizes []int
	for _, p := range t.params.tensors() {
		sizes = append(sizes, len(p.data))
	}
	t.opt = NewAdam(cfg.LearningRate, sizes)
	var err error
	if t.monitor, err = newQualityMonitor(eval, train, cfg.IsTriplet() && !cfg.MinesOnline()); err != nil {
		return nil, err
	}
	if cfg.FewLabels() {
		if t.labelled, err = LabelledSubset(train.Labels, cfg.LabelledFraction, cfg.Seed); err != nil {
			return nil, err
		}
		t.pool, t.poolLabels = t.labelled, t.labelsOf(t.labelled)
	}
	if cfg.TripletsFile != "" {
		ts, err := readTripletsFile(cfg.TripletsFile, train.Len())
		if err != nil {
			return nil, err
		}
		t.triplets = ts
	} else if cfg.IsTriplet() && !cfg.MinesOnline() {
		if t.triplets, err = t.sampleTriplets(); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// sampleTriplets draws a list of training triplets, among the labelled
// images when only some are.
func (t *Trainer) sampleTriplets() ([]Triplet, error) {
	if t.labelled == nil {
		return SampleTriplets(t.train.Labels, t.cfg.TripletsPerClass, t.rng)
	}
	ts, err := SampleTriplets(t.labelsOf(t.labelled), t.cfg.TripletsPerClass, t.rng)
	for k, tr := range ts {
		ts[k] = Triplet{Anchor: t.labelled[tr.Anchor], Positive: t.labelled[tr.Positive], Negative: t.labelled[tr.Negative]}
	}
	return ts, err
}

// Snapshot returns a copy of the current weights, safe to read anywhere.
func (t *Trainer) Snapshot() *Params { return t.params.Clone() }

// Config returns the configuration being trained.
func (t *Trainer) Config() Config { return t.cfg }

// Close releases the compiled graphs.
func (t *Trainer) Close() {
	for _, g := range t.graphs {
		g.Close()
	}
}

// Run trains the remaining epochs, reporting to rec (which may be nil). It
// stops early, returning ctx.Err(), when ctx is cancelled.
func (t *Trainer) Run(ctx context.Context, rec Recorder) error {
	for t.epoch < t.cfg.Epochs {
		if err := t.runEpoch(ctx, rec); err != nil {
			return err
		}
	}
	return nil
}

// examples is the number of training examples in an epoch: triplets of a
// list, or images.
func (t *Trainer) examples() int {
	if t.cfg.EpochOverImages() {
		return t.train.Len()
	}
	return len(t.triplets)
}

func (t *Trainer) runEpoch(ctx context.Context, rec Recorder) error {
	start := time.Now()
	if t.order == nil {
		if t.cfg.IsTriplet() && t.cfg.RedrawTriplets && t.epoch > 0 {
			ts, err := t.sampleTriplets()
			if err != nil {
				return err
			}
			t.triplets = ts
		}
		if t.cfg.SelfTraining && t.epoch > 0 {
			t.selfTrain()
		}
		if t.cfg.MinesOnline() && !t.cfg.FewLabels() {
			t.order = BalancedOrder(t.train.Labels, t.rng)
		} else {
			t.order = t.rng.Perm(t.examples())
		}
		t.stepsDone, t.sum = 0, Terms{}
	}
	bs := t.cfg.BatchSize
	steps := (len(t.order) + bs - 1) / bs
	for t.stepsDone < steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		s := t.stepsDone
		global := t.epoch*steps + s // steps done before this one, across epochs
		batch := t.order[s*bs : min((s+1)*bs, len(t.order))]
		terms, err := t.step(batch, global, steps)
		if err != nil {
			return err
		}
		if name, v := nonFinite(terms); name != "" {
			return fmt.Errorf("engine: %s loss is %g at epoch %d, step %d; lower learning_rate or check the data", name, v, t.epoch+1, s+1)
		}
		t.sum = addTerms(t.sum, terms, 1)
		t.stepsDone++
		if rec != nil {
			e := Event{Epoch: t.epoch + 1, Epochs: t.cfg.Epochs, Step: s + 1, Steps: steps, Terms: terms}
			if every := t.cfg.SnapshotEvery; every > 0 && (global+1)%every == 0 && s+1 < steps {
				e.Snapshot = t.snapshot(global+1, steps)
			}
			if err := rec.Record(e); err != nil {
				return err
			}
		}
	}
	// A step's loss is measured before its update, so the last update of
	// the epoch is checked here, before anything is evaluated or saved.
	if !t.params.finite() {
		return fmt.Errorf("engine: the weights are no longer finite after epoch %d, step %d; lower learning_rate or check the data", t.epoch+1, steps)
	}
	mean := addTerms(Terms{}, t.sum, 1/float64(steps))
	snap := t.snapshot((t.epoch+1)*steps, steps)
	snap.EpochEnd = true
	m := t.eval.epoch(snap.Params, snap.Mu)
	m.Epoch, m.Train, m.Seconds = t.epoch+1, mean, time.Since(start).Seconds()
	if t.cfg.SelfTraining {
		m.PseudoLabelled, m.PseudoLabelAccuracy = t.pseudoLabelQuality()
	}
	if name, v := firstNonFinite(named{"-ELBO", m.TestNELBO}, named{"reconstruction BCE", m.TestBCE}, named{"KL", m.TestKL}); name != "" {
		return fmt.Errorf("engine: the test %s is %g after epoch %d; lower learning_rate or check the data", name, v, t.epoch+1)
	}
	// The epoch counts as done before it is reported, so that a checkpoint
	// taken by the recorder resumes at the next one.
	t.epoch++
	t.order, t.stepsDone, t.sum = nil, 0, Terms{}
	if rec != nil {
		return rec.Record(Event{EpochDone: true, Epoch: t.epoch, Epochs: t.cfg.Epochs, Step: steps, Steps: steps, Terms: mean, Metrics: &m, Params: snap.Params, Snapshot: snap})
	}
	return nil
}

// snapshot copies the weights at a global step and measures the test posterior's quality.
func (t *Trainer) snapshot(global, epochSteps int) *Snapshot {
	s := t.monitor.snapshot(t.params.Clone(), t.triplets, t.cfg.Margin)
	s.Step, s.EpochSteps = global, epochSteps
	s.Epoch = t.epoch + 1
	return s
}

// mine chooses the triplets of a batch of training images by the current
// means (Config.TripletMining) and the images' labels (nil: the true ones);
// they index training images. The epoch's short last batch (true labels
// only) is topped up from the start of the epoch's order, so that it still
// holds every class.
func (t *Trainer) mine(batch []int, labels []uint8) ([]Triplet, error) {
	if labels == nil {
		if short := t.cfg.BatchSize - len(batch); short > 0 {
			batch = append(slices.Clip(batch), t.order[:min(short, len(t.order)-len(batch))]...)
		}
		labels = t.labelsOf(batch)
	}
	dim := t.train.Dim()
	x := make([]float32, 0, len(batch)*dim)
	for _, i := range batch {
		x = append(x, t.train.Image(i)...)
	}
	mu, _ := t.params.Encode(x, len(batch))
	miner := Miner{Rule: t.cfg.TripletMining, Distance: t.cfg.Distance, Margin: t.cfg.Margin, SoftMargin: t.cfg.SoftMargin, Count: t.cfg.BatchSize}
	local, err := miner.Mine(Embedding{N: len(batch), Dim: t.cfg.Latent, Data: mu}, labels, t.rng)
	for k, tr := range local {
		local[k] = Triplet{Anchor: batch[tr.Anchor], Positive: batch[tr.Positive], Negative: batch[tr.Negative]}
	}
	return local, err
}

// labelsOf returns the classes of the training images batch (any list of
// image indices, such as the labelled ones).
func (t *Trainer) labelsOf(batch []int) []uint8 {
	labels := make([]uint8, len(batch))
	for r, i := range batch {
		labels[r] = t.train.Labels[i]
	}
	return labels
}

// labelledBatch returns the pool's images of a global step for mining, and
// their labels: the step's window of BatchSize positions in a sequence of
// class-balanced orders of the pool, one per pass over it, each drawn from a
// seed fixed by the pass, so that a resumed run sees the same batches.
func (t *Trainer) labelledBatch(global int) ([]int, []uint8) {
	n := len(t.pool)
	batch, labels := make([]int, t.cfg.BatchSize), make([]uint8, t.cfg.BatchSize)
	for k := range batch {
		pos := global*t.cfg.BatchSize + k
		if pass := pos / n; pass != t.labelledPass {
			t.labelledPass, t.labelledOrder = pass, BalancedOrder(t.poolLabels, rand.New(rand.NewPCG(t.cfg.Seed, 0x1abe1+uint64(pass))))
		}
		j := t.labelledOrder[pos%n]
		batch[k], labels[k] = t.pool[j], t.poolLabels[j]
	}
	return batch, labels
}

// selfTrain renews the pool at an epoch's start: the labelled images and
// the unlabelled ones PseudoLabels labels by the current μ.
func (t *Trainer) selfTrain() {
	mu, _ := t.params.Encode(t.train.Pixels, t.train.Len())
	rows, classes := PseudoLabels(Embedding{N: t.train.Len(), Dim: t.cfg.Latent, Data: mu}, t.labelled, t.train.Labels, SelfTrainingNeighbours)
	t.pool = append(slices.Clone(t.labelled), rows...)
	t.poolLabels = append(t.labelsOf(t.labelled), classes...)
	t.labelledPass = -1 // the cached order was of the old pool
}

// pseudoLabelQuality counts the pool's pseudo-labelled images and the share
// of them whose pseudo-label is the true one.
func (t *Trainer) pseudoLabelQuality() (int, float64) {
	n, right := len(t.pool)-len(t.labelled), 0
	for k := len(t.labelled); k < len(t.pool); k++ {
		if t.poolLabels[k] == t.train.Labels[t.pool[k]] {
			right++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return n, float64(right) / float64(n)
}

// listBatch returns the step's BatchSize triplets of the list, taken in turn
// and wrapping around: with few labels the epoch runs over every image for
// the ELBO, so the list's triplets pace themselves by the step.
func (t *Trainer) listBatch(global int) []Triplet {
	out := make([]Triplet, t.cfg.BatchSize)
	for k := range out {
		out[k] = t.triplets[(global*t.cfg.BatchSize+k)%len(t.triplets)]
	}
	return out
}

// step runs one optimisation step on the examples batch (indices of list
// triplets or of images), the global-th step of training, in epochs of
// epochSteps steps.
func (t *Trainer) step(batch []int, global, epochSteps int) (Terms, error) {
	var triplets []Triplet
	// A batch-all-mean step takes its triplet term on images, labelled:
	// the batch's own, or with few labels a batch of the labelled pool.
	var images []int
	var labels []uint8
	switch {
	case t.cfg.TripletMining == MineBatchAllMean && t.cfg.FewLabels():
		images, labels = t.labelledBatch(global)
	case t.cfg.TripletMining == MineBatchAllMean:
		images, labels = batch, t.labelsOf(batch)
	case t.cfg.FewLabels() && t.cfg.MinesOnline():
		var err error
		if triplets, err = t.mine(t.labelledBatch(global)); err != nil {
			return Terms{}, err
		}
	case t.cfg.FewLabels():
		triplets = t.listBatch(global)
	case t.cfg.MinesOnline():
		var err error
		if triplets, err = t.mine(batch, nil); err != nil {
			return Terms{}, err
		}
	case t.cfg.IsTriplet():
		for _, i := range batch {
			triplets = append(triplets, t.triplets[i])
		}
	}
	if t.cfg.IsTriplet() && len(triplets) == 0 && images == nil {
		return Terms{}, fmt.Errorf("engine: a batch of %d images had no anchor with both a positive and a negative; use a larger batch_size", len(batch))
	}
	shape := graphShape{batch: len(batch)}
	switch {
	case triplets != nil:
		shape.batch = len(triplets)
	case images != nil:
		shape.batch = len(images)
	}
	if t.cfg.FewLabels() || t.cfg.ELBOOnBatch {
		shape.elboRows = len(batch)
	}
	g, err := t.graph(shape)
	if err != nil {
		return Terms{}, err
	}
	dim, latent := t.train.Dim(), t.cfg.Latent
	put := func(x []float32, row, img int) { copy(x[row*dim:(row+1)*dim], t.train.Image(img)) }
	putTriplet := put
	if k := t.cfg.AugmentShift; k > 0 {
		putTriplet = func(x []float32, row, img int) {
			dx, dy := t.rng.IntN(2*k+1)-k, t.rng.IntN(2*k+1)-k
			Translate(x[row*dim:(row+1)*dim], t.train.Image(img), t.train.Rows, t.train.Cols, dx, dy)
		}
	}
	// Every row of the inputs is overwritten below. The triplets' images go
	// to xt when the ELBO has its own images, else to x.
	tripletRows := g.xData
	if g.xtData != nil {
		tripletRows = g.xtData
	}
	switch {
	case triplets != nil:
		n := len(triplets)
		for r, tr := range triplets {
			putTriplet(tripletRows, r, tr.Anchor)
			putTriplet(tripletRows, n+r, tr.Positive)
			putTriplet(tripletRows, 2*n+r, tr.Negative)
		}
	case images != nil:
		*g.labels = append((*g.labels)[:0], labels...)
		for r, i := range images {
			putTriplet(tripletRows, r, i)
		}
	}
	if (triplets == nil && images == nil) || g.xtData != nil {
		for r, i := range batch {
			put(g.xData, r, i)
		}
	}
	for _, eps := range [][]float32{g.epsData, g.epstData} {
		for i := range eps {
			eps[i] = float32(t.rng.NormFloat64())
		}
	}
	var xt, epst tensor.Tensor
	if g.xtData != nil {
		xt = tensor.New(tensor.WithShape(len(g.xtData)/dim, dim), tensor.WithBacking(g.xtData))
	}
	if g.epstData != nil {
		epst = tensor.New(tensor.WithShape(len(g.epstData)/latent, latent), tensor.WithBacking(g.epstData))
	}
	terms, err := g.run(tensor.New(tensor.WithShape(g.rows, dim), tensor.WithBacking(g.xData)),
		tensor.New(tensor.WithShape(g.rows, latent), tensor.WithBacking(g.epsData)), xt, epst, t.cfg.KLWeightAt(global, epochSteps))
	if err != nil {
		return Terms{}, err
	}
	var weights, grads [][]float32
	for i, p := range t.params.tensors() {
		weights = append(weights, p.data)
		grads = append(grads, g.grad(i).Data().([]float32))
	}
	t.opt.Step(weights, grads)
	return terms, nil
}

// graphShape is what a compiled step depends on: the triplets (or images)
// of the batch, and the separate ELBO images (0 when the ELBO is on the
// triplets' own).
type graphShape struct{ batch, elboRows int }

// graph returns the compiled step for a shape, building it on first use over
// the live weights.
func (t *Trainer) graph(shape graphShape) (*stepGraph, error) {
	if g, ok := t.graphs[shape]; ok {
		return g, nil
	}
	var ws []tensor.Tensor
	for _, p := range t.params.tensors() {
		ws = append(ws, tensor.New(tensor.WithShape(p.rows, p.cols), tensor.WithBacking(p.data)))
	}
	g, err := newStepGraph(tensor.Float32, ws, len(t.cfg.Hidden), t.cfg.Objective(), shape.batch, shape.elboRows)
	if err != nil {
		return nil, err
	}
	t.graphs[shape] = g
	return g, nil
}

func addTerms(acc, t Terms, scale float64) Terms {
	return Terms{
		Total: acc.Total + scale*t.Total, BCE: acc.BCE + scale*t.BCE, KL: acc.KL + scale*t.KL,
		Triplet: acc.Triplet + scale*t.Triplet, Norm: acc.Norm + scale*t.Norm,
	}
}

// nonFinite names the first loss term that is NaN or infinite.
func nonFinite(t Terms) (string, float64) {
	return firstNonFinite(named{"total", t.Total}, named{"bce", t.BCE}, named{"kl", t.KL}, named{"triplet", t.Triplet}, named{"norm", t.Norm})
}

// named is a figure with the name an error message gives it.
type named struct {
	name string
	v    float64
}

// firstNonFinite returns the first of vs that is NaN or infinite.
func firstNonFinite(vs ...named) (string, float64) {
	for _, c := range vs {
		if math.IsNaN(c.v) || math.IsInf(c.v, 0) {
			return c.name, c.v
		}
	}
	return "", 0
}
