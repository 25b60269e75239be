package engine

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"slices"
)

// Checkpoint is everything a Trainer needs, besides its configuration and
// data, to go on exactly where it stopped, at an epoch's end or between two
// steps: the weights, Adam's state, the random generator's state, the
// training triplets and the progress through the epoch under way.
type Checkpoint struct {
	Epoch    int // epochs completed
	Params   *Params
	Adam     *Adam
	RNG      []byte // the PCG source's state
	Triplets []Triplet
	// Order is the example order of the epoch under way, nil at an epoch's
	// end; Step counts its steps done and StepSum sums their loss terms.
	Order   []int
	Step    int
	StepSum Terms
	// Pool and PoolLabels are a self-training run's images for mining and
	// their labels (true or pseudo) in the epoch under way; nil otherwise.
	Pool       []int
	PoolLabels []uint8
}

// Checkpoint copies the trainer's state. Call it on the training goroutine
// (from a Recorder) or when Run is not running.
func (t *Trainer) Checkpoint() (Checkpoint, error) {
	rng, err := t.src.MarshalBinary()
	if err != nil {
		return Checkpoint{}, fmt.Errorf("engine: saving the random state: %v", err)
	}
	adam := *t.opt
	adam.M, adam.V = copyAll(t.opt.M), copyAll(t.opt.V)
	c := Checkpoint{Epoch: t.epoch, Params: t.params.Clone(), Adam: &adam, RNG: rng,
		Triplets: append([]Triplet(nil), t.triplets...),
		Order:    append([]int(nil), t.order...), Step: t.stepsDone, StepSum: t.sum}
	if t.cfg.SelfTraining {
		c.Pool, c.PoolLabels = slices.Clone(t.pool), slices.Clone(t.poolLabels)
	}
	return c, nil
}

// Restore puts the trainer in the state of c, before Run. Training then ends
// with the same weights as a run that was never interrupted.
func (t *Trainer) Restore(c Checkpoint) error {
	if len(t.graphs) > 0 {
		panic("engine: Restore after training started") // our bug, not the user's
	}
	if c.Params == nil || c.Adam == nil || c.Params.Size() != t.params.Size() || c.Params.Latent() != t.cfg.Latent || len(c.Params.Encoder) != len(t.cfg.Hidden) {
		return fmt.Errorf("engine: the checkpoint does not match the configuration (network sizes differ): resume with the configuration the run started with")
	}
	if !sameShapes(c.Adam, t.opt) {
		return fmt.Errorf("engine: the checkpoint's optimiser state does not fit the network; the checkpoint is corrupt")
	}
	if c.Epoch < 0 || c.Epoch > t.cfg.Epochs {
		return fmt.Errorf("engine: the checkpoint is at epoch %d, outside 0..%d", c.Epoch, t.cfg.Epochs)
	}
	for _, tr := range c.Triplets {
		if max(tr.Anchor, tr.Positive, tr.Negative) >= t.train.Len() || min(tr.Anchor, tr.Positive, tr.Negative) < 0 {
			return fmt.Errorf("engine: the checkpoint's triplets index images outside the %d training images", t.train.Len())
		}
	}
	if err := t.checkOrder(c); err != nil {
		return err
	}
	if len(c.Pool) != len(c.PoolLabels) || slices.ContainsFunc(c.Pool, func(i int) bool { return i < 0 || i >= t.train.Len() }) {
		return fmt.Errorf("engine: the checkpoint's self-training pool indexes images outside the %d training images or lacks labels; the checkpoint is corrupt", t.train.Len())
	}
	if err := t.src.UnmarshalBinary(c.RNG); err != nil {
		return fmt.Errorf("engine: the checkpoint's random state is unreadable: %v", err)
	}
	t.params, t.opt, t.triplets, t.epoch = c.Params.Clone(), c.Adam, c.Triplets, c.Epoch
	// The configuration's step size wins, so a run can go on with a smaller one.
	t.opt.LR = t.cfg.LearningRate
	t.order, t.stepsDone, t.sum = nil, 0, Terms{}
	if len(c.Order) > 0 {
		t.order, t.stepsDone, t.sum = append([]int(nil), c.Order...), c.Step, c.StepSum
	}
	if len(c.Pool) > 0 {
		t.pool, t.poolLabels, t.labelledPass = slices.Clone(c.Pool), slices.Clone(c.PoolLabels), -1
	}
	return nil
}

// checkOrder checks that the checkpoint's epoch under way fits this trainer:
// a permutation of its examples, and a step inside the epoch.
func (t *Trainer) checkOrder(c Checkpoint) error {
	if len(c.Order) == 0 {
		if c.Step != 0 {
			return fmt.Errorf("engine: the checkpoint is at step %d of an epoch without an example order", c.Step)
		}
		return nil
	}
	n := len(c.Triplets)
	if t.cfg.EpochOverImages() {
		n = t.train.Len()
	}
	notOrder := fmt.Errorf("engine: the checkpoint's example order is not an order of the %d training examples", n)
	if len(c.Order) != n {
		return notOrder
	}
	seen := make([]bool, n)
	for _, i := range c.Order {
		if i < 0 || i >= n || seen[i] {
			return notOrder
		}
		seen[i] = true
	}
	if steps := (n + t.cfg.BatchSize - 1) / t.cfg.BatchSize; c.Step < 0 || c.Step >= steps || c.Epoch >= t.cfg.Epochs {
		return fmt.Errorf("engine: the checkpoint is at step %d of epoch %d, outside the run's %d steps and %d epochs", c.Step, c.Epoch+1, steps, t.cfg.Epochs)
	}
	return nil
}

// checkpointFile is a Checkpoint as stored: the weights in their own format.
type checkpointFile struct {
	Epoch    int
	Params   []byte
	Adam     *Adam
	RNG      []byte
	Triplets []Triplet
	Order    []int
	Step     int
	StepSum  Terms
}

// MarshalBinary encodes the checkpoint (gob, with the weights as in MarshalBinary of Params).
func (c Checkpoint) MarshalBinary() ([]byte, error) {
	params, err := c.Params.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	f := checkpointFile{Epoch: c.Epoch, Params: params, Adam: c.Adam, RNG: c.RNG, Triplets: c.Triplets, Order: c.Order, Step: c.Step, StepSum: c.StepSum}
	if err := gob.NewEncoder(&b).Encode(f); err != nil {
		return nil, fmt.Errorf("engine: encoding a checkpoint: %v", err)
	}
	return b.Bytes(), nil
}

// UnmarshalCheckpoint decodes what Checkpoint.MarshalBinary wrote.
func UnmarshalCheckpoint(buf []byte) (Checkpoint, error) {
	var f checkpointFile
	if err := gob.NewDecoder(bytes.NewReader(buf)).Decode(&f); err != nil {
		return Checkpoint{}, fmt.Errorf("engine: the checkpoint is corrupt: %v", oneLine(err))
	}
	p, err := UnmarshalParams(f.Params)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("engine: the checkpoint's weights are corrupt: %v", oneLine(err))
	}
	return Checkpoint{Epoch: f.Epoch, Params: p, Adam: f.Adam, RNG: f.RNG, Triplets: f.Triplets, Order: f.Order, Step: f.Step, StepSum: f.StepSum}, nil
}

// sameShapes reports whether two Adams hold moments of the same sizes.
func sameShapes(a, b *Adam) bool {
	if len(a.M) != len(b.M) || len(a.V) != len(b.V) {
		return false
	}
	for i := range b.M {
		if len(a.M[i]) != len(b.M[i]) || len(a.V[i]) != len(b.V[i]) {
			return false
		}
	}
	return true
}

func copyAll(vs [][]float32) [][]float32 {
	out := make([][]float32, len(vs))
	for i, v := range vs {
		out[i] = append([]float32(nil), v...)
	}
	return out
}
