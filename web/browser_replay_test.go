package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/internal/datatest"
)

// exportedViewJSON is what the test reads of view.json.
type exportedViewJSON struct {
	URL        string `json:"url"`
	PNG        string `json:"png"`
	Step       int    `json:"step"`
	Basis      int    `json:"basis"`
	Points     string `json:"points"`
	Select     int    `json:"select"`
	Neighbours struct {
		Overlap int `json:"overlap"`
	} `json:"neighbours"`
}

// TestBrowserReplay drives the replay of a short run on all 60,000 training
// images: the map draws, the step slider and a click on the loss curve move
// it, a click on empty space decodes, two picks give the neighbour
// comparison and an interpolation strip, the map takes all 70,000 images;
// then a view exported as JSON reopens after a server restart with the same
// picture, on the canvas and in the exported PNG, and its loss curve.
func TestBrowserReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	chromium(t)
	datatest.Dir(t)
	runs := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	serve := func() (*explore.Manager, *httptest.Server) {
		hub := NewHub()
		m, err := explore.NewManager(ctx, testData{t}, runs, hub)
		if err != nil {
			t.Fatal(err)
		}
		return m, httptest.NewServer(NewServer(m, hub, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
	}
	m, ts := serve()
	defer ts.Close()

	// Two epochs of 32 steps (4,000 triplets), a snapshot every 10 steps and
	// at each epoch end: steps 10, 20, 30, 32, 40, 50, 60, 64.
	cfg := engine.DefaultConfig()
	cfg.Epochs, cfg.TripletsPerClass, cfg.SnapshotEvery, cfg.IWSamples = 2, 400, 10, 0
	started := time.Now()
	r, err := m.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); r.Status().State != explore.Finished; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) || r.Status().State == explore.Failed {
			t.Fatalf("the run did not finish: %+v", r.Status().State)
		}
	}
	m.Wait()
	t.Logf("trained in %s", time.Since(started).Round(time.Second))

	t.Logf("browser from %s", time.Since(started).Round(time.Second))
	b := newBrowser(t, ctx)
	must, poll := b.must, b.poll
	eval := func(what, expr string) string {
		t.Helper()
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
		must(what, err)
		return v
	}
	run := func(what, statements string) {
		t.Helper()
		_, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => { `+statements+`; return true })()`))
		must(what, err)
	}
	clickAt := func(what, expr string) {
		t.Helper()
		xy, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]float64](expr))
		must("locating "+what, err)
		must("clicking "+what, chromedp.Do(b.ctx, chromedp.MouseClickXY(xy[0], xy[1])))
	}
	const canvas = `document.querySelector('[data-testid=map-canvas]')`
	drawn := func(prefix string) string {
		return `(` + canvas + `.dataset.drawn || '').startsWith('` + prefix + `')`
	}
	must("open the run", chromedp.Do(b.ctx, chromedp.Navigate(ts.URL+"/?run="+r.ID)))
	poll("the page script", `document.body.dataset.ready === "1"`)
	poll("the newest step's map", drawn("64:64:test:"))
	poll("the quality curves", `document.querySelector('[data-testid=quality-chart]').dataset.points === "8"`)
	newest := eval("reading the canvas", canvas+`.toDataURL()`)

	// The slider's first position is the first snapshot, drawn in the same basis.
	run("moving the slider", `const s = document.querySelector('[data-testid=step-slider]'); s.value = "0"; s.dispatchEvent(new Event('input'))`)
	poll("the first snapshot's map", drawn("10:64:test:"))
	if first := eval("reading the canvas", canvas+`.toDataURL()`); first == newest {
		t.Fatal("the map at step 10 is the same picture as at step 64")
	}
	if got := eval("reading the slider label", `document.querySelector('[data-testid=step-label]').textContent`); got != "step 10, epoch 1" {
		t.Fatalf("slider label %q, want step 10, epoch 1", got)
	}

	// A click at the right end of the loss curve shows the last step again.
	poll("loss points", `Number(document.querySelector('[data-testid=loss-chart]').dataset.points || 0) > 0`)
	clickAt("the end of the loss curve", `(() => { const c = document.querySelector('[data-testid=loss-chart]'); c.scrollIntoView(); const r = c.getBoundingClientRect(); return [r.right - 17, r.top + r.height / 3] })()`)
	poll("the map at the clicked step", drawn("64:64:test:"))

	// Empty space (the canvas's corner is outside the padded frame) decodes.
	clickAt("empty space", `(() => { const c = `+canvas+`; c.scrollIntoView(); const r = c.getBoundingClientRect(); return [r.left + 3, r.top + 3] })()`)
	poll("a decoded digit", `(() => { const f = document.querySelector('[data-testid=decoded]'); const i = f.querySelector('img'); return !f.hidden && i.complete && i.naturalWidth === 84 })()`)

	// A drawn point: the first inked pixel from the centre outwards.
	clickAt("a point", `(() => { const c = `+canvas+`; const r = c.getBoundingClientRect(); const k = c.width / r.width;
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		for (let rad = 0; rad < 200; rad++) for (let dx = -rad; dx <= rad; dx++) for (const dy of [-rad, rad]) {
			const x = Math.round(r.width / 2 + dx), y = Math.round(r.height / 2 + dy);
			const i = 4 * (Math.round(y * k) * c.width + Math.round(x * k));
			if (d[i + 3] > 0) return [r.left + x, r.top + y];
		}
		return [r.left + r.width / 2, r.top + r.height / 2] })()`)
	poll("the neighbour comparison", `document.querySelectorAll('[data-testid=neighbours-latent] a.map-point').length === 10 && document.querySelectorAll('[data-testid=neighbours-plane] a.map-point').length === 10`)
	// A second pick, from the comparison, gives the interpolation strip.
	must("picking a neighbour", chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`[data-testid=neighbours-plane] a.map-point`))))
	poll("the interpolation strip", `(() => { const f = document.querySelector('[data-testid=interpolation]'); const i = f.querySelector('img'); return !f.hidden && i.complete && i.naturalWidth > 0 })()`)

	// All 70,000 images, points then σ-sized discs; frame times are logged.
	run("choosing all points", `const s = document.querySelector('[data-testid=points-select]'); s.value = 'all'; s.dispatchEvent(new Event('change'))`)
	// The fixture's prior is N(0, I): the map's trailer says no prior means.
	poll("the 70,000-point map", drawn("64:64:all:points")+` && `+canvas+`.dataset.points === "70000" && `+canvas+`.dataset.priorMeans === "0"`)
	// Frame times: three draws in each mode, toggled as a user would.
	var points, discs []string
	for range 3 {
		must("sizing by σ", chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`[data-testid=sigma-toggle]`))))
		poll("the σ map", drawn("64:64:all:sigma"))
		discs = append(discs, eval("frame time", canvas+`.dataset.frameMs`))
		must("plain points again", chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`[data-testid=sigma-toggle]`))))
		poll("the points map", drawn("64:64:all:points"))
		points = append(points, eval("frame time", canvas+`.dataset.frameMs`))
	}
	t.Logf("frame times with 70,000 points: %v ms as points, %v ms as σ discs", points, discs)
	b.shot("explorer-replay.jpg")

	// Export the view, restart the server, reopen the JSON's URL.
	var view exportedViewJSON
	must("reading view.json", json.Unmarshal([]byte(eval("fetching view.json", `fetch(document.querySelector('[data-testid=export-json]').href).then(r => r.text())`)), &view))
	if view.Points != "all" || view.Select < 0 || view.Step != 64 {
		t.Fatalf("view.json %+v does not hold the view shown", view)
	}
	const pngBytes = `(async (u) => { const b = new Uint8Array(await (await fetch(u)).arrayBuffer()); let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s) })`
	before := eval("fetching the exported PNG", pngBytes+`(`+jsString(view.PNG)+`)`)
	canvasBefore := eval("reading the canvas", canvas+`.toDataURL()`)
	ts.CloseClientConnections() // the page's event stream
	ts.Close()

	_, ts2 := serve()
	defer func() {
		ts2.CloseClientConnections()
		ts2.Close()
	}()
	t.Logf("restarted at %s", time.Since(started).Round(time.Second))
	must("reopening the view", chromedp.Do(b.ctx, chromedp.Navigate(ts2.URL+view.URL)))
	poll("the page script", `document.body.dataset.ready === "1"`)
	poll("the reopened map", drawn("64:64:all:points"))
	poll("the reopened comparison", `(() => { const p = document.querySelector('[data-testid=map-neighbours-panel]'); return p && p.dataset.point === "`+itoa(view.Select)+`" && p.dataset.overlap === "`+itoa(view.Neighbours.Overlap)+`" })()`)
	after := eval("fetching the exported PNG", pngBytes+`(document.querySelector('[data-testid=export-png]').href)`)
	if after != before || len(before) < 1000 {
		t.Fatalf("the PNG exported after the restart differs (%d and %d base64 bytes)", len(before), len(after))
	}
	if canvasAfter := eval("reading the canvas", canvas+`.toDataURL()`); canvasAfter != canvasBefore {
		t.Fatal("the canvas after the restart shows another picture")
	}
	// The restarted server's stream has none of the run's steps: the loss
	// chart draws the curve its folder keeps, all 64 steps.
	poll("the loss curve after the restart", `document.querySelector('[data-testid=loss-chart]').dataset.points === "64"`)
	t.Logf("done at %s", time.Since(started).Round(time.Second))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
