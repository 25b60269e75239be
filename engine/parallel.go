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
