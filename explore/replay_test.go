package explore

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/internal/datatest"
	"github.com/tvae/tvae/rundir"
)

// A run with snapshot_every takes snapshots at those steps and at every epoch
// end, announces each, and its replay gives the same posterior whether the
// frame is still in memory, encoded again from the weights on disk, or read
// by a new session from the run folder.
func TestSnapshotsReplayTheSameLatentSpace(t *testing.T) {
	datatest.Dir(t)
	runs := t.TempDir()
	pub := newUpdates()
	m, err := NewManager(context.Background(), testData{t}, runs, pub)
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig()
	cfg.Epochs, cfg.SnapshotEvery = 2, 5 // 400 triplets in batches of 32: 13 steps an epoch
	r, err := m.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var announced []int
	for u := range pub.ch {
		if u.Run != r.ID {
			continue
		}
		if u.Kind == SnapshotUpdate {
			announced = append(announced, u.Snapshot.Step)
		}
		if u.Kind == StateUpdate && u.State == Finished {
			break
		}
	}
	m.Wait()
	want := []int{5, 10, 13, 15, 20, 25, 26}
	var steps []int
	for _, s := range r.Replay.Snapshots() {
		steps = append(steps, s.Step)
	}
	if !reflect.DeepEqual(announced, want) || !reflect.DeepEqual(steps, want) {
		t.Fatalf("snapshots announced at %v and listed at %v, want %v", announced, steps, want)
	}
	inMemory, err := r.Replay.Frame(10)
	if err != nil {
		t.Fatal(err)
	}
	r.Replay.mu.Lock()
	delete(r.Replay.frames, 10) // as if evicted
	r.Replay.mu.Unlock()
	again, err := r.Replay.Frame(10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(inMemory.Test, again.Test) {
		t.Fatal("the posterior encoded again from the snapshot's weights differs from the one taken in training")
	}
	reopened, err := NewManager(context.Background(), testData{t}, runs, newUpdates())
	if err != nil {
		t.Fatal(err)
	}
	r2, err := reopened.Run(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r2.Replay.Snapshots(), r.Replay.Snapshots()) {
		t.Fatal("a new session lists other snapshots")
	}
	m1, err := r.Replay.Map(10, 26, AllPoints)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := r2.Replay.Map(10, 26, AllPoints)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m1.XY, m2.XY) || !reflect.DeepEqual(m1.Spread, m2.Spread) || len(m1.XY) != r.Test.Len()+r.Train.Len() {
		t.Fatalf("the map of step 10 in the final basis differs in a new session (or has %d points)", len(m1.XY))
	}
	if _, err := r.Replay.Frame(11); err == nil {
		t.Fatal("a step without a snapshot gave a frame")
	}
}

// The replay keeps at most its budget of frames, dropping the least
// recently used.
func TestReplayStaysWithinItsBudget(t *testing.T) {
	rp := newReplay(t.TempDir(), tinyDataset(1), tinyDataset(100), nil)
	one := 4 * 2 * 100 * 4 // bytes of a 100-image posterior in 4 dimensions
	rp.budget = 3 * one
	for step := 1; step <= 6; step++ {
		e := engine.Embedding{N: 100, Dim: 4, Data: make([]float32, 400)}
		rp.add(&engine.Snapshot{Step: step, Mu: e, LogVar: e})
		if step == 3 {
			rp.mu.Lock()
			rp.keep(rp.frames[1]) // step 1 used again: step 2 is now the oldest
			rp.mu.Unlock()
		}
	}
	if !reflect.DeepEqual(rp.recent, []int{4, 5, 6}) || len(rp.frames) != 3 {
		t.Fatalf("kept frames %v, want the three newest", rp.recent)
	}
	if len(rp.Snapshots()) != 6 {
		t.Fatalf("the index lost snapshots: %d, want 6", len(rp.Snapshots()))
	}
}

// randomParams returns small random weights for 784-pixel images.
func randomParams(latent int, seed uint64) *engine.Params {
	return engine.NewParams(784, []int{16}, latent, rand.New(rand.NewPCG(seed, 1)))
}

// replayOf returns a replay with one snapshot at step 1 of p on test.
func replayOf(t testing.TB, p *engine.Params, test *data.Dataset) *Replay {
	t.Helper()
	dir := rundir.Dir(t.TempDir())
	mu, logVar := engine.EncodeSplit(p, test)
	s := &engine.Snapshot{Step: 1, Params: p, Mu: mu, LogVar: logVar}
	if err := dir.WriteSnapshot(s); err != nil {
		t.Fatal(err)
	}
	rp := newReplay(string(dir), tinyDataset(5), test, nil)
	rp.add(s)
	return rp
}

// noisyDataset has n random images, labels 0..9 in turn.
func noisyDataset(n int, seed uint64) *data.Dataset {
	d := tinyDataset(n)
	rng := rand.New(rand.NewPCG(seed, 2))
	for i := range d.Pixels {
		d.Pixels[i] = rng.Float32()
	}
	return d
}

// Back-projection inverts the projection on the plane; in a 2-D latent space
// the projection keeps everything, so decoding the point behind a mean's own
// map position gives its reconstruction (to float32 rounding, 1e-5).
func TestDecodeAtAMeansOwnPointIsItsReconstruction(t *testing.T) {
	test := noisyDataset(40, 3)
	p := randomParams(2, 4)
	rp := replayOf(t, p, test)
	m, err := rp.Map(1, 1, TestPoints)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		x, y := m.XY[i][0], m.XY[i][1]
		back := m.Basis.Project(m.Basis.BackProject(x, y))
		if math.Abs(back[0]-x) > 1e-5 || math.Abs(back[1]-y) > 1e-5 {
			t.Fatalf("point %d: (%g, %g) back-projected and projected is (%g, %g)", i, x, y, back[0], back[1])
		}
		got, err := rp.DecodeAt(m, x, y)
		if err != nil {
			t.Fatal(err)
		}
		want := p.Decode(m.Posterior.Mu.Row(i), 1)
		for j := range want {
			if math.Abs(float64(got[j]-want[j])) > 1e-5 {
				t.Fatalf("point %d pixel %d: decoded %g at its map point, %g at its mean", i, j, got[j], want[j])
			}
		}
	}
}

// An interpolation starts and ends at the two means' decodings and passes
// through the decoding of their midpoint.
func TestInterpolateRunsBetweenTwoMeans(t *testing.T) {
	test := noisyDataset(20, 5)
	p := randomParams(6, 6)
	rp := replayOf(t, p, test)
	m, err := rp.Map(1, 1, TestPoints)
	if err != nil {
		t.Fatal(err)
	}
	strip, err := rp.Interpolate(m, 3, 7, 5)
	if err != nil {
		t.Fatal(err)
	}
	ma, mb := m.Posterior.Mu.Row(3), m.Posterior.Mu.Row(7)
	mid := make([]float32, len(ma))
	for j := range mid {
		mid[j] = 0.5*ma[j] + 0.5*mb[j]
	}
	for _, c := range []struct {
		at   int
		want []float32
	}{{0, p.Decode(ma, 1)}, {4, p.Decode(mb, 1)}, {2, p.Decode(mid, 1)}} {
		for j := range c.want {
			if math.Abs(float64(strip[c.at][j]-c.want[j])) > 1e-5 {
				t.Fatalf("image %d pixel %d: %g, want %g", c.at, j, strip[c.at][j], c.want[j])
			}
		}
	}
	for _, bad := range [][3]int{{-1, 2, 5}, {1, 20, 5}, {1, 2, 1}, {1, 2, MaxInterpolation + 1}} {
		if _, err := rp.Interpolate(m, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("Interpolate%v: no error", bad)
		}
	}
}

// Compare's two neighbour lists agree with sorting every point by each
// distance; in a 2-D latent space they are the same list.
func TestCompareMatchesBruteForce(t *testing.T) {
	for _, latent := range []int{2, 8} {
		rp := replayOf(t, randomParams(latent, 7), noisyDataset(60, 8))
		m, err := rp.Map(1, 1, TestPoints)
		if err != nil {
			t.Fatal(err)
		}
		const query, k = 11, 7
		c, err := m.Compare(query, k)
		if err != nil {
			t.Fatal(err)
		}
		brute := func(dist func(i int) float64) map[int]bool {
			best := map[int]bool{}
			for range k {
				pick, d := -1, math.Inf(1)
				for i := range m.XY {
					if i != query && !best[i] && dist(i) < d {
						pick, d = i, dist(i)
					}
				}
				best[pick] = true
			}
			return best
		}
		latentSet := brute(func(i int) float64 { return engine.SquaredDistance(m.Posterior.Mu.Row(query), m.Posterior.Mu.Row(i)) })
		planeSet := brute(func(i int) float64 {
			return math.Hypot(m.XY[i][0]-m.XY[query][0], m.XY[i][1]-m.XY[query][1])
		})
		overlap := 0
		for i := range planeSet {
			if latentSet[i] {
				overlap++
			}
		}
		for _, n := range c.Latent {
			if !latentSet[n.Index] {
				t.Fatalf("latent %d: neighbour %d is not among the brute-force nearest", latent, n.Index)
			}
		}
		for _, n := range c.Plane {
			if !planeSet[n.Index] {
				t.Fatalf("latent %d: plane neighbour %d is not among the brute-force nearest", latent, n.Index)
			}
		}
		if c.Overlap != overlap || (latent == 2 && c.Overlap != k) {
			t.Fatalf("latent %d: overlap %d, want %d", latent, c.Overlap, overlap)
		}
		t.Logf("latent %d: %d of %d neighbours shared", latent, c.Overlap, k)
	}
}
