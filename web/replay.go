package web

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/templates"
)

// viewState is one view of a run's replay. It lives in the query string, so
// that a URL reopens it:
//
//	step    the snapshot shown (default: the newest)
//	basis   the snapshot whose test means the projection was fitted on (default: the newest)
//	points  test, or all (test then training images)
//	select  a point of the map, -1 for none
//	k       how many neighbours are compared
type viewState struct {
	Run    string         `json:"run"`
	Step   int            `json:"step"`
	Basis  int            `json:"basis"`
	Points explore.Points `json:"points"`
	Select int            `json:"select"`
	K      int            `json:"k"`
}

// readViewState reads a view of r's replay from the query string, filling in
// the defaults; it fails when the run has no snapshot yet.
func readViewState(c echo.Context, r *explore.Run) (viewState, error) {
	last, ok := r.Replay.Last()
	if !ok {
		return viewState{}, fmt.Errorf("%w: run %s has none yet; the map appears at the first snapshot", explore.ErrNoSnapshot, r.ID)
	}
	v := viewState{Run: r.ID, Points: explore.TestPoints}
	var err error
	if v.Step, err = intParam(c, "step", last.Step); err != nil {
		return v, err
	}
	if v.Basis, err = intParam(c, "basis", last.Step); err != nil {
		return v, err
	}
	if p := c.QueryParam("points"); p != "" {
		if v.Points, err = explore.ParsePoints(p); err != nil {
			return v, badRequest("points must be test or all (got %q)", p)
		}
	}
	for _, step := range []int{v.Step, v.Basis} {
		if !r.Replay.Has(step) {
			return v, badRequest("run %s has no snapshot at step %d; pick a step on the slider (the newest is %d)", r.ID, step, last.Step)
		}
	}
	if v.Select, err = intParam(c, "select", -1); err != nil {
		return v, err
	}
	if v.K, err = intParam(c, "k", defaultK); err != nil {
		return v, err
	}
	if v.K < 1 || v.K > explore.MaxK {
		return v, badRequest("k must be between 1 and %d (got %d)", explore.MaxK, v.K)
	}
	return v, nil
}

// query is the view's query string, in a fixed order.
func (v viewState) query() string {
	q := url.Values{}
	q.Set("run", v.Run)
	q.Set("step", strconv.Itoa(v.Step))
	q.Set("basis", strconv.Itoa(v.Basis))
	q.Set("points", string(v.Points))
	q.Set("select", strconv.Itoa(v.Select))
	q.Set("k", strconv.Itoa(v.K))
	return q.Encode()
}

// pageURL reopens the view on the explorer's page.
func (v viewState) pageURL() string { return "/?" + v.query() }

// runURL is a run resource with the view's query string.
func (v viewState) runURL(path string) string {
	return "/runs/" + url.PathEscape(v.Run) + path + "?" + v.query()
}

// replayMap reads the view of the request and projects its map.
func (s *Server) replayMap(c echo.Context) (*explore.Run, viewState, *explore.Map, error) {
	r, err := s.runs.Run(c.Param("run"))
	if err != nil {
		return nil, viewState{}, nil, err
	}
	v, err := readViewState(c, r)
	if err != nil {
		return r, v, nil, err
	}
	m, err := r.Replay.Map(v.Step, v.Basis, v.Points)
	if err != nil {
		return r, v, nil, err
	}
	if v.Select < -1 || v.Select >= len(m.XY) {
		return r, v, nil, badRequest("select must be a point of the map, 0 to %d, or -1 for none (got %d)", len(m.XY)-1, v.Select)
	}
	return r, v, m, nil
}

// replayIndex lists a run's snapshots with their latent quality, for the
// step slider and the quality curves, each as the event stream's snapshot
// event describes it: GET /runs/:run/replay.
func (s *Server) replayIndex(c echo.Context) error {
	r, err := s.runs.Run(c.Param("run"))
	if err != nil {
		return err
	}
	snaps := []snapshotJSON{}
	for _, info := range r.Replay.Snapshots() {
		snaps = append(snaps, snapshotEvent(r.ID, r.Config.Epochs, info))
	}
	return c.JSON(http.StatusOK, struct {
		Run       string         `json:"run"`
		Snapshots []snapshotJSON `json:"snapshots"`
	}{r.ID, snaps})
}

// curve lists the training curve saved in a run's folder as the event
// stream's step events, for the loss chart of a run whose events this server
// did not see (trained by the command line or before a restart):
// GET /runs/:run/steps.json.
func (s *Server) curve(c echo.Context) error {
	r, err := s.runs.Run(c.Param("run"))
	if err != nil {
		return err
	}
	points, err := r.Curve()
	if err != nil {
		return err
	}
	steps := make([]stepJSON, len(points))
	for i, p := range points {
		steps[i] = stepEvent(r.ID, r.Config.Epochs, p)
	}
	return c.JSON(http.StatusOK, steps)
}

// mapHeader is the start of a map.bin: the number of points and the bounds
// the page draws them in.
type mapHeader struct {
	N                      uint32
	MinX, MaxX, MinY, MaxY float32
}

// mapBinary serves a map for the page's canvas, as encodeMap writes it:
// GET /runs/:run/map.bin?step=&basis=&points=.
func (s *Server) mapBinary(c echo.Context) error {
	r, v, m, err := s.replayMap(c)
	if err != nil {
		return err
	}
	frame := m
	if v.Basis != v.Step {
		if frame, err = r.Replay.Map(v.Basis, v.Basis, explore.TestPoints); err != nil {
			return err
		}
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "max-age=3600, immutable") // a snapshot never changes
	return c.Blob(http.StatusOK, echo.MIMEOctetStream, encodeMap(m, frame))
}

// encodeMap writes map m little-endian: a mapHeader, then x, y and σ
// (float32) of each point, then each point's label (uint8), then the number
// K of the mixture prior's component means (uint32, 0 under N(0, I)) and
// their x, y (float32). The bounds are those of frame, the basis step's own
// map, widened to hold m's points and prior means, so that replaying in a
// fixed basis keeps a fixed frame unless points leave it.
func encodeMap(m, frame *explore.Map) []byte {
	h := mapHeader{N: uint32(len(m.XY)), MinX: math.MaxFloat32, MaxX: -math.MaxFloat32, MinY: math.MaxFloat32, MaxY: -math.MaxFloat32}
	for _, xys := range [][][2]float64{frame.XY, m.XY, frame.PriorXY, m.PriorXY} {
		for _, p := range xys {
			h.MinX, h.MaxX = min(h.MinX, float32(p[0])), max(h.MaxX, float32(p[0]))
			h.MinY, h.MaxY = min(h.MinY, float32(p[1])), max(h.MaxY, float32(p[1]))
		}
	}
	var b bytes.Buffer
	b.Grow(20 + 13*len(m.XY) + 4 + 8*len(m.PriorXY))
	put := func(x any) { _ = binary.Write(&b, binary.LittleEndian, x) } // writes to a bytes.Buffer do not fail
	put(h)
	xys := make([]float32, 0, 3*len(m.XY))
	for i, p := range m.XY {
		xys = append(xys, float32(p[0]), float32(p[1]), float32(m.Spread[i]))
	}
	put(xys)
	b.Write(m.Labels)
	put(uint32(len(m.PriorXY)))
	prior := make([]float32, 0, 2*len(m.PriorXY))
	for _, p := range m.PriorXY {
		prior = append(prior, float32(p[0]), float32(p[1]))
	}
	put(prior)
	return b.Bytes()
}

// floatParam parses a finite number of magnitude below 1e6, a map coordinate.
func floatParam(c echo.Context, name string) (float64, error) {
	s := c.QueryParam(name)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(math.Abs(f) < 1e6) {
		return 0, badRequest("%s must be a map coordinate, a number between -1e6 and 1e6 (got %q)", name, s)
	}
	return f, nil
}

// replayModel is the replay card of a view; with no snapshot yet, it says
// when the map will come.
func replayModel(r *explore.Run, v viewState, err error) templates.Replay {
	if err != nil { // the view the script starts from at the first snapshot
		v = viewState{Run: r.ID, Points: explore.TestPoints, Select: -1, K: defaultK}
	}
	p := templates.Replay{Base: runURL(r, ""), Step: v.Step, Basis: v.Basis, Select: v.Select, K: v.K, Points: string(v.Points),
		Classes: data.ClassNames(r.Config.Dataset),
		PointSets: []templates.Option{
			{Value: string(explore.TestPoints), Label: fmt.Sprintf("test (%d images)", r.Test.Len())},
			{Value: string(explore.AllPoints), Label: fmt.Sprintf("test and training (%d images)", r.Test.Len()+r.Train.Len())},
		}}
	if err != nil {
		p.Empty = "No snapshot yet: the map appears at the first snapshot (every snapshot_every steps, and at each epoch's end)."
		return p
	}
	for _, s := range r.Replay.Snapshots() {
		p.Steps = append(p.Steps, templates.ReplayStep{Step: s.Step, Epoch: s.Epoch, Label: fmt.Sprintf("step %d, epoch %d", s.Step, s.Epoch)})
	}
	p.PageURL, p.ExportPNG, p.ExportCSV, p.ViewJSON = v.pageURL(), v.runURL("/export.png"), v.runURL("/export.csv"), v.runURL("/view.json")
	return p
}

// mapPoint describes point i of a map.
func mapPoint(r *explore.Run, m *explore.Map, i int, shared bool) templates.MapPoint {
	split, index, _ := r.Replay.Locate(m.Points, i) // i is a point of m
	return templates.MapPoint{Point: i, Shared: shared,
		Digit: digitModel(r, split, index, data.ClassNames(r.Config.Dataset)[m.Labels[i]], "")}
}

// compareFragment sets the selected point's neighbours in μ space beside its
// neighbours on the map: GET /runs/:run/compare?<view with select>.
func (s *Server) compareFragment(c echo.Context) error {
	r, v, m, err := s.replayMap(c)
	if err != nil {
		return err
	}
	if v.Select < 0 {
		return badRequest("select is missing: give the point to compare, e.g. ?select=0")
	}
	cmp, err := m.Compare(v.Select, v.K)
	if err != nil {
		return badRequest("%s", err.Error())
	}
	n := templates.MapNeighbours{Query: mapPoint(r, m, v.Select, true), K: v.K, Overlap: cmp.Overlap}
	for _, nb := range cmp.Latent {
		n.Latent = append(n.Latent, mapPoint(r, m, nb.Index, cmp.InBoth(nb.Index)))
	}
	for _, nb := range cmp.Plane {
		n.Plane = append(n.Plane, mapPoint(r, m, nb.Index, cmp.InBoth(nb.Index)))
	}
	return render(c, http.StatusOK, templates.MapNeighboursPanel(n))
}
