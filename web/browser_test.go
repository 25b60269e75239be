package web

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/internal/datatest"
)

var screenshots = flag.String("screenshots", "", "folder to save the browser test's screenshots in (the README shows docs/screenshots)")

// chromium returns the browser to drive, or skips the test when there is none
// and TVAE_BROWSER_TEST is not set (CI sets it, so there a missing browser fails).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TVAE_BROWSER_TEST") != "" {
		t.Fatal("TVAE_BROWSER_TEST is set but no chromium is installed: apt-get install chromium")
	}
	t.Skip("no chromium on PATH; apt-get install chromium to run the browser test")
	return ""
}

// browser is a headless Chromium driven through chromedp, with the test's
// helpers: must fails on an error, poll waits (up to two minutes) for a
// JavaScript expression to be true, shot saves a screenshot.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T, ctx context.Context) *browser {
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	bctx, cancelTimeout := context.WithTimeout(bctx, 4*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelBrowser()
		cancelAlloc()
	})
	return &browser{t: t, ctx: bctx}
}

func (b *browser) must(what string, err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) poll(what, expr string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(2*time.Minute)))
	b.must("waiting for "+what, err)
}

func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(70)) // JPEG: small enough to commit
	b.must("screenshot", err)
	dir := *screenshots
	if dir == "" {
		dir = b.t.TempDir()
	}
	b.must("saving screenshot", os.WriteFile(filepath.Join(dir, name), png, 0o644))
}

// TestBrowser drives the explorer in headless Chromium as a user would: start
// a short run, watch the loss chart fill, click the latent map, follow a
// neighbour and download a PNG.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	chromium(t)
	datatest.Dir(t)
	hub := NewHub()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	m, err := explore.NewManager(ctx, testData{t}, t.TempDir(), hub)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(NewServer(m, hub, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
	defer func() {
		ts.CloseClientConnections() // the page's event stream would hold Close
		ts.Close()
	}()
	defer m.Wait()
	defer stop()

	b := newBrowser(t, ctx)
	must, poll, shot, bctx := b.must, b.poll, b.shot, b.ctx

	must("open page", chromedp.Do(bctx, chromedp.Navigate(ts.URL)))
	poll("the page script", `document.body.dataset.ready === "1"`)

	// Start a short TVAE run on a small subset from the form.
	must("fill the form", chromedp.Do(bctx,
		chromedp.SetValue(chromedp.CSS(`[data-testid=start-form] select[name=model]`), "paper-tvae-mnist"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=start-form] input[name=epochs]`), "3"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=start-form] input[name=train_subset]`), "1000"),
		chromedp.SetValue(chromedp.CSS(`[data-testid=start-form] input[name=triplets_per_class]`), "300"),
	))
	_, err = chromedp.Run(bctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`[data-testid=start-button]`))))
	must("start the run", err)
	poll("the run panel", `!!document.querySelector('[data-testid=run-panel]')`)
	poll("the page script", `document.body.dataset.ready === "1"`)

	// The loss chart receives points over SSE, then the first epoch ends.
	poll("loss points", `Number(document.querySelector('[data-testid=loss-chart]').dataset.points || 0) > 0`)
	poll("an epoch row", `document.querySelectorAll('[data-testid=history] tbody tr').length >= 1`)
	poll("the latent map", `(() => { const i = document.querySelector('img[data-pick]'); return i && i.complete && i.naturalWidth > 0 && /epoch=/.test(i.src) })()`)
	// The replay card was rendered before any snapshot: it appears with the first.
	poll("the live replay map", `(document.querySelector('[data-testid=map-canvas]').dataset.drawn || '').includes(':test:')`)
	shot("explorer-training.jpg")

	// Click the middle of the latent map: the nearest point's neighbours appear.
	box, err := chromedp.Run(bctx, chromedp.Evaluate[[]float64](`(() => { const i = document.querySelector('img[data-pick]'); i.scrollIntoView(); const r = i.getBoundingClientRect(); return [r.left + r.width * 0.5, r.top + r.height * 0.45] })()`))
	must("locating the map", err)
	must("click the map", chromedp.Do(bctx, chromedp.MouseClickXY(box[0], box[1])))
	poll("neighbours", `document.querySelectorAll('[data-testid=neighbours] [data-testid=neighbour]').length === 10`)
	first, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=neighbour]').dataset.index`))
	must("reading the first neighbour", err)
	shot("explorer-neighbours.jpg")

	// A neighbour is clickable in turn: its own neighbours replace the panel.
	must("click a neighbour", chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`[data-testid=neighbour] a, a[data-testid=neighbour]`))))
	poll("the neighbour's own neighbours", `(() => { const q = document.querySelector('[data-testid=query]'); return q && q.outerHTML.includes('train') && q.outerHTML.includes('/`+first+`') })()`)

	// A digit of the gallery is clickable too.
	must("click a gallery digit", chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`[data-testid=gallery-digit][data-index="3"]`))))
	poll("the gallery digit's neighbours", `(() => { const q = document.querySelector('[data-testid=query]'); return q && q.dataset.index === "3" && q.dataset.split === "test" && document.querySelectorAll('[data-testid=neighbours] [data-testid=neighbour]').length === 10 })()`)

	// Download the latent map as a PNG attachment.
	type download struct {
		Status      int    `json:"status"`
		Disposition string `json:"disposition"`
		Signature   []int  `json:"signature"`
	}
	got, err := chromedp.Run(bctx, chromedp.Evaluate[download](`(async () => {
		const a = document.querySelector('[data-testid=download-latent]');
		const r = await fetch(a.href);
		const b = new Uint8Array(await r.arrayBuffer());
		return {status: r.status, disposition: r.headers.get('content-disposition'), signature: Array.from(b.slice(0, 8))};
	})()`, chromedp.EvalAwaitPromise))
	must("downloading the map", err)
	want := []int{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}
	if got.Status != 200 || len(got.Signature) != 8 || got.Signature[1] != want[1] || got.Signature[0] != want[0] {
		t.Fatalf("download: %+v", got)
	}
	if want := `attachment; filename="`; len(got.Disposition) < len(want) || got.Disposition[:len(want)] != want {
		t.Fatalf("download Content-Disposition %q", got.Disposition)
	}

	// When the run finishes, its final figures appear without a reload.
	poll("the final figures", `!!document.querySelector('[data-testid=final-figures] [data-figure="MAP@R"]')`)
}
