package engine

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// Checkpoint is everything a Trainer needs, besides its configuration and
// data, to go on exactly where it stopped at an epoch's end: the weights,
// Adam's state, the random generator's state and the training triplets.
type Checkpoint struct {
	Epoch    int // epochs completed
	Params   *Params
	Adam     *Adam
	RNG      []byte // the PCG source's state
	Triplets []Triplet
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
	return Checkpoint{Epoch: t.epoch, Params: t.params.Clone(), Adam: &adam, RNG: rng,
		Triplets: append([]Triplet(nil), t.triplets...)}, nil
}

// Restore puts the trainer in the state of c, before Run. Training then ends
// with the same weights as a run that was never interrupted.
func (t *Trainer) Restore(c Checkpoint) error {
	if len(t.graphs) > 0 {
		panic("engine: Restore after training started") // our bug, not the user's
	}
	if c.Params == nil || c.Adam == nil || c.Params.Size() != t.params.Size() || c.Params.Latent() != t.cfg.Latent || len(c.Params.Encoder) != len(t.cfg.Hidden) {
		return fmt.Errorf("engine: the checkpoint does not match the configuration (network sizes differ)")
	}
	if c.Epoch < 0 || c.Epoch > t.cfg.Epochs {
		return fmt.Errorf("engine: the checkpoint is at epoch %d, outside 0..%d", c.Epoch, t.cfg.Epochs)
	}
	for _, tr := range c.Triplets {
		if max(tr.Anchor, tr.Positive, tr.Negative) >= t.train.Len() || min(tr.Anchor, tr.Positive, tr.Negative) < 0 {
			return fmt.Errorf("engine: the checkpoint's triplets index images outside the %d training images", t.train.Len())
		}
	}
	if err := t.src.UnmarshalBinary(c.RNG); err != nil {
		return fmt.Errorf("engine: the checkpoint's random state is unreadable: %v", err)
	}
	t.params, t.opt, t.triplets, t.epoch = c.Params.Clone(), c.Adam, c.Triplets, c.Epoch
	return nil
}

// checkpointFile is a Checkpoint as stored: the weights in their own format.
type checkpointFile struct {
	Epoch    int
	Params   []byte
	Adam     *Adam
	RNG      []byte
	Triplets []Triplet
}

// MarshalBinary encodes the checkpoint (gob, with the weights as in MarshalBinary of Params).
func (c Checkpoint) MarshalBinary() ([]byte, error) {
	params, err := c.Params.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	f := checkpointFile{Epoch: c.Epoch, Params: params, Adam: c.Adam, RNG: c.RNG, Triplets: c.Triplets}
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
	return Checkpoint{Epoch: f.Epoch, Params: p, Adam: f.Adam, RNG: f.RNG, Triplets: f.Triplets}, nil
}

func copyAll(vs [][]float32) [][]float32 {
	out := make([][]float32, len(vs))
	for i, v := range vs {
		out[i] = append([]float32(nil), v...)
	}
	return out
}
