package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/explore"
)

// syntheticData serves random 28×28 images, so the benchmark needs no files:
// a training step costs the same whatever the pixels are.
type syntheticData struct{}

func (syntheticData) Dataset(name, split string) (*data.Dataset, error) {
	n := 2000
	if split == "test" {
		n = 1000
	}
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	d := &data.Dataset{Name: name, Split: split, Rows: 28, Cols: 28, Pixels: make([]float32, n*784), Labels: make([]uint8, n)}
	for i := range d.Pixels {
		d.Pixels[i] = rng.Float32()
	}
	for i := range d.Labels {
		d.Labels[i] = uint8(i % 10)
	}
	return d, nil
}

// BenchmarkTrainingWithViewers trains the paper TVAE for one epoch of 4,000
// triplets (32 steps of 128) while 0 or 100 viewers stream /events over
// loopback; compare the images/s of the two. An iteration is one epoch,
// evaluation included, with step updates at the explorer's real rate.
func BenchmarkTrainingWithViewers(b *testing.B) {
	for _, viewers := range []int{0, 100} {
		b.Run(fmt.Sprintf("viewers=%d", viewers), func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			hub := NewHub()
			m, err := explore.NewManager(ctx, syntheticData{}, b.TempDir(), hub)
			if err != nil {
				b.Fatal(err)
			}
			ts := httptest.NewServer(NewServer(m, hub, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
			defer ts.Close()
			var wg sync.WaitGroup
			defer wg.Wait()
			defer cancel()
			for i := 0; i < viewers; i++ {
				req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/events", nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer resp.Body.Close()
					sc := bufio.NewScanner(resp.Body)
					for sc.Scan() {
					}
				}()
			}
			for hub.Viewers() < viewers {
				time.Sleep(time.Millisecond)
			}
			cfg := engine.DefaultConfig()
			cfg.Epochs, cfg.TripletsPerClass = 1, 400
			images := 0
			for b.Loop() {
				r, err := m.Start(cfg)
				if err != nil {
					b.Fatal(err)
				}
				m.Wait()
				if st := r.Status(); st.State != explore.Finished {
					b.Fatalf("run ended %s: %s", st.State, st.Err)
				}
				images += 3 * 10 * cfg.TripletsPerClass
			}
			b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
			if got := hub.Viewers(); got != viewers {
				b.Fatalf("%d viewers still connected at the end, want %d (some were dropped)", got, viewers)
			}
		})
	}
}
