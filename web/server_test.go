package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/internal/blastest"
	"github.com/tvae/tvae/internal/datatest"
)

type testData struct{ t testing.TB }

func (d testData) Dataset(name, split string) (*data.Dataset, error) {
	return datatest.Load(d.t, name, split), nil
}

// fixture is a server over a manager with one finished tiny run.
type fixture struct {
	srv *Server
	hub *Hub
	m   *explore.Manager
	run *explore.Run
}

var (
	fixtureOnce sync.Once
	shared      *fixture
	// fixtureRuns holds the fixture run's folder for every test of the
	// package, not only the one that happens to create it.
	fixtureRuns string
)

// TestMain runs the tests on the OpenBLAS kernels the tvae command would pick
// (engine.ExecWithBetterBLASCore), and removes the fixture run's folder.
func TestMain(m *testing.M) {
	blastest.UseBetterCore()
	code := m.Run()
	if fixtureRuns != "" {
		os.RemoveAll(fixtureRuns)
	}
	os.Exit(code)
}

// tinyRun are form values for a run of a few seconds.
var tinyRun = url.Values{"model": {"paper-tvae-mnist"}, "epochs": {"2"}, "train_subset": {"600"}, "triplets_per_class": {"40"}, "seed": {"3"}, "iw_samples": {"0"}, "snapshot_every": {"3"}}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	datatest.Dir(t)
	fixtureOnce.Do(func() {
		hub := NewHub()
		var err error
		if fixtureRuns, err = os.MkdirTemp("", "tvae-web-fixture-"); err != nil {
			t.Fatal(err)
		}
		m, err := explore.NewManager(context.Background(), testData{t}, fixtureRuns, hub)
		if err != nil {
			t.Fatal(err)
		}
		f := &fixture{srv: NewServer(m, hub, slog.New(slog.NewTextHandler(io.Discard, nil))), hub: hub, m: m}
		rec := f.do("POST", "/runs", tinyRun)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("start: %d %s", rec.Code, rec.Body)
		}
		runs := m.Runs()
		f.run = runs[len(runs)-1]
		m.Wait()
		shared = f
	})
	if shared == nil || shared.run.Status().State != explore.Finished {
		t.Fatal("the shared tiny run did not finish")
	}
	return shared
}

func (f *fixture) do(method, target string, form url.Values) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// get is a GET as a script would send it (no Accept: text/html).
func (f *fixture) get(target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// The replay's endpoints on the fixture's run: 4 steps an epoch (400
// triplets in batches of 128), a snapshot every 3 steps and at epoch ends.
func TestReplayEndpoints(t *testing.T) {
	f := newFixture(t)
	base := "/runs/" + f.run.ID
	var index struct {
		Snapshots []struct{ Step, Epoch int } `json:"snapshots"`
	}
	rec := f.get(base + "/replay")
	if err := json.Unmarshal(rec.Body.Bytes(), &index); err != nil || fmt.Sprint(index.Snapshots) != "[{3 1} {4 1} {6 2} {8 2}]" {
		t.Fatalf("replay index %s (%v), want steps 3, 4, 6, 8", rec.Body, err)
	}
	for _, tc := range []struct {
		query string
		n     int
	}{{"step=3&basis=8", 10000}, {"points=all", 10600}} {
		rec := f.get(base + "/map.bin?" + tc.query)
		b := rec.Body.Bytes()
		if rec.Code != 200 || len(b) != 20+13*tc.n+4 || binary.LittleEndian.Uint32(b[20+13*tc.n:]) != 0 {
			t.Fatalf("map.bin?%s: %d, %d bytes, want %d ending in 0 prior means", tc.query, rec.Code, len(b), 20+13*tc.n+4)
		}
		var h mapHeader
		binary.Read(bytes.NewReader(b), binary.LittleEndian, &h)
		xys := make([]float32, 3*tc.n)
		binary.Read(bytes.NewReader(b[20:]), binary.LittleEndian, xys)
		for i := 0; i < tc.n; i++ {
			x, y, sigma := xys[3*i], xys[3*i+1], xys[3*i+2]
			if int(h.N) != tc.n || x < h.MinX || x > h.MaxX || y < h.MinY || y > h.MaxY || !(sigma > 0) || b[20+12*tc.n+i] > 9 {
				t.Fatalf("map.bin?%s: point %d (%g, %g, σ %g, label %d) outside %+v", tc.query, i, x, y, sigma, b[20+12*tc.n+i], h)
			}
		}
	}
	view := "?step=4&basis=8&points=all&select=10005&k=7"
	var exported exportedView
	rec = f.get(base + "/view.json" + view)
	if err := json.Unmarshal(rec.Body.Bytes(), &exported); err != nil || exported.Neighbours == nil {
		t.Fatalf("view.json: %s (%v)", rec.Body, err)
	}
	wantURL := "/?basis=8&k=7&points=all&run=" + f.run.ID + "&select=10005&step=4"
	if exported.URL != wantURL || exported.Epoch != 1 || len(exported.Neighbours.Latent) != 7 || len(exported.Neighbours.Plane) != 7 {
		t.Fatalf("view.json = %+v, want url %s, epoch 1, 7 neighbours each", exported, wantURL)
	}
	rec = f.get(base + "/compare" + view)
	if !strings.Contains(rec.Body.String(), `data-overlap="`+strconv.Itoa(exported.Neighbours.Overlap)+`"`) || strings.Count(rec.Body.String(), `class="map-point"`) != 14 {
		t.Fatalf("compare fragment does not show the 7+7 neighbours of view.json: %s", rec.Body)
	}
	rec = f.get(base + "/export.csv" + view)
	lines := strings.Split(strings.TrimSpace(rec.Body.String()), "\n")
	if len(lines) != 10601 || lines[0] != "point,split,index,label,class,x,y,sigma" || !strings.HasPrefix(lines[10006], "10005,train,5,") {
		t.Fatalf("export.csv: %d lines, header %q, line of point 10005 %q", len(lines), lines[0], lines[min(10006, len(lines)-1)])
	}
	for _, path := range []string{"/export.png" + view, "/decode.png" + view + "&x=0.5&y=-1", "/interpolate.png" + view + "&a=1&b=10005&n=6"} {
		rec := f.get(base + path)
		if rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), pngSignature) {
			t.Fatalf("%s: %d %q", path, rec.Code, rec.Body.Bytes()[:min(40, rec.Body.Len())])
		}
	}
	// The page opens on the view of the URL.
	rec = f.do("GET", wantURL, nil)
	for _, want := range []string{`data-step="4"`, `data-basis="8"`, `data-points="all"`, `data-select="10005"`, `data-k="7"`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("the page of %s lacks %s", wantURL, want)
		}
	}
}

// The loss chart of the fixture's run starts from the curve its folder
// keeps: every step of its 2 epochs of 4, as the stream's step events.
func TestSavedCurve(t *testing.T) {
	f := newFixture(t)
	rec := f.do("GET", "/?run="+f.run.ID, nil)
	doc, _ := goquery.NewDocumentFromReader(rec.Body)
	src, _ := doc.Find(`[data-testid="loss-chart"]`).Attr("data-curve")
	if src != "/runs/"+f.run.ID+"/steps.json" {
		t.Fatalf("loss chart's data-curve %q", src)
	}
	rec = f.get(src)
	var steps []stepJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &steps); rec.Code != http.StatusOK || err != nil || len(steps) != 8 {
		t.Fatalf("%s: %d, %d points (%v), want 8:\n%s", src, rec.Code, len(steps), err, rec.Body)
	}
	for i, s := range steps {
		if s.Run != f.run.ID || s.Epochs != 2 || s.Steps != 4 || s.X != float64(i+1)/4 || !(s.Terms.Total > 0) {
			t.Errorf("point %d: %+v, want step %d of 4 in epoch %d of 2 at x = %g with a loss", i, s, i%4+1, i/4+1, float64(i+1)/4)
		}
	}
}

func TestPNGEndpoints(t *testing.T) {
	f := newFixture(t)
	base := "/runs/" + f.run.ID
	for _, tc := range []struct{ path, file string }{
		{"/plots/loss.png", "-epoch2-loss.png"},
		{"/plots/accuracy.png", "-epoch2-accuracy.png"},
		{"/plots/latent.png", "-epoch2-latent.png"},
		{"/plots/latent.png?highlight=5", "-epoch2-latent.png"},
		{"/plots/reconstructions.png", "-epoch2-reconstructions.png"},
		{"/plots/samples.png", "-epoch2-samples.png"},
		{"/neighbours.png?index=3&k=5", "-epoch2-neighbours-test3.png"},
		{"/digits/test/0.png", "-test0.png"},
		{"/digits/train/10-reconstruction.png", "-train10.png"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := f.get(base + tc.path)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" || !bytes.HasPrefix(rec.Body.Bytes(), pngSignature) {
				t.Fatalf("status %d, type %q, body starts %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()[:min(16, rec.Body.Len())])
			}
			if cd := rec.Header().Get("Content-Disposition"); cd != "" {
				t.Fatalf("inline image has Content-Disposition %q", cd)
			}
			sep := "?"
			if strings.Contains(tc.path, "?") {
				sep = "&"
			}
			rec = f.get(base + tc.path + sep + "download=1")
			want := `attachment; filename="` + f.run.ID + tc.file + `"`
			if cd := rec.Header().Get("Content-Disposition"); cd != want {
				t.Fatalf("Content-Disposition %q, want %q", cd, want)
			}
		})
	}
}

func TestNeighboursJSON(t *testing.T) {
	f := newFixture(t)
	rec := f.get("/api/neighbors?index=7&k=4&run=" + f.run.ID)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var got struct {
		Run       string `json:"run"`
		Index     int    `json:"index"`
		Label     int    `json:"label"`
		Neighbors []struct {
			Index    int     `json:"index"`
			Label    int     `json:"label"`
			Distance float64 `json:"distance"`
		} `json:"neighbors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	v, _ := f.run.View()
	want, _ := v.Neighbours("test", 7, 4)
	if got.Run != f.run.ID || got.Index != 7 || got.Label != int(v.Test.Labels[7]) || len(got.Neighbors) != 4 {
		t.Fatalf("got %+v", got)
	}
	for i, n := range got.Neighbors {
		if n.Index != want[i].Index || n.Label != want[i].Label || n.Distance != want[i].Distance {
			t.Fatalf("neighbour %d: %+v, want %+v", i, n, want[i])
		}
	}
	// Without run=, the newest run answers.
	runs := f.m.Runs()
	if err := json.Unmarshal(f.get("/api/neighbors?index=7&k=4").Body.Bytes(), &got); err != nil || got.Run != runs[len(runs)-1].ID {
		t.Fatalf("default run %q (%v), want the newest %q", got.Run, err, runs[len(runs)-1].ID)
	}
}

func TestBadRequestsAreOneLine(t *testing.T) {
	f := newFixture(t)
	base := "/runs/" + f.run.ID
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/api/neighbors?index=x", 400, "index must be an integer"},
		{"/api/neighbors", 400, "index is missing"},
		{"/api/neighbors?index=10000", 400, "out of range"},
		{"/api/neighbors?index=1&k=0", 400, "k must be between"},
		{"/api/neighbors?index=1&k=999999999999999999999", 400, "k must be an integer"},
		{"/api/neighbors?index=1&split=val", 400, "split must be train or test"},
		{"/api/neighbors?index=1&run=nope", 404, "no such run"},
		{base + "/pick?fx=2&fy=0.5", 400, "fx must be a number between 0 and 1"},
		{base + "/pick?fx=NaN&fy=0.5", 400, "fx must be"},
		{base + "/plots/latent.png?highlight=99999", 400, "highlight must be"},
		{base + "/plots/nope.png", 404, "no plot"},
		{base + "/plots/loss", 404, "PNG files"},
		{base + "/digits/test/-1.png", 400, "out of range"},
		{base + "/digits/val/1.png", 400, "split must be"},
		{base + "/digits/test/abc.png", 400, "must be an integer"},
		{"/runs/nope/plots/loss.png", 404, "no such run"},
		{"/runs/..%2F..%2Fetc/plots/loss.png", 404, "no such run"},
		{"/runs/%2E%2E/digits/test/1.png", 404, "no such run"},
		{"/api/neighbors?index=1&run=../" + f.run.ID, 404, "no such run"},
		{base + "/map.bin?step=5", 400, "no snapshot at step 5"},
		{base + "/map.bin?basis=x", 400, "basis must be an integer"},
		{base + "/map.bin?points=val", 400, "points must be test or all"},
		{base + "/map.bin?select=10000", 400, "select must be a point of the map"},
		{base + "/export.png?k=0", 400, "k must be between"},
		{base + "/decode.png?x=NaN&y=0", 400, "x must be a map coordinate"},
		{base + "/decode.png?x=1", 400, "y must be a map coordinate"},
		{base + "/interpolate.png?a=1", 400, "b is missing"},
		{base + "/interpolate.png?a=1&b=2&n=1", 400, "2 to 32 images"},
		{base + "/interpolate.png?a=1&b=20000", 400, "out of range"},
		{base + "/compare", 400, "select is missing"},
		{"/runs/nope/map.bin", 404, "no such run"},
		{"/runs/nope/steps.json", 404, "no such run"},
	} {
		rec := f.get(tc.path)
		body := strings.TrimSpace(rec.Body.String())
		if rec.Code != tc.code || !strings.Contains(body, tc.want) || strings.Contains(body, "\n") {
			t.Errorf("GET %s: %d %q, want %d with one line containing %q", tc.path, rec.Code, body, tc.code, tc.want)
		}
	}
}

// A request body over the limit is refused before any handler reads it.
func TestLargeBodiesAreRefused(t *testing.T) {
	f := newFixture(t)
	rec := f.do("POST", "/runs", url.Values{"model": {strings.Repeat("x", 100<<10)}})
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("POST of 100 KiB: %d, want 413", rec.Code)
	}
}

func TestControlsOfAFinishedRunConflict(t *testing.T) {
	f := newFixture(t)
	for _, action := range []string{"pause", "resume", "stop", "continue"} {
		rec := f.do("POST", "/runs/"+f.run.ID+"/"+action, url.Values{})
		if rec.Code != http.StatusConflict {
			t.Errorf("%s of a finished run: %d, want 409", action, rec.Code)
		}
		doc, err := goquery.NewDocumentFromReader(rec.Body)
		if err != nil || doc.Find(`[data-testid="error"]`).Length() != 1 {
			t.Errorf("%s: no error page (%v)", action, err)
		}
	}
}

// A run stopped from the page continues from its saved state and finishes.
func TestStopThenContinueFinishes(t *testing.T) {
	datatest.Long(t)
	f := newFixture(t)
	if rec := f.do("POST", "/runs", tinyRun); rec.Code != http.StatusSeeOther {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	runs := f.m.Runs()
	r := runs[len(runs)-1]
	if rec := f.do("POST", "/runs/"+r.ID+"/stop", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("stop: %d %s", rec.Code, rec.Body)
	}
	f.m.Wait()
	if s := r.Status(); s.State != explore.Stopped {
		t.Fatalf("after stop: %s", s.State)
	}
	if rec := f.do("POST", "/runs/"+r.ID+"/continue", url.Values{}); rec.Code != http.StatusSeeOther {
		t.Fatalf("continue: %d %s", rec.Code, rec.Body)
	}
	f.m.Wait()
	if s := r.Status(); s.State != explore.Finished || s.Epoch != s.Epochs || len(s.History) != s.Epochs {
		t.Fatalf("after continue: %s at epoch %d of %d with %d logged", s.State, s.Epoch, s.Epochs, len(s.History))
	}
}

// A finished run's page lists its final figures, and the fragment the script
// fetches when a run finishes holds the same table.
func TestFinalFiguresOfAFinishedRun(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/?run=" + f.run.ID, "/runs/" + f.run.ID + "/final"} {
		doc, err := goquery.NewDocumentFromReader(f.do("GET", target, nil).Body)
		if err != nil {
			t.Fatal(err)
		}
		res := f.run.Status().Results
		mapr := doc.Find(`[data-figure="MAP@R"] td.num`).Text()
		if res == nil || mapr != fmt.Sprintf("%.2f%%", 100*res.Retrieval.MAPAtR) || doc.Find(`[data-figure]`).Length() < 10 {
			t.Fatalf("%s: MAP@R shown %q, %d figures; results %+v", target, mapr, doc.Find(`[data-figure]`).Length(), res)
		}
	}
}

// A run whose loss blows up fails with a message the page shows, also after
// a reload.
func TestFailedRunShowsWhy(t *testing.T) {
	f := newFixture(t)
	cfg := f.run.Config
	cfg.LearningRate = 1e6 // overflows float32 within the first epoch
	r, err := f.m.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.m.Wait()
	st := r.Status()
	if st.State != explore.Failed || !strings.Contains(st.Err, "lower learning_rate") {
		t.Fatalf("run ended %s (%q), want failed saying to lower learning_rate", st.State, st.Err)
	}
	doc, err := goquery.NewDocumentFromReader(f.do("GET", "/?run="+r.ID, nil).Body)
	if err != nil {
		t.Fatal(err)
	}
	shown := doc.Find(`[data-testid="run-error"]`)
	if _, hidden := shown.Attr("hidden"); hidden || shown.Text() != st.Err {
		t.Fatalf("page shows %q (hidden %v), want %q", shown.Text(), hidden, st.Err)
	}
	t.Log(st.Err)
}

// The start form has an input for every key startRun reads, and every
// option its selects offer is a value the configuration accepts.
func TestStartFormOffersEveryKey(t *testing.T) {
	f := newFixture(t)
	doc, err := goquery.NewDocumentFromReader(f.do("GET", "/", nil).Body)
	if err != nil {
		t.Fatal(err)
	}
	form := doc.Find(`[data-testid="start-form"]`)
	for _, key := range startKeys {
		if form.Find(`[name="`+key+`"]`).Length() != 1 {
			t.Errorf("the start form has no input named %s", key)
		}
	}
	form.Find("select option").Each(func(_ int, o *goquery.Selection) {
		name, _ := o.Closest("select").Attr("name")
		v, _ := o.Attr("value")
		if v == "" || name == "model" {
			return
		}
		// A few-label run with online mining, where every option applies.
		cfg := engine.DefaultConfig()
		cfg.LabelledFraction, cfg.TripletMining = 0.01, engine.MineBatchHard
		err := cfg.Set(name + "=" + v)
		if err == nil {
			err = cfg.Validate()
		}
		if err != nil {
			t.Errorf("option %s=%s: %v", name, v, err)
		}
	})
}

func TestStartFormErrorsComeBackToThePage(t *testing.T) {
	f := newFixture(t)
	rec := f.do("POST", "/runs", url.Values{"model": {"paper-tvae-mnist"}, "epochs": {"0"}})
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.Contains(loc, "error=") {
		t.Fatalf("%d, Location %q", rec.Code, loc)
	}
	rec = f.do("GET", loc, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "epochs must be") {
		t.Fatalf("page after a bad start: %d", rec.Code)
	}
	rec = f.do("POST", "/runs", url.Values{"model": {"paper-tvae-mnist"}, "triplet_mining": {"hardest"}})
	if loc := rec.Header().Get("Location"); !strings.Contains(loc, "triplet_mining") {
		t.Fatalf("unknown triplet mining accepted: %q", loc)
	}
	for key, bad := range map[string]string{"distance": "manhattan", "soft_margin": "maybe", "triplet_on": "x", "kl_weight": "-1", "kl_warmup_epochs": "-1", "elbo_weight": "-1", "augment_shift": "-1"} {
		rec = f.do("POST", "/runs", url.Values{"model": {"paper-tvae-mnist"}, key: {bad}})
		if loc := rec.Header().Get("Location"); !strings.Contains(loc, key) {
			t.Fatalf("%s=%s accepted or not named: %q", key, bad, loc)
		}
	}
	rec = f.do("POST", "/runs", url.Values{"model": {"../../etc/passwd"}})
	if !strings.Contains(rec.Header().Get("Location"), "not+a+built-in") {
		t.Fatalf("arbitrary config name accepted: %q", rec.Header().Get("Location"))
	}
}

func TestPageShowsRunAndPickedNeighbours(t *testing.T) {
	f := newFixture(t)
	rec := f.do("GET", "/?run="+f.run.ID, nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	doc, _ := goquery.NewDocumentFromReader(rec.Body)
	if doc.Find(`[data-testid="run-panel"]`).Length() != 1 || doc.Find(`[data-testid="history"] tbody tr`).Length() != 2 {
		t.Fatalf("run panel or its two epochs missing:\n%s", rec.Body)
	}
	gallery := doc.Find(`[data-testid="gallery-digit"]`)
	if gallery.Length() != galleryDigits {
		t.Fatalf("gallery of %d digits, want %d", gallery.Length(), galleryDigits)
	}
	if href, _ := gallery.Eq(2).Attr("href"); !strings.Contains(f.get(href).Body.String(), `data-testid="neighbour"`) {
		t.Fatalf("gallery link %q gives no neighbours", href)
	}
	pick, _ := doc.Find(`img[data-pick]`).Attr("data-pick")
	rec = f.get(pick + "?fx=0.5&fy=0.5")
	if rec.Code != http.StatusOK {
		t.Fatalf("pick: %d %s", rec.Code, rec.Body)
	}
	frag, _ := goquery.NewDocumentFromReader(rec.Body)
	items := frag.Find(`[data-testid="neighbour"]`)
	if items.Length() != defaultK {
		t.Fatalf("pick gave %d neighbours, want %d", items.Length(), defaultK)
	}
	// Each neighbour links to its own neighbours.
	href, _ := items.First().Find("a").Attr("href")
	if href == "" {
		href, _ = items.First().Attr("href")
	}
	if rec := f.get(href); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-testid="neighbour"`) {
		t.Fatalf("neighbour link %q: %d", href, rec.Code)
	}
}

// The stream sends the history first, in SSE framing, then live events.
func TestEventsStreamFraming(t *testing.T) {
	f := newFixture(t)
	ts := httptest.NewServer(f.srv.Handler())
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	f.hub.Publish(explore.Update{Kind: explore.StateUpdate, Run: "live", State: explore.Running})
	sc := bufio.NewScanner(resp.Body)
	names := map[string]int{}
	for sc.Scan() {
		line := sc.Text()
		name, ok := strings.CutPrefix(line, "event: ")
		if !ok {
			continue
		}
		names[name]++
		if !sc.Scan() || !strings.HasPrefix(sc.Text(), "data: {") {
			t.Fatalf("event %s not followed by a JSON data line: %q", name, sc.Text())
		}
		data := strings.TrimPrefix(sc.Text(), "data: ")
		if !json.Valid([]byte(data)) {
			t.Fatalf("invalid JSON %s", data)
		}
		if !sc.Scan() || sc.Text() != "" {
			t.Fatalf("event %s not ended by a blank line", name)
		}
		if strings.Contains(data, `"run":"live"`) {
			break
		}
	}
	if names["epoch"] < 2 || names["state"] < 2 {
		t.Fatalf("history replayed %v, want both epochs and the states", names)
	}
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	f := newFixture(t)
	req := httptest.NewRequest("POST", "/runs/"+f.run.ID+"/stop", strings.NewReader(""))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d, want 403", rec.Code)
	}
	req = httptest.NewRequest("POST", "/runs", strings.NewReader(tinyRun.Encode()))
	req.Header.Set("Origin", "http://evil.example")
	req.Host = "127.0.0.1:8080"
	rec = httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("POST from another origin: %d, want 403", rec.Code)
	}
	if csp := f.get("/").Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("page CSP %q", csp)
	}
}

// Fashion-MNIST goes through the same form and pages, with its class names.
func TestFashionMNISTRun(t *testing.T) {
	datatest.Long(t)
	f := newFixture(t)
	form := url.Values{"model": {"paper-tvae-fashion-mnist"}, "epochs": {"1"}, "train_subset": {"300"}, "triplets_per_class": {"20"}, "iw_samples": {"0"}}
	if rec := f.do("POST", "/runs", form); rec.Code != http.StatusSeeOther || strings.Contains(rec.Header().Get("Location"), "error=") {
		t.Fatalf("start: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	f.m.Wait()
	runs := f.m.Runs()
	r := runs[len(runs)-1]
	if r.Config.Dataset != "fashion-mnist" || r.Status().State != explore.Finished {
		t.Fatalf("run %s on %s ended %s", r.ID, r.Config.Dataset, r.Status().State)
	}
	rec := f.get("/runs/" + r.ID + "/neighbours?index=0")
	// Test image 0 of Fashion-MNIST is an ankle boot.
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Ankle boot") {
		t.Fatalf("neighbours of a Fashion-MNIST run: %d\n%s", rec.Code, rec.Body)
	}
}
