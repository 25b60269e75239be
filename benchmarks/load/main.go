// Command load puts a served explorer under load on loopback while it trains:
// many SSE viewers on /events plus a steady rate of /api/neighbors queries. It
// starts `tvae serve --train CONFIG` itself, waits for the first epoch (the
// queries need a snapshot), then reports requests served, errors, peak memory
// and goroutines before, during and after the clients. It exits non-zero on
// any error or when goroutines do not return to their baseline.
//
//	go run ./benchmarks/load --tvae bin/tvae --data-dir DATA_DIR
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, " ") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

type options struct {
	bin, dataDir, config string
	sets                 setFlags
	viewers, qps         int
	duration             time.Duration
	testSize, k          int
	tolerance            int
}

func main() {
	var o options
	flag.StringVar(&o.bin, "tvae", "", "path to a built tvae binary (required)")
	flag.StringVar(&o.dataDir, "data-dir", os.Getenv("TVAE_DATA_DIR"), "folder holding mnist/ and fashion-mnist/ (default $TVAE_DATA_DIR)")
	flag.StringVar(&o.config, "config", "paper-tvae-mnist", "configuration to train while under load (a YAML file or built-in name)")
	flag.Var(&o.sets, "set", "override one key of the configuration, passed to tvae serve (repeatable)")
	flag.IntVar(&o.viewers, "viewers", 200, "SSE viewers kept open on /events")
	flag.IntVar(&o.qps, "qps", 50, "neighbour queries a second on /api/neighbors")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "how long the load lasts")
	flag.IntVar(&o.testSize, "test-size", 10000, "query indices are drawn from [0, test-size) of the test split")
	flag.IntVar(&o.k, "k", 10, "neighbours per query")
	flag.IntVar(&o.tolerance, "tolerance", 2, "goroutines above the baseline still counted as back to it")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./benchmarks/load --tvae BINARY --data-dir DIR [flags]\n\n"+
			"Load a training `tvae serve` on loopback with SSE viewers and neighbour queries; print a Markdown table.\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if o.bin == "" || o.dataDir == "" || flag.NArg() > 0 || o.viewers < 0 || o.qps < 1 || o.duration <= 0 || o.testSize < 1 {
		flag.Usage()
		os.Exit(2)
	}
	ok, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// logf reports progress on stderr, so stdout holds only the table.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "load: "+format+"\n", args...)
}

// run returns whether the load passed; err is for failures to run it at all.
func run(o options) (passed bool, err error) {
	tmp, err := os.MkdirTemp("", "tvae-load-")
	if err != nil {
		return false, fmt.Errorf("load: %v", err)
	}
	defer os.RemoveAll(tmp)
	srv, err := startServer(o, tmp)
	if err != nil {
		return false, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	stats := &http.Client{Transport: transport(1), Timeout: 10 * time.Second}

	logf("server on %s (pid %d); waiting for the first epoch of %s", srv.base, srv.cmd.Process.Pid, o.config)
	runID, st, err := waitFirstEpoch(stats, srv)
	if err != nil {
		return false, err
	}
	logf("run %s finished epoch %d of %d", runID, st.Epoch, st.Epochs)

	// The first query of an epoch builds the run's view; do it before the
	// baseline so that the baseline is of a server at rest.
	qt := transport(o.qps)
	queries := &http.Client{Transport: qt, Timeout: 10 * time.Second}
	q := &queryStats{}
	start := time.Now()
	q.do(queries, srv.base, runID, 0, o.k)
	if q.errors.Load() > 0 {
		return false, fmt.Errorf("load: the warm-up neighbour query failed: %s", q.firstErr())
	}
	logf("warm-up neighbour query (builds the view) took %v", time.Since(start).Round(time.Millisecond))
	qt.CloseIdleConnections()
	q = &queryStats{}

	base, err := baseline(stats, srv.base)
	if err != nil {
		return false, err
	}
	logf("baseline: %d goroutines, heap %s, %d viewers", base.Goroutines, mib(base.HeapAllocBytes), base.SSEViewers)

	v := &viewerStats{perViewer: make([]atomic.Int64, o.viewers)}
	vt := transport(o.viewers)
	viewers := &http.Client{Transport: vt} // no timeout: streams last the whole run
	vctx, stopViewers := context.WithCancel(context.Background())
	defer stopViewers()
	var vwg sync.WaitGroup
	connected := make(chan struct{}, o.viewers)
	start = time.Now()
	for i := range o.viewers {
		vwg.Go(func() { v.view(vctx, viewers, srv.base, i, connected) })
	}
	for range o.viewers {
		select {
		case <-connected:
		case <-time.After(30 * time.Second):
			return false, fmt.Errorf("load: only %d of %d viewers connected within 30 s", v.connects.Load(), o.viewers)
		}
	}
	logf("%d viewers connected in %v; querying at %d/s for %v", o.viewers, time.Since(start).Round(time.Millisecond), o.qps, o.duration)
	runAtStart := srv.status(stats, runID)
	sampler := startSampler(stats, srv)

	var qwg sync.WaitGroup
	// Queries go out on a fixed schedule whatever the answers' latency (an
	// open loop), catching up on ticks a busy machine delayed.
	interval := time.Second / time.Duration(o.qps)
	total := int(o.duration / interval)
	tick := time.NewTicker(interval)
	progress := time.NewTicker(10 * time.Second)
	sent := 0
	loadStart := time.Now()
	for sent < total {
		select {
		case <-tick.C:
			for due := min(total, int(time.Since(loadStart)/interval)); sent < due; sent++ {
				qwg.Go(func() { q.do(queries, srv.base, runID, rand.IntN(o.testSize), o.k) })
			}
		case <-progress.C:
			logf("%d queries sent, %d errors, %d events received, %d viewer drops", sent, q.errors.Load(), v.events.Load(), v.drops.Load())
		}
	}
	tick.Stop()
	progress.Stop()
	qwg.Wait()
	runAtEnd := srv.status(stats, runID)
	stopViewers()
	vwg.Wait()
	qt.CloseIdleConnections()
	vt.CloseIdleConnections()
	during := sampler.stop()

	// Server goroutines end shortly after their clients leave; wait for them.
	var after statsJSON
	back := false
	for deadline := time.Now().Add(10 * time.Second); ; {
		if after, err = getStats(stats, srv.base); err != nil {
			return false, err
		}
		if after.Goroutines <= base.Goroutines+o.tolerance && after.SSEViewers == 0 {
			back = true
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	hwm := procStatus(srv.cmd.Process.Pid, "VmHWM")

	errs := q.errors.Load() + v.errors()
	lat := q.percentiles(0.50, 0.90, 0.99, 1)
	minEv, maxEv := v.perViewerRange()
	fmt.Printf("| figure | value |\n|---|---|\n")
	row := func(name, format string, args ...any) {
		fmt.Printf("| %s | %s |\n", name, fmt.Sprintf(format, args...))
	}
	row("SSE viewers", "%d (%d connected at most at once, %d at least during the load)", o.viewers, during.maxViewers, during.minViewers)
	row("neighbour queries sent", "%d in %v", sent, o.duration)
	row("queries served 2xx", "%d", q.ok.Load())
	row("errors", "%d (non-2xx %d, transport %d, bad body %d, SSE drops %d, SSE refused %d)",
		errs, q.status.Load(), q.transport.Load(), q.body.Load(), v.drops.Load(), v.refused.Load())
	row("SSE events received", "%d (%s; per viewer %d–%d)", v.events.Load(), mib(uint64(v.bytes.Load())), minEv, maxEv)
	row("query latency p50 / p90 / p99 / max", "%v / %v / %v / %v", ms(lat[0]), ms(lat[1]), ms(lat[2]), ms(lat[3]))
	row("queries slower than 100 ms", "%d", q.slower(100*time.Millisecond))
	row("goroutines before / peak during / after", "%d / %d / %d", base.Goroutines, during.peakGoroutines, after.Goroutines)
	row("heap before / peak during / after", "%s / %s / %s", mib(base.HeapAllocBytes), mib(during.peakHeap), mib(after.HeapAllocBytes))
	row("Go runtime sys, peak during", "%s", mib(during.peakSys))
	row("server RSS, peak sampled during load / VmHWM (whole life)", "%s / %s", kib(during.peakRSS), kib(hwm))
	row("training during the load", "epoch %d → %d of %d (%s → %s)", runAtStart.Epoch, runAtEnd.Epoch, runAtEnd.Epochs, runAtStart.State, runAtEnd.State)
	if errs > 0 {
		logf("FAIL: %d errors; first: %s", errs, firstOf(q.firstErr(), v.firstErr()))
	}
	if !back {
		logf("FAIL: goroutines did not return to the baseline %d (+%d) within 10 s: %d now, %d viewers", base.Goroutines, o.tolerance, after.Goroutines, after.SSEViewers)
	}
	if runAtStart.State != "running" {
		logf("warning: the run was %s, not running, when the load started", runAtStart.State)
	}
	return errs == 0 && back, nil
}

// transport returns a loopback transport keeping up to conns connections idle,
// with no cap on open connections, so that every stream has its own.
func transport(conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxConnsPerHost = 0
	t.MaxIdleConns = conns + 10
	t.MaxIdleConnsPerHost = conns + 10
	return t
}

// server is the `tvae serve` process under load.
type server struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	done chan error
}

func startServer(o options, tmp string) (*server, error) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--runs", tmp + "/runs", "--data-dir", o.dataDir, "--offline", "--train", o.config}
	for _, s := range o.sets {
		args = append(args, "--set", s)
	}
	cmd := exec.Command(o.bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("load: %v", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("load: cannot start %s: %v", o.bin, err)
	}
	s := &server{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "tvae explorer on "); ok {
				addr <- strings.Fields(rest)[0]
				continue
			}
			fmt.Fprintln(os.Stderr, "tvae:", line)
		}
		s.done <- cmd.Wait()
	}()
	select {
	case s.base = <-addr:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("load: tvae serve exited before listening: %v", err)
	case <-time.After(2 * time.Minute):
		s.kill()
		return nil, errors.New("load: tvae serve did not print its address within 2 minutes")
	}
}

// stop interrupts the server as Ctrl-C would and waits for it to save and exit.
func (s *server) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return fmt.Errorf("load: cannot interrupt the server: %v", err)
	}
	select {
	case err := <-s.done:
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 130) {
			return fmt.Errorf("load: tvae serve ended with %v after Ctrl-C", err)
		}
		return nil
	case <-time.After(time.Minute):
		s.kill()
		return errors.New("load: tvae serve did not exit within a minute of Ctrl-C; killed it")
	}
}

func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

type runJSON struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Epoch  int    `json:"epoch"`
	Epochs int    `json:"epochs"`
	Error  string `json:"error"`
}

func getJSON(c *http.Client, u string, v any) error {
	resp, err := c.Get(u)
	if err != nil {
		return fmt.Errorf("load: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("load: GET %s: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("load: GET %s: %s: %s", u, resp.Status, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("load: GET %s: %v", u, err)
	}
	return nil
}

// status returns the run's progress; a zero value if it cannot be read.
func (s *server) status(c *http.Client, id string) runJSON {
	var runs []runJSON
	if err := getJSON(c, s.base+"/api/runs", &runs); err != nil {
		logf("%v", err)
	}
	for _, r := range runs {
		if r.ID == id {
			return r
		}
	}
	return runJSON{State: "unknown"}
}

// waitFirstEpoch waits until the run started by --train has a snapshot.
func waitFirstEpoch(c *http.Client, s *server) (string, runJSON, error) {
	deadline := time.Now().Add(15 * time.Minute)
	for {
		var runs []runJSON
		if err := getJSON(c, s.base+"/api/runs", &runs); err != nil {
			return "", runJSON{}, err
		}
		if len(runs) > 0 {
			r := runs[len(runs)-1]
			switch {
			case r.Epoch >= 1:
				return r.ID, r, nil
			case r.State != "running" && r.State != "paused":
				return "", r, fmt.Errorf("load: run %s is %s before its first epoch: %s", r.ID, r.State, r.Error)
			}
		}
		if time.Now().After(deadline) {
			return "", runJSON{}, errors.New("load: no epoch finished within 15 minutes")
		}
		select {
		case err := <-s.done:
			s.done <- err
			return "", runJSON{}, fmt.Errorf("load: tvae serve exited: %v", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

type statsJSON struct {
	Goroutines     int    `json:"goroutines"`
	HeapAllocBytes uint64 `json:"heap_alloc_bytes"`
	HeapSysBytes   uint64 `json:"heap_sys_bytes"`
	SysBytes       uint64 `json:"sys_bytes"`
	SSEViewers     int    `json:"sse_viewers"`
}

func getStats(c *http.Client, base string) (statsJSON, error) {
	var s statsJSON
	err := getJSON(c, base+"/api/stats", &s)
	return s, err
}

// baseline is the fewest goroutines over a few samples: training starts
// short-lived goroutines at the end of each epoch, which are not the clients'.
func baseline(c *http.Client, base string) (statsJSON, error) {
	var best statsJSON
	for i := range 5 {
		s, err := getStats(c, base)
		if err != nil {
			return s, err
		}
		if i == 0 || s.Goroutines < best.Goroutines {
			best = s
		}
		time.Sleep(300 * time.Millisecond)
	}
	return best, nil
}

// sampler polls /api/stats and the server's resident memory each second
// while the load lasts (from when every viewer is connected).
type sampler struct {
	stopc chan struct{}
	done  chan peaks
}

type peaks struct {
	peakGoroutines         int
	peakHeap, peakSys      uint64
	peakRSS                uint64 // kB
	minViewers, maxViewers int
	samples                int
}

func startSampler(c *http.Client, s *server) *sampler {
	sm := &sampler{stopc: make(chan struct{}), done: make(chan peaks, 1)}
	go func() {
		p := peaks{minViewers: -1}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-sm.stopc:
				p.minViewers = max(p.minViewers, 0)
				sm.done <- p
				return
			case <-tick.C:
			}
			st, err := getStats(c, s.base)
			if err != nil {
				logf("%v", err)
				continue
			}
			p.samples++
			p.peakGoroutines = max(p.peakGoroutines, st.Goroutines)
			p.peakHeap = max(p.peakHeap, st.HeapAllocBytes)
			p.peakSys = max(p.peakSys, st.SysBytes)
			p.peakRSS = max(p.peakRSS, procStatus(s.cmd.Process.Pid, "VmRSS"))
			p.maxViewers = max(p.maxViewers, st.SSEViewers)
			if p.minViewers < 0 || st.SSEViewers < p.minViewers {
				p.minViewers = st.SSEViewers
			}
		}
	}()
	return sm
}

func (sm *sampler) stop() peaks {
	close(sm.stopc)
	return <-sm.done
}

// procStatus reads one kB field of /proc/PID/status, or 0.
func procStatus(pid int, field string) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseUint(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// queryStats counts neighbour queries by outcome.
type queryStats struct {
	ok, status, transport, body atomic.Int64
	errors                      atomic.Int64
	mu                          sync.Mutex
	latencies                   []time.Duration
	first                       string
}

func (q *queryStats) fail(counter *atomic.Int64, format string, args ...any) {
	counter.Add(1)
	q.errors.Add(1)
	q.mu.Lock()
	if q.first == "" {
		q.first = fmt.Sprintf(format, args...)
	}
	q.mu.Unlock()
}

func (q *queryStats) firstErr() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.first
}

func (q *queryStats) do(c *http.Client, base, run string, index, k int) {
	u := fmt.Sprintf("%s/api/neighbors?run=%s&split=test&index=%d&k=%d", base, url.QueryEscape(run), index, k)
	start := time.Now()
	resp, err := c.Get(u)
	if err != nil {
		q.fail(&q.transport, "GET %s: %v", u, err)
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	switch {
	case err != nil:
		q.fail(&q.transport, "GET %s: %v", u, err)
		return
	case resp.StatusCode/100 != 2:
		q.fail(&q.status, "GET %s: %s: %s", u, resp.Status, bytes.TrimSpace(body))
		return
	}
	var got struct {
		Index     int   `json:"index"`
		Neighbors []any `json:"neighbors"`
	}
	if err := json.Unmarshal(body, &got); err != nil || got.Index != index || len(got.Neighbors) != k {
		q.fail(&q.body, "GET %s: unexpected answer %.200s", u, body)
		return
	}
	q.ok.Add(1)
	q.mu.Lock()
	q.latencies = append(q.latencies, elapsed)
	q.mu.Unlock()
}

func (q *queryStats) percentiles(ps ...float64) []time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := slices.Clone(q.latencies)
	slices.Sort(l)
	out := make([]time.Duration, len(ps))
	if len(l) == 0 {
		return out
	}
	for i, p := range ps {
		out[i] = l[min(len(l)-1, int(p*float64(len(l))))]
	}
	return out
}

func (q *queryStats) slower(d time.Duration) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, l := range q.latencies {
		if l > d {
			n++
		}
	}
	return n
}

// viewerStats counts what the SSE viewers received and how they failed.
type viewerStats struct {
	connects, events, bytes atomic.Int64
	drops, refused          atomic.Int64
	perViewer               []atomic.Int64
	mu                      sync.Mutex
	first                   string
}

func (v *viewerStats) errors() int64 { return v.drops.Load() + v.refused.Load() }

func (v *viewerStats) fail(counter *atomic.Int64, format string, args ...any) {
	counter.Add(1)
	v.mu.Lock()
	if v.first == "" {
		v.first = fmt.Sprintf(format, args...)
	}
	v.mu.Unlock()
}

func (v *viewerStats) firstErr() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.first
}

func (v *viewerStats) perViewerRange() (lo, hi int64) {
	for i := range v.perViewer {
		n := v.perViewer[i].Load()
		if i == 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	return lo, hi
}

// view keeps viewer i's stream open and read until ctx ends. A stream that
// ends before then is a drop: counted, then reopened as a browser would.
func (v *viewerStats) view(ctx context.Context, c *http.Client, base string, i int, connected chan<- struct{}) {
	announced := false
	for ctx.Err() == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
		if err != nil {
			panic(err) // a constant, valid URL
		}
		req.Header.Set("Accept", "text/event-stream")
		resp, err := c.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				v.fail(&v.refused, "viewer %d: GET /events: %v", i, err)
				sleep(ctx, time.Second)
			}
			continue
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			v.fail(&v.refused, "viewer %d: GET /events: %s", i, resp.Status)
			sleep(ctx, time.Second)
			continue
		}
		v.connects.Add(1)
		if !announced {
			announced = true
			connected <- struct{}{}
		}
		err = v.read(resp.Body, i)
		resp.Body.Close()
		if ctx.Err() == nil {
			v.fail(&v.drops, "viewer %d: stream ended: %v", i, err)
		}
	}
}

// read counts events until the stream ends; it returns why it ended.
func (v *viewerStats) read(body io.Reader, i int) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		v.bytes.Add(int64(len(line) + 1))
		if bytes.HasPrefix(line, []byte("event:")) {
			v.events.Add(1)
			v.perViewer[i].Add(1)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.EOF
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func kib(kb uint64) string { return mib(kb << 10) }
