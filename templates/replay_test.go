package templates_test

import (
	"testing"

	"github.com/tvae/tvae/templates"
)

func replay() templates.Replay {
	return templates.Replay{
		Base: "/runs/r1", Step: 6, Basis: 8, Select: 12, K: 10, Points: "all",
		PointSets: []templates.Option{{Value: "test", Label: "test (10000 images)"}, {Value: "all", Label: "test and training (70000 images)"}},
		Steps:     []templates.ReplayStep{{Step: 3, Epoch: 1, Label: "step 3, epoch 1"}, {Step: 6, Epoch: 2, Label: "step 6, epoch 2"}, {Step: 8, Epoch: 2, Label: "step 8, epoch 2"}},
		Classes:   []string{"zero", "one"},
		PageURL:   "/?run=r1&step=6", ExportPNG: "/runs/r1/export.png?step=6", ExportCSV: "/runs/r1/export.csv?step=6", ViewJSON: "/runs/r1/view.json?step=6",
	}
}

// The card carries the view for the script, puts the slider on the view's
// step, selects the basis and point set, and links the three exports.
func TestReplayCard(t *testing.T) {
	p := replay()
	doc, _ := render(t, templates.ReplayCard(p))
	card := one(t, doc, "replay")
	for attrName, want := range map[string]string{"data-base": "/runs/r1", "data-step": "6", "data-basis": "8", "data-points": "all", "data-select": "12", "data-k": "10"} {
		wantAttr(t, card, attrName, want)
	}
	slider := one(t, doc, "step-slider")
	wantAttr(t, slider, "max", "2")
	wantAttr(t, slider, "value", "1")
	if got := text(one(t, doc, "step-label")); got != "step 6, epoch 2" {
		t.Errorf("step label %q", got)
	}
	if got, _ := one(t, doc, "basis-select").Find("option[selected]").Attr("value"); got != "8" {
		t.Errorf("basis selected %q, want 8", got)
	}
	if got, _ := one(t, doc, "points-select").Find("option[selected]").Attr("value"); got != "all" {
		t.Errorf("points selected %q, want all", got)
	}
	for id, want := range map[string]string{"export-png": p.ExportPNG, "export-csv": p.ExportCSV, "export-json": p.ViewJSON, "view-link": p.PageURL} {
		wantAttr(t, one(t, doc, id), "href", want)
	}
	one(t, doc, "map-canvas")
	legend := one(t, doc, "map-legend").Find("li")
	if legend.Length() != 2 || text(legend.Eq(1)) != "one" || !legend.Eq(1).HasClass("class-1") {
		t.Errorf("legend %q, want zero and one in their class colours", text(one(t, doc, "map-legend")))
	}
	if !one(t, doc, "decoded").Is("[hidden]") || !one(t, doc, "interpolation").Is("[hidden]") {
		t.Error("the decoded digit and the strip show before any click")
	}
	if byTestID(doc, "replay-empty").Length() != 0 {
		t.Error("a card with snapshots says it has none")
	}
}

// Without snapshots the card says why and hides the map and the exports
// until the script reveals them at the first snapshot.
func TestReplayCardWithoutSnapshots(t *testing.T) {
	doc, _ := render(t, templates.ReplayCard(templates.Replay{Base: "/runs/r1", Empty: "No snapshot yet"}))
	if got := text(one(t, doc, "replay-empty")); got != "No snapshot yet" {
		t.Errorf("empty message %q", got)
	}
	for _, id := range []string{"map-canvas", "step-slider", "export-png"} {
		if one(t, doc, id).Closest("[data-replay-body][hidden]").Length() != 1 {
			t.Errorf("%s is not hidden without snapshots", id)
		}
	}
}

// The comparison lists both neighbour sets, marks the points that are in
// only one, and states the overlap.
func TestMapNeighboursPanel(t *testing.T) {
	point := func(i int, shared bool) templates.MapPoint {
		return templates.MapPoint{Point: i, Shared: shared, Digit: templates.Digit{Split: "test", Index: i, Label: "7", Src: "/d.png"}}
	}
	n := templates.MapNeighbours{Query: point(5, true), K: 3, Overlap: 2,
		Latent: []templates.MapPoint{point(1, true), point(2, true), point(3, false)},
		Plane:  []templates.MapPoint{point(2, true), point(1, true), point(4, false)}}
	doc, _ := render(t, templates.MapNeighboursPanel(n))
	panel := one(t, doc, "map-neighbours-panel")
	wantAttr(t, panel, "data-point", "5")
	wantAttr(t, panel, "data-overlap", "2")
	if got := text(one(t, doc, "overlap").Find("strong")); got != "2 of 3" {
		t.Errorf("overlap %q, want 2 of 3", got)
	}
	for kind, want := range map[string][]string{"latent": {"1", "2", "3"}, "plane": {"2", "1", "4"}} {
		links := one(t, doc, "neighbours-"+kind).Find("a.map-point")
		if links.Length() != 3 {
			t.Fatalf("%s: %d points", kind, links.Length())
		}
		for i, w := range want {
			wantAttr(t, links.Eq(i), "data-point", w)
		}
		if d := one(t, doc, "neighbours-"+kind).Find("li.distorted"); d.Length() != 1 || d.Find(".distorted-mark").Length() != 1 {
			t.Errorf("%s: %d distorted points marked, want 1", kind, d.Length())
		}
	}
}
