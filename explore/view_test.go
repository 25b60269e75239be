package explore

import (
	"math/rand/v2"
	"testing"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
)

type discard struct{}

func (discard) Publish(Update) {}

func tinyDataset(n int) *data.Dataset {
	d := &data.Dataset{Name: "mnist", Rows: 28, Cols: 28, Pixels: make([]float32, n*784), Labels: make([]uint8, n)}
	for i := range d.Labels {
		d.Labels[i] = uint8(i % 10)
	}
	return d
}

// While the view of a new epoch is being built, View answers at once with the
// previous one; once built, the new one.
func TestViewServesThePreviousEpochWhileBuilding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := newRun("r", t.TempDir(), engine.DefaultConfig(), tinyDataset(30), tinyDataset(20), nil, Running, discard{})
	if _, err := r.View(); err != ErrNoView {
		t.Fatalf("View before any epoch: %v, want ErrNoView", err)
	}
	r.epochDone(engine.EpochMetrics{Epoch: 1}, engine.NewParams(784, []int{8}, 2, rng))
	first, err := r.View()
	if err != nil || first.Epoch != 1 || len(first.Map) != 20 {
		t.Fatalf("first view: %+v, %v", first, err)
	}
	r.epochDone(engine.EpochMetrics{Epoch: 2}, engine.NewParams(784, []int{8}, 2, rng))
	r.viewMu.Lock()
	r.building = make(chan struct{}) // as if another request were building epoch 2
	r.viewMu.Unlock()
	if v, _ := r.View(); v != first {
		t.Fatalf("while building: view of epoch %d, want the previous one", v.Epoch)
	}
	r.viewMu.Lock()
	close(r.building)
	r.building = nil
	r.viewMu.Unlock()
	if v, _ := r.View(); v.Epoch != 2 {
		t.Fatalf("after building: view of epoch %d, want 2", v.Epoch)
	}
}
