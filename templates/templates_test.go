package templates_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/tvae/tvae/templates"
)

// render renders c and parses the HTML; it also returns the raw HTML.
func render(t *testing.T, c templ.Component) (*goquery.Document, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	html := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, html
}

func byTestID(s interface {
	Find(string) *goquery.Selection
}, id string) *goquery.Selection {
	return s.Find(`[data-testid="` + id + `"]`)
}

// one returns the single element with the test id, failing otherwise.
func one(t *testing.T, s interface {
	Find(string) *goquery.Selection
}, id string) *goquery.Selection {
	t.Helper()
	sel := byTestID(s, id)
	if sel.Length() != 1 {
		t.Fatalf("want one [data-testid=%q], found %d", id, sel.Length())
	}
	return sel
}

func attr(t *testing.T, s *goquery.Selection, name string) string {
	t.Helper()
	v, ok := s.Attr(name)
	if !ok {
		h, _ := goquery.OuterHtml(s)
		t.Fatalf("no attribute %s on %s", name, h)
	}
	return v
}

func wantAttr(t *testing.T, s *goquery.Selection, name, want string) {
	t.Helper()
	if got := attr(t, s, name); got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

func startForm() templates.StartForm {
	return templates.StartForm{
		Action: "/runs",
		Models: []templates.Option{{Value: "tvae-mnist", Label: "TVAE (MNIST)"}, {Value: "vae-mnist", Label: "VAE (MNIST)"}},
		Epochs: "10", TripletWeight: "1", Margin: "0.2", Seed: "42", TrainSubset: "0",
	}
}

// controls are the buttons a handler offers in each state.
func controls(state string) []templates.Control {
	return []templates.Control{
		{Name: "pause", Label: "Pause", URL: "/runs/r1/pause", Enabled: state == "running"},
		{Name: "resume", Label: "Resume", URL: "/runs/r1/resume", Enabled: state == "paused"},
		{Name: "stop", Label: "Stop", URL: "/runs/r1/stop", Enabled: state == "running" || state == "paused"},
	}
}

func neighbours() templates.Neighbours {
	items := make([]templates.Digit, 3)
	for i := range items {
		idx := 100 + i
		items[i] = templates.Digit{
			Split: "train", Index: idx, Label: strconv.Itoa(7 - i%2), Distance: "0." + strconv.Itoa(i+1) + "00",
			Src: "/runs/r1/digits/train/" + strconv.Itoa(idx) + ".png",
			URL: "/runs/r1/neighbours?split=train&index=" + strconv.Itoa(idx),
		}
	}
	return templates.Neighbours{
		Query: templates.Digit{
			Split: "test", Index: 12, Label: "7", Src: "/runs/r1/digits/test/12.png",
			URL: "/runs/r1/neighbours?split=test&index=12",
		},
		Reconstruction: "/runs/r1/digits/test/12-reconstruction.png",
		Items:          items,
		DownloadURL:    "/runs/r1/neighbours.png?split=test&index=12&k=3&download=1",
		JSONURL:        "/api/neighbors?run=r1&split=test&index=12&k=3",
	}
}

func runView(state string) templates.RunView {
	return templates.RunView{
		ID: "r1", Name: "run one", Model: "TVAE", State: state, Epoch: 2, Epochs: 10,
		Controls:  controls(state),
		EventsURL: "/events",
		LossPNG:   "/runs/r1/plots/loss.png?download=1",
		Plots: []templates.Plot{
			{ID: "latent", Title: "Latent map", Src: "/runs/r1/plots/latent.png", DownloadURL: "/runs/r1/plots/latent.png?download=1", Clickable: true},
			{ID: "samples", Title: "Samples", Src: "/runs/r1/plots/samples.png", DownloadURL: "/runs/r1/plots/samples.png?download=1"},
		},
		PickURL: "/runs/r1/pick",
		History: []templates.EpochRow{
			{Epoch: 1, TripletAccuracy: "88.10%", TestNELBO: "130.52", TrainLoss: "1.2345"},
			{Epoch: 2, TripletAccuracy: "92.40%", TestNELBO: "118.07"},
		},
	}
}

func TestPageViewDocument(t *testing.T) {
	doc, _ := render(t, templates.PageView(templates.Page{Start: startForm()}))
	if got := attr(t, doc.Find("html"), "lang"); got != "en" {
		t.Errorf("lang = %q", got)
	}
	if got := text(doc.Find("head title")); got != "tvae — latent-space explorer" {
		t.Errorf("title = %q", got)
	}
	if doc.Find(`meta[name="viewport"]`).Length() != 1 {
		t.Error("no meta viewport")
	}
	if doc.Find(`link[rel="stylesheet"][href="/static/style.css"]`).Length() != 1 {
		t.Error("no link to /static/style.css")
	}
	script := doc.Find(`script[src="/static/app.js"]`)
	if script.Length() != 1 {
		t.Fatal("no script /static/app.js")
	}
	if _, ok := script.Attr("defer"); !ok {
		t.Error("app.js is not deferred")
	}
	if doc.Find("header").Length() == 0 {
		t.Error("no header")
	}
}

func TestPageViewRuns(t *testing.T) {
	rows := []templates.RunRow{
		{ID: "a", Name: "alpha", Model: "TVAE", State: "running", Progress: "3/10 epochs", TripletAccuracy: "93.00%", TestNELBO: "110.20", URL: "/?run=a"},
		{ID: "b", Name: "beta", Model: "VAE", State: "finished", Progress: "10/10 epochs", TripletAccuracy: "70.00%", TestNELBO: "101.00", URL: "/?run=b", Selected: true},
		{ID: "c", Name: "gamma", Model: "TVAE", State: "paused", Progress: "0/5 epochs", TripletAccuracy: "–", TestNELBO: "–", URL: "/?run=c"},
	}
	tests := []struct {
		name     string
		runs     []templates.RunRow
		selected int // index of the selected row, or -1
	}{
		{"none", nil, -1},
		{"one unselected", rows[:1], -1},
		{"three, second selected", rows, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := render(t, templates.PageView(templates.Page{Runs: tt.runs, Start: startForm()}))
			table := one(t, doc, "runs")
			if goquery.NodeName(table) != "table" {
				t.Errorf("runs is a %s, want a table", goquery.NodeName(table))
			}
			trs := byTestID(table, "run-row")
			if trs.Length() != len(tt.runs) {
				t.Fatalf("%d run rows, want %d", trs.Length(), len(tt.runs))
			}
			trs.Each(func(i int, tr *goquery.Selection) {
				r := tt.runs[i]
				link := tr.Find("a")
				wantAttr(t, link, "href", r.URL)
				if text(link) != r.Name {
					t.Errorf("row %d: name %q, want %q", i, text(link), r.Name)
				}
				wantAttr(t, tr, "data-run", r.ID)
				cells := tr.Find("td")
				for j, want := range []string{r.Name, r.Model, r.State, r.Progress, r.TripletAccuracy, r.TestNELBO} {
					if got := text(cells.Eq(j)); got != want {
						t.Errorf("row %d cell %d = %q, want %q", i, j, got, want)
					}
				}
				if badge := tr.Find(".badge"); attr(t, badge, "data-state") != r.State {
					t.Errorf("row %d: badge state %q", i, attr(t, badge, "data-state"))
				}
				if got, want := tr.HasClass("selected"), i == tt.selected; got != want {
					t.Errorf("row %d: selected = %v, want %v", i, got, want)
				}
				_, current := link.Attr("aria-current")
				if current != (i == tt.selected) {
					t.Errorf("row %d: aria-current = %v", i, current)
				}
			})
			wantSelected := 0
			if tt.selected >= 0 {
				wantSelected = 1
			}
			if doc.Find("tr.selected").Length() != wantSelected {
				t.Errorf("%d selected rows", doc.Find("tr.selected").Length())
			}
		})
	}
}

func TestPageViewWithoutRun(t *testing.T) {
	doc, _ := render(t, templates.PageView(templates.Page{Start: startForm()}))
	if n := byTestID(doc, "run-panel").Length(); n != 0 {
		t.Errorf("%d run panels without a current run", n)
	}
	hint := one(t, doc, "no-run")
	if !strings.Contains(text(hint), "Start a training run with the form") {
		t.Errorf("hint = %q", text(hint))
	}
	if byTestID(doc, "loss-chart").Length() != 0 {
		t.Error("a loss chart without a run")
	}
	one(t, doc, "start-form")
}

func TestPageViewWithRun(t *testing.T) {
	rv := runView("running")
	doc, _ := render(t, templates.PageView(templates.Page{Start: startForm(), Current: &rv}))
	panel := one(t, doc, "run-panel")
	if panel.Closest("main").Length() != 1 {
		t.Error("run panel is not in main")
	}
	if byTestID(doc, "no-run").Length() != 0 {
		t.Error("the no-run hint is shown with a run")
	}
	if doc.Find("aside").Find(`[data-testid="runs"]`).Length() != 1 || doc.Find("aside").Find(`[data-testid="start-form"]`).Length() != 1 {
		t.Error("runs and start form are not in the side column")
	}
}

func TestStartForm(t *testing.T) {
	f := startForm()
	tests := []struct {
		name, err string
	}{
		{"no error", ""},
		{"with error", "epochs must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.Error = tt.err
			doc, _ := render(t, templates.PageView(templates.Page{Start: f}))
			form := one(t, doc, "start-form")
			if goquery.NodeName(form) != "form" {
				t.Fatalf("start-form is a %s", goquery.NodeName(form))
			}
			wantAttr(t, form, "method", "post")
			wantAttr(t, form, "action", f.Action)

			sel := form.Find(`select[name="model"]`)
			if sel.Length() != 1 {
				t.Fatal("no select named model")
			}
			opts := sel.Find("option")
			if opts.Length() != len(f.Models) {
				t.Fatalf("%d options, want %d", opts.Length(), len(f.Models))
			}
			opts.Each(func(i int, o *goquery.Selection) {
				wantAttr(t, o, "value", f.Models[i].Value)
				if text(o) != f.Models[i].Label {
					t.Errorf("option %d label %q", i, text(o))
				}
			})

			for name, want := range map[string]string{
				"epochs": f.Epochs, "triplet_weight": f.TripletWeight, "margin": f.Margin,
				"seed": f.Seed, "train_subset": f.TrainSubset,
			} {
				in := form.Find(`input[name="` + name + `"]`)
				if in.Length() != 1 {
					t.Errorf("no input named %s", name)
					continue
				}
				wantAttr(t, in, "value", want)
				if id := attr(t, in, "id"); form.Find(`label[for="`+id+`"]`).Length() != 1 {
					t.Errorf("input %s has no label", name)
				}
			}

			button := one(t, form, "start-button")
			if goquery.NodeName(button) != "button" || attr(t, button, "type") != "submit" {
				t.Error("start-button is not a submit button")
			}

			errEl := byTestID(form, "start-error")
			if tt.err == "" && errEl.Length() != 0 {
				t.Error("an error is shown without one")
			}
			if tt.err != "" && text(errEl) != tt.err {
				t.Errorf("error = %q, want %q", text(errEl), tt.err)
			}
		})
	}
}

func TestRunPanelControls(t *testing.T) {
	tests := []struct {
		state               string
		pause, resume, stop bool // enabled
	}{
		{"running", true, false, true},
		{"paused", false, true, true},
		{"stopping", false, false, false},
		{"finished", false, false, false},
		{"failed", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			doc, _ := render(t, templates.RunPanel(runView(tt.state)))
			badge := one(t, doc, "run-state")
			if text(badge) != tt.state || attr(t, badge, "data-state") != tt.state {
				t.Errorf("state badge %q", text(badge))
			}
			for name, enabled := range map[string]bool{"pause": tt.pause, "resume": tt.resume, "stop": tt.stop} {
				b := one(t, doc, "control-"+name)
				if goquery.NodeName(b) != "button" {
					t.Errorf("control-%s is a %s", name, goquery.NodeName(b))
				}
				if _, disabled := b.Attr("disabled"); disabled == enabled {
					t.Errorf("%s: disabled = %v, want %v", name, disabled, !enabled)
				}
				form := b.Closest("form")
				if form.Length() != 1 {
					t.Fatalf("control-%s is not in a form", name)
				}
				wantAttr(t, form, "method", "post")
				wantAttr(t, form, "action", "/runs/r1/"+name)
				if form.Find("button").Length() != 1 {
					t.Errorf("control-%s form has several buttons", name)
				}
			}
		})
	}
}

func TestRunPanel(t *testing.T) {
	rv := runView("running")
	doc, _ := render(t, templates.RunPanel(rv))
	panel := one(t, doc, "run-panel")
	if got := text(panel.Find("h2")); got != rv.Name {
		t.Errorf("heading %q", got)
	}
	if !strings.Contains(text(panel), rv.Model) {
		t.Error("model not shown")
	}

	canvas := one(t, doc, "loss-chart")
	if goquery.NodeName(canvas) != "canvas" {
		t.Errorf("loss-chart is a %s", goquery.NodeName(canvas))
	}
	wantAttr(t, canvas, "data-events", rv.EventsURL)
	wantAttr(t, canvas, "data-run", rv.ID)
	dl := one(t, doc, "loss-download")
	wantAttr(t, dl, "href", rv.LossPNG)
	attr(t, dl, "download")

	rows := one(t, doc, "history").Find("tbody tr")
	if rows.Length() != len(rv.History) {
		t.Fatalf("%d history rows, want %d", rows.Length(), len(rv.History))
	}
	rows.Each(func(i int, tr *goquery.Selection) {
		h := rv.History[i]
		nn := h.TrainLoss
		if nn == "" {
			nn = "–"
		}
		for j, want := range []string{strconv.Itoa(h.Epoch), h.TripletAccuracy, h.TestNELBO, nn} {
			if got := text(tr.Find("td").Eq(j)); got != want {
				t.Errorf("history row %d cell %d = %q, want %q", i, j, got, want)
			}
		}
		wantAttr(t, tr, "data-epoch", strconv.Itoa(h.Epoch))
	})

	for _, p := range rv.Plots {
		fig := one(t, doc, "plot-"+p.ID)
		if goquery.NodeName(fig) != "figure" {
			t.Errorf("plot-%s is a %s", p.ID, goquery.NodeName(fig))
		}
		img := fig.Find("img")
		wantAttr(t, img, "src", p.Src)
		attr(t, img, "data-refresh")
		if !strings.Contains(text(fig.Find("figcaption")), p.Title) {
			t.Errorf("plot-%s caption %q", p.ID, text(fig.Find("figcaption")))
		}
		link := one(t, fig, "download-"+p.ID)
		wantAttr(t, link, "href", p.DownloadURL)
		attr(t, link, "download")

		pick, clickable := img.Attr("data-pick")
		if clickable != p.Clickable {
			t.Errorf("plot-%s: data-pick present = %v, want %v", p.ID, clickable, p.Clickable)
		}
		hint := strings.Contains(text(fig), "click a point to see its nearest neighbours")
		if hint != p.Clickable {
			t.Errorf("plot-%s: click hint = %v", p.ID, hint)
		}
		if p.Clickable && pick != rv.PickURL {
			t.Errorf("data-pick = %q, want %q", pick, rv.PickURL)
		}
	}

	section := one(t, doc, "neighbours")
	if goquery.NodeName(section) != "section" {
		t.Errorf("neighbours is a %s", goquery.NodeName(section))
	}
	if byTestID(section, "neighbour").Length() != 0 || byTestID(section, "query").Length() != 0 {
		t.Error("neighbours shown without a query")
	}
	if !strings.Contains(text(section), "Click a point on the latent map") {
		t.Errorf("neighbours hint %q", text(section))
	}
}

func TestRunPanelWithNeighbours(t *testing.T) {
	rv := runView("finished")
	n := neighbours()
	rv.Neighbours = &n
	doc, _ := render(t, templates.RunPanel(rv))
	section := one(t, doc, "neighbours")
	one(t, section, "query")
	if got := byTestID(section, "neighbour").Length(); got != len(n.Items) {
		t.Errorf("%d neighbours in the section, want %d", got, len(n.Items))
	}
}

func TestNeighboursPanel(t *testing.T) {
	n := neighbours()
	doc, _ := render(t, templates.NeighboursPanel(n))

	q := one(t, doc, "query")
	if goquery.NodeName(q) != "img" {
		t.Errorf("query is a %s", goquery.NodeName(q))
	}
	wantAttr(t, q, "src", n.Query.Src)
	wantAttr(t, q, "data-index", "12")
	wantAttr(t, q, "data-label", n.Query.Label)
	wantAttr(t, q, "data-split", n.Query.Split)
	if !strings.Contains(text(doc.Selection), "labelled "+n.Query.Label) {
		t.Error("query label not shown")
	}
	wantAttr(t, one(t, doc, "reconstruction"), "src", n.Reconstruction)

	items := byTestID(doc, "neighbour")
	if items.Length() != len(n.Items) {
		t.Fatalf("%d neighbours, want %d", items.Length(), len(n.Items))
	}
	items.Each(func(i int, a *goquery.Selection) {
		d := n.Items[i]
		if goquery.NodeName(a) != "a" {
			t.Errorf("neighbour %d is a %s", i, goquery.NodeName(a))
		}
		wantAttr(t, a, "href", d.URL)
		wantAttr(t, a, "data-index", strconv.Itoa(d.Index))
		wantAttr(t, a, "data-label", d.Label)
		wantAttr(t, a, "data-split", d.Split)
		wantAttr(t, a.Find("img"), "src", d.Src)
		if got := text(a.Find(".label")); got != d.Label {
			t.Errorf("neighbour %d label %q", i, got)
		}
		if got := text(a.Find(".distance")); got != d.Distance {
			t.Errorf("neighbour %d distance %q", i, got)
		}
	})

	dl := one(t, doc, "neighbours-download")
	wantAttr(t, dl, "href", n.DownloadURL)
	attr(t, dl, "download")
	wantAttr(t, one(t, doc, "neighbours-json"), "href", n.JSONURL)
}

func TestNeighboursPanelIsAFragment(t *testing.T) {
	_, html := render(t, templates.NeighboursPanel(neighbours()))
	for _, tag := range []string{"<html", "<head>", "<body", "<!doctype"} {
		if strings.Contains(strings.ToLower(html), tag) {
			t.Errorf("the fragment contains %s", tag)
		}
	}
}

func TestEscaping(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	rv := runView("running")
	rv.Name = evil
	n := neighbours()
	n.Query.Label = evil
	rv.Neighbours = &n
	page := templates.Page{
		Runs:    []templates.RunRow{{ID: "r1", Name: evil, Model: "TVAE", State: "running", URL: "/?run=r1", Selected: true}},
		Start:   startForm(),
		Current: &rv,
	}
	page.Start.Error = evil
	tests := []struct {
		name string
		c    templ.Component
		// where the name must appear as text
		ids []string
	}{
		{"page", templates.PageView(page), []string{"run-row", "start-error", "run-panel"}},
		{"run panel", templates.RunPanel(rv), []string{"run-panel"}},
		{"neighbours", templates.NeighboursPanel(n), []string{"neighbours-panel"}},
		{"error page", templates.ErrorPage(400, evil), []string{"error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, html := render(t, tt.c)
			if strings.Contains(html, "<script>alert") {
				t.Fatal("the name is not escaped")
			}
			if doc.Find("script").Not(`[src]`).Length() != 0 {
				t.Error("an inline script element was rendered")
			}
			for _, id := range tt.ids {
				if !strings.Contains(byTestID(doc, id).Text(), evil) {
					t.Errorf("%s does not show the name as text", id)
				}
			}
		})
	}
}

func TestURLsAreSanitized(t *testing.T) {
	rows := []templates.RunRow{{ID: "x", Name: "x", URL: "javascript:alert(1)"}}
	_, html := render(t, templates.PageView(templates.Page{Runs: rows, Start: startForm()}))
	if strings.Contains(html, "javascript:") {
		t.Error("a javascript: URL was rendered")
	}
}

func TestErrorPage(t *testing.T) {
	tests := []struct {
		status  int
		message string
		heading string
	}{
		{404, "no such run; see / for the list of runs", "404 Not Found"},
		{409, "the run is not paused", "409 Conflict"},
		{599, "odd", "599"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			doc, _ := render(t, templates.ErrorPage(tt.status, tt.message))
			e := one(t, doc, "error")
			if got := text(e.Find("h1")); got != tt.heading {
				t.Errorf("heading %q, want %q", got, tt.heading)
			}
			if !strings.Contains(text(e), tt.message) {
				t.Errorf("message missing from %q", text(e))
			}
			if !strings.Contains(text(doc.Find("title")), tt.heading) {
				t.Errorf("title %q", text(doc.Find("title")))
			}
			if e.Find(`a[href="/"]`).Length() != 1 {
				t.Error("no link back to the explorer")
			}
			if byTestID(doc, "run-panel").Length() != 0 {
				t.Error("an error page with a run panel")
			}
		})
	}
}

// The final figures panel lists each figure, or says when they will come.
func TestFinalFigures(t *testing.T) {
	doc, _ := render(t, templates.FinalFigures(nil))
	if doc.Find("[data-figure]").Length() != 0 || !strings.Contains(doc.Text(), "once training finishes") {
		t.Fatalf("empty panel: %q", doc.Text())
	}
	doc, _ = render(t, templates.FinalFigures([]templates.Figure{{Name: "MAP@R", Value: "59.46%", Note: "R = class size"}, {Name: "Active units", Value: "20 of 20"}}))
	if got := doc.Find(`[data-figure="MAP@R"] td.num`).Text(); got != "59.46%" || doc.Find("[data-figure]").Length() != 2 {
		t.Fatalf("panel: MAP@R %q, %d rows", got, doc.Find("[data-figure]").Length())
	}
}
