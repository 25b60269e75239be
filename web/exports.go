package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/plots"
)

// Exports of a replay view: a PNG that says where it comes from, the
// projected coordinates as CSV, and the view's state as JSON with the URL
// that reopens it. All three depend only on the query string and the run
// folder, so they come back the same after a restart.

// exportName is the file name stem of a view's exports.
func exportName(v viewState) string {
	return fmt.Sprintf("%s-step%d-basis%d-%s", v.Run, v.Step, v.Basis, v.Points)
}

// pointName says which image a point of m is: "test 12", "train 40017".
func pointName(r *explore.Run, m *explore.Map, i int) string {
	split, index, err := r.Replay.Locate(m.Points, i)
	if err != nil {
		return "point " + strconv.Itoa(i)
	}
	return split + " " + strconv.Itoa(index)
}

// provenance is the caption of an exported map: the run, the step, the
// projection, the selection, the configuration and the URL of the view.
func provenance(r *explore.Run, v viewState, m *explore.Map) []string {
	cfg := r.Config
	sel := "none"
	if v.Select >= 0 {
		sel = fmt.Sprintf("point %d (%s, %s)", v.Select, pointName(r, m, v.Select), data.ClassNames(cfg.Dataset)[m.Labels[v.Select]])
	}
	lines := []string{
		fmt.Sprintf("run %s · %s · step %d (epoch %d of %d) · points: %s, %d images · selected: %s",
			r.ID, strings.ToUpper(r.Model()), v.Step, m.Epoch, cfg.Epochs, v.Points, len(m.XY), sel),
		fmt.Sprintf("projection: first two principal axes of the test μ at step %d, fixed for the replay", v.Basis),
	}
	lines = append(lines, configLines(cfg)...)
	return append(lines, "view: "+v.pageURL())
}

// configLines are the configuration as a provenance caption states it, in
// two lines (one is wider than the figure): the model, then the loss.
func configLines(cfg engine.Config) []string {
	return []string{
		fmt.Sprintf("config: %s, hidden %v, latent %d, prior_components %d, batch %d, lr %g, seed %d",
			cfg.Dataset, cfg.Hidden, cfg.Latent, cfg.PriorComponents, cfg.BatchSize, cfg.LearningRate, cfg.Seed),
		fmt.Sprintf("loss: elbo_weight %g, triplet_weight %g, margin %g, norm_weight %g, triplet_mining %s, triplets_per_class %d, redraw %t",
			cfg.ELBOWeight, cfg.TripletWeight, cfg.Margin, cfg.NormWeight, cfg.TripletMining, cfg.TripletsPerClass, cfg.RedrawTriplets),
	}
}

// exportPNG draws the view's map with its provenance:
// GET /runs/:run/export.png?<view>.
func (s *Server) exportPNG(c echo.Context) error {
	r, v, m, err := s.replayMap(c)
	if err != nil {
		return err
	}
	out, err := s.pngs.get("export?"+v.query(), func() (rendered, error) {
		title := fmt.Sprintf("%s, step %d: %s μ in the PCA basis of step %d", r.ID, v.Step, v.Points, v.Basis)
		png, _, err := plots.CaptionedLatentMap(title, provenance(r, v, m), m.XY, m.Labels, data.ClassNames(r.Config.Dataset), v.Select, m.PriorXY)
		return rendered{png: png}, err
	})
	if err != nil {
		return err
	}
	return sendPNG(c, out.png, exportName(v)+".png")
}

// exportCSV writes the view's projected coordinates, one row per point:
// GET /runs/:run/export.csv?<view>.
func (s *Server) exportCSV(c echo.Context) error {
	r, v, m, err := s.replayMap(c)
	if err != nil {
		return err
	}
	names := data.ClassNames(r.Config.Dataset)
	var b bytes.Buffer
	b.Grow(48 * len(m.XY))
	b.WriteString("point,split,index,label,class,x,y,sigma\n")
	for i, p := range m.XY {
		split, index, _ := r.Replay.Locate(m.Points, i) // i is a point of m
		fmt.Fprintf(&b, "%d,%s,%d,%d,%s,%.6g,%.6g,%.6g\n", i, split, index, m.Labels[i], csvField(names[m.Labels[i]]), p[0], p[1], m.Spread[i])
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+safeFileName(exportName(v))+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

// csvField quotes a class name that holds a comma or a quote.
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// exportedView is the view-state JSON: the state itself, the URL that
// reopens it, the files exported beside it, and the neighbours shown.
type exportedView struct {
	viewState
	URL        string          `json:"url"`
	PNG        string          `json:"png"`
	CSV        string          `json:"csv"`
	Epoch      int             `json:"epoch"`
	Neighbours *viewNeighbours `json:"neighbours,omitempty"`
}

// viewNeighbours are the selected point's neighbours in μ space and on the
// map, as point indices, and how many they share.
type viewNeighbours struct {
	Latent  []int `json:"latent"`
	Plane   []int `json:"plane"`
	Overlap int   `json:"overlap"`
}

// viewJSON is the view's state as JSON: GET /runs/:run/view.json?<view>.
func (s *Server) viewJSON(c echo.Context) error {
	_, v, m, err := s.replayMap(c)
	if err != nil {
		return err
	}
	out := exportedView{viewState: v, URL: v.pageURL(), PNG: v.runURL("/export.png"), CSV: v.runURL("/export.csv"), Epoch: m.Epoch}
	if v.Select >= 0 {
		cmp, err := m.Compare(v.Select, v.K)
		if err != nil {
			return badRequest("%s", err.Error())
		}
		out.Neighbours = &viewNeighbours{indices(cmp.Latent), indices(cmp.Plane), cmp.Overlap}
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+safeFileName(exportName(v))+`.json"`)
	return c.JSONPretty(http.StatusOK, out, "  ")
}

func indices(ns []explore.Neighbour) []int {
	out := make([]int, len(ns))
	for i, n := range ns {
		out[i] = n.Index
	}
	return out
}
