package explore

import (
	"math/rand/v2"
	"testing"

	"github.com/tvae/tvae/data"
)

// BenchmarkNeighbours is one click's query: k = 10 over 60,000 training means
// of dimension 20, the paper's full MNIST. Latency does not depend on the values.
func BenchmarkNeighbours(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	v := &View{TrainMu: randomEmbedding(rng, 60000, 20, false), TestMu: randomEmbedding(rng, 10000, 20, false),
		Train: &data.Dataset{Labels: make([]uint8, 60000), Rows: 1, Cols: 1, Pixels: make([]float32, 60000)},
		Test:  &data.Dataset{Labels: make([]uint8, 10000), Rows: 1, Cols: 1, Pixels: make([]float32, 10000)}}
	i := 0
	for b.Loop() {
		if _, err := v.Neighbours("test", i%10000, 10); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
