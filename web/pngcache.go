package web

import (
	"sync"

	"github.com/tvae/tvae/plots"
)

// rendered is a cached PNG; frame is set for the latent map.
type rendered struct {
	png   []byte
	frame plots.Frame
}

// pngCache keeps recent renders: each depends only on (run, epoch, what), so
// an entry never goes stale, and the oldest is evicted first.
type pngCache struct {
	mu    sync.Mutex
	max   int
	order []string
	m     map[string]rendered
}

func newPNGCache(max int) *pngCache { return &pngCache{max: max, m: map[string]rendered{}} }

// get returns the cached render for key or makes it. Two requests for the same
// new key may both render; the result is the same.
func (pc *pngCache) get(key string, make func() (rendered, error)) (rendered, error) {
	pc.mu.Lock()
	r, ok := pc.m[key]
	pc.mu.Unlock()
	if ok {
		return r, nil
	}
	r, err := make()
	if err != nil {
		return rendered{}, err
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if _, ok := pc.m[key]; !ok {
		pc.m[key] = r
		pc.order = append(pc.order, key)
		if len(pc.order) > pc.max {
			delete(pc.m, pc.order[0])
			pc.order = pc.order[1:]
		}
	}
	return r, nil
}
