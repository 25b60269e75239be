package engine

import (
	"runtime"
	"sync"
)

// parallelFor runs f(0..n-1) on all cores: one worker per core, each with
// its own f from newWorker, so that it may keep scratch space.
func parallelFor(n int, newWorker func() func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := newWorker()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// parallelRanges splits 0..n-1 into ranges of size elements (the last may be
// shorter) and runs f(i, lo, hi) for the i-th range [lo, hi) on all cores.
// For elementwise passes over a batch: the ranges are fixed by n and size,
// not by scheduling, so results combined by i do not depend on it.
func parallelRanges(n, size int, f func(i, lo, hi int)) {
	parallelFor((n+size-1)/size, func() func(int) {
		return func(i int) { f(i, i*size, min((i+1)*size, n)) }
	})
}
