package explore

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
)

// View is an immutable picture of a run at the end of one epoch: its weights,
// the means μ of both splits and a 2-D map of the test means. Any number of
// goroutines may read it.
type View struct {
	RunID   string
	Epoch   int
	Params  *engine.Params
	Train   *data.Dataset
	Test    *data.Dataset
	TrainMu engine.Embedding
	TestMu  engine.Embedding
	// Map holds the test means projected on their first two principal axes,
	// one point per test image; PriorMap the mixture prior's component means
	// projected on the same axes (nil under N(0, I)).
	Map, PriorMap [][2]float64
}

// ErrNoView is returned before a run has finished its first epoch.
var ErrNoView = errors.New("explore: no epoch finished yet; the map appears after the first epoch")

// View returns a view of the run's latest snapshot, building it on first
// request (about a second for 70,000 images) and reusing it until the next
// epoch. While a newer view is being built, the previous one is returned at
// once, so that queries arriving at an epoch's end do not wait for it.
func (r *Run) View() (*View, error) {
	r.mu.Lock()
	p, epoch := r.params, r.epoch
	r.mu.Unlock()
	if p == nil {
		return nil, ErrNoView
	}
	for {
		r.viewMu.Lock()
		cur, building := r.view, r.building
		switch {
		case cur != nil && (cur.Params == p || building != nil):
			r.viewMu.Unlock()
			return cur, nil
		case building != nil: // the first view: wait for it
			r.viewMu.Unlock()
			<-building
			continue
		}
		done := make(chan struct{})
		r.building = done
		r.viewMu.Unlock()

		v := &View{RunID: r.ID, Epoch: epoch, Params: p, Train: r.Train, Test: r.Test,
			TrainMu: engine.Embed(p, r.Train), TestMu: engine.Embed(p, r.Test)}
		v.Map, v.PriorMap = PrincipalPlane(v.TestMu, priorMeans(p))

		r.viewMu.Lock()
		if r.view == nil || r.view.Epoch <= v.Epoch {
			r.view = v
		}
		r.building = nil
		r.viewMu.Unlock()
		close(done)
		return v, nil
	}
}

// priorMeans are the mixture prior's component means as an Embedding, or
// an empty one under N(0, I).
func priorMeans(p *engine.Params) engine.Embedding {
	if p.Prior == nil {
		return engine.Embedding{Dim: p.Latent()}
	}
	return engine.Embedding{N: p.Prior.K, Dim: p.Prior.Latent, Data: p.Prior.Means}
}

// prebuildView builds the view of a new epoch in the background when someone
// has looked at an earlier one, so that it is ready before it is asked for.
func (r *Run) prebuildView() {
	r.viewMu.Lock()
	looked := r.view != nil
	r.viewMu.Unlock()
	if looked {
		go r.View()
	}
}

// Split returns the dataset and means of "train" or "test".
func (v *View) Split(split string) (*data.Dataset, engine.Embedding, error) {
	switch split {
	case "train":
		return v.Train, v.TrainMu, nil
	case "test":
		return v.Test, v.TestMu, nil
	}
	return nil, engine.Embedding{}, fmt.Errorf("explore: split %q is neither train nor test", split)
}

// Reconstruction returns the decoder's mean image at z = μ of one image.
func (v *View) Reconstruction(split string, index int) ([]float32, error) {
	ds, _, err := v.Split(split)
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= ds.Len() {
		return nil, fmt.Errorf("explore: index %d is out of range: %s has %d images", index, split, ds.Len())
	}
	return v.Params.Reconstruct(ds.Image(index), 1), nil
}

// Samples decodes n draws z ~ p(z) from the prior; the same seed gives the
// same images.
func (v *View) Samples(n int, seed uint64) [][]float32 {
	z := v.Params.SamplePrior(n, rand.New(rand.NewPCG(seed, 0x5a3)))
	return splitImages(v.Params.Decode(z, n), n)
}

// splitImages cuts n concatenated images into one slice each.
func splitImages(pixels []float32, n int) [][]float32 {
	dim := len(pixels) / n
	out := make([][]float32, n)
	for i := range out {
		out[i] = pixels[i*dim : (i+1)*dim]
	}
	return out
}
