package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/templates"
)

// defaultK is the number of neighbours shown when k is not given.
const defaultK = 10

// query is a validated neighbour query on one run's current view.
type query struct {
	run   *explore.Run
	view  *explore.View
	split string
	index int
	k     int
	found []explore.Neighbour
}

// neighbourQuery reads split (default test), index and k (default 10) and
// runs the search.
func neighbourQuery(c echo.Context, r *explore.Run) (*query, error) {
	q := &query{run: r, split: c.QueryParam("split")}
	if q.split == "" {
		q.split = "test"
	}
	if q.split != "train" && q.split != "test" {
		return nil, badRequest("split must be train or test (got %q)", q.split)
	}
	var err error
	if q.index, err = intParam(c, "index", -1); err != nil {
		return nil, err
	}
	if c.QueryParam("index") == "" {
		return nil, badRequest("index is missing: give the image's index in the split, e.g. ?index=0")
	}
	if q.k, err = intParam(c, "k", defaultK); err != nil {
		return nil, err
	}
	return q, q.search()
}

func (q *query) search() error {
	v, err := q.run.View()
	if err != nil {
		return err
	}
	q.view = v
	q.found, err = v.Neighbours(q.split, q.index, q.k)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	return nil
}

func (q *query) label(split string, index int) int {
	ds, _, _ := q.view.Split(split)
	return int(ds.Labels[index])
}

// model is the query as the neighbours panel shows it.
func (q *query) model() *templates.Neighbours {
	names := data.ClassNames(q.run.Config.Dataset)
	n := &templates.Neighbours{
		Query:          digitModel(q.run, q.split, q.index, names[q.label(q.split, q.index)], ""),
		Reconstruction: runURL(q.run, fmt.Sprintf("/digits/%s/%d-reconstruction.png", q.split, q.index)),
		DownloadURL:    runURL(q.run, fmt.Sprintf("/neighbours.png?split=%s&index=%d&k=%d&download=1", q.split, q.index, q.k)),
		JSONURL:        fmt.Sprintf("/api/neighbors?run=%s&split=%s&index=%d&k=%d", q.run.ID, q.split, q.index, q.k),
	}
	for _, nb := range q.found {
		n.Items = append(n.Items, digitModel(q.run, "train", nb.Index, names[nb.Label], fmt.Sprintf("%.3f", nb.Distance)))
	}
	return n
}

func (s *Server) neighboursModel(c echo.Context, r *explore.Run) (*templates.Neighbours, error) {
	q, err := neighbourQuery(c, r)
	if err != nil {
		return nil, err
	}
	return q.model(), nil
}

// neighboursFragment returns the neighbours panel alone, for the page's script.
func (s *Server) neighboursFragment(c echo.Context) error {
	r, err := s.runs.Run(c.Param("run"))
	if err != nil {
		return err
	}
	n, err := s.neighboursModel(c, r)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.NeighboursPanel(*n))
}

// pick answers a click on the latent map at image fractions (fx, fy) with
// the neighbours panel of the nearest test point.
func (s *Server) pick(c echo.Context) error {
	r, err := s.runs.Run(c.Param("run"))
	if err != nil {
		return err
	}
	fx, err := fractionParam(c, "fx")
	if err != nil {
		return err
	}
	fy, err := fractionParam(c, "fy")
	if err != nil {
		return err
	}
	m, err := s.latentMap(r, -1)
	if err != nil {
		return err
	}
	index, ok := m.frame.Nearest(fx, fy)
	if !ok {
		return echo.NewHTTPError(http.StatusConflict, "the map has no points yet")
	}
	q := &query{run: r, split: "test", index: index, k: defaultK}
	if err := q.search(); err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.NeighboursPanel(*q.model()))
}

// apiNeighbours is the neighbour query as JSON:
// GET /api/neighbors?index=I&k=K[&split=test|train][&run=ID]; run defaults to
// the newest run.
func (s *Server) apiNeighbours(c echo.Context) error {
	var r *explore.Run
	if id := c.QueryParam("run"); id != "" {
		var err error
		if r, err = s.runs.Run(id); err != nil {
			return err
		}
	} else {
		runs := s.runs.Runs()
		if len(runs) == 0 {
			return echo.NewHTTPError(http.StatusNotFound, "no runs yet: start one on the page or with tvae serve --train")
		}
		r = runs[len(runs)-1]
	}
	q, err := neighbourQuery(c, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Run       string              `json:"run"`
		Epoch     int                 `json:"epoch"`
		Split     string              `json:"split"`
		Index     int                 `json:"index"`
		Label     int                 `json:"label"`
		Neighbors []explore.Neighbour `json:"neighbors"`
	}{r.ID, q.view.Epoch, q.split, q.index, q.label(q.split, q.index), q.found})
}
