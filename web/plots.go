package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/plots"
)

// Sizes of the image plots.
const (
	reconstructionPairs = 16 // test digits shown beside their reconstructions
	sampleCount         = 32
	sampleSeed          = 7 // fixed, so samples change only as the model does
	gridColumns         = 8
	digitScale          = 3
)

// plot serves one of the run's plots as PNG.
func (s *Server) plot(c echo.Context) error {
	r, err := s.runs.Run(c.Param("run"))
	if err != nil {
		return err
	}
	name, ok := strings.CutSuffix(c.Param("plot"), ".png")
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "plots are PNG files: loss.png, accuracy.png, latent.png, reconstructions.png or samples.png")
	}
	var out rendered
	switch name {
	case "loss", "accuracy":
		out, err = s.curves(r, name)
	case "latent":
		var hl int
		if hl, err = intParam(c, "highlight", -1); err != nil {
			return err
		}
		out, err = s.latentMap(r, hl)
	case "reconstructions", "samples":
		out, err = s.imagePlot(r, name)
	default:
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no plot %q: choose loss, accuracy, latent, reconstructions or samples", name))
	}
	if errors.Is(err, explore.ErrNoView) {
		// Before the first epoch the page still shows a picture, not a broken image.
		out.png, err = plots.LossCurves(r.ID+": waiting for the first epoch", "", nil)
	}
	if err != nil {
		return err
	}
	return sendPNG(c, out.png, fmt.Sprintf("%s-epoch%d-%s.png", r.ID, r.Status().Epoch, name))
}

// curves draws per-epoch training curves: the objective's weighted terms
// (which add up to the total) or the test triplet accuracy.
func (s *Server) curves(r *explore.Run, name string) (rendered, error) {
	st := r.Status()
	key := fmt.Sprintf("%s/%d/%s", r.ID, len(st.History), name)
	return s.pngs.get(key, func() (rendered, error) {
		cfg := r.Config
		var series []plots.Series
		add := func(name string, f func(i int) float64) {
			s := plots.Series{Name: name}
			for i, m := range st.History {
				s.X, s.Y = append(s.X, float64(m.Epoch)), append(s.Y, f(i))
			}
			series = append(series, s)
		}
		var png []byte
		var err error
		if name == "loss" {
			add("total", func(i int) float64 { return st.History[i].Train.Total })
			add(fmt.Sprintf("%g × (BCE + KL)", cfg.ELBOWeight), func(i int) float64 { return cfg.ELBOWeight * st.History[i].Train.NELBO() })
			if cfg.IsTriplet() {
				add(fmt.Sprintf("%g × triplet", cfg.TripletWeight), func(i int) float64 { return cfg.TripletWeight * st.History[i].Train.Triplet })
				add(fmt.Sprintf("%g × ‖μ‖", cfg.NormWeight), func(i int) float64 { return cfg.NormWeight * st.History[i].Train.Norm })
			}
			png, err = plots.LossCurves(r.ID+": training objective per epoch", "loss", series)
		} else {
			add("triplet accuracy (test)", func(i int) float64 { return 100 * st.History[i].TripletAccuracy })
			png, err = plots.LossCurves(r.ID+": triplet accuracy on the test triplets", "%", series)
		}
		return rendered{png: png}, err
	})
}

// latentMap draws the test means' principal plane, highlighting one point.
func (s *Server) latentMap(r *explore.Run, highlight int) (rendered, error) {
	v, err := r.View()
	if err != nil {
		return rendered{}, err
	}
	if highlight < -1 || highlight >= len(v.Map) {
		return rendered{}, badRequest("highlight must be a test index below %d (got %d)", len(v.Map), highlight)
	}
	key := fmt.Sprintf("%s/%d/latent/%d", r.ID, v.Epoch, highlight)
	return s.pngs.get(key, func() (rendered, error) {
		caption := []string{
			fmt.Sprintf("run %s · %s · epoch %d of %d · points: test, %d images", r.ID, strings.ToUpper(r.Model()), v.Epoch, r.Config.Epochs, len(v.Map)),
			"projection: first two principal axes of this epoch's test μ",
		}
		caption = append(caption, configLines(r.Config)...)
		png, frame, err := plots.CaptionedLatentMap(fmt.Sprintf("%s, epoch %d: test μ, PCA", r.ID, v.Epoch), caption, v.Map, v.Test.Labels, data.ClassNames(r.Config.Dataset), highlight, v.PriorMap)
		return rendered{png: png, frame: frame}, err
	})
}

// imagePlot draws reconstructions of the first test digits or prior samples.
func (s *Server) imagePlot(r *explore.Run, name string) (rendered, error) {
	v, err := r.View()
	if err != nil {
		return rendered{}, err
	}
	key := fmt.Sprintf("%s/%d/%s", r.ID, v.Epoch, name)
	return s.pngs.get(key, func() (rendered, error) {
		var images [][]float32
		var captions []string
		title := fmt.Sprintf("%s, epoch %d: ", r.ID, v.Epoch)
		if name == "samples" {
			images = v.Samples(sampleCount, sampleSeed)
			title += "samples from the prior"
		} else {
			n := min(reconstructionPairs, v.Test.Len())
			for row := 0; row < n; row += gridColumns {
				end := min(row+gridColumns, n)
				for i := row; i < end; i++ {
					images = append(images, v.Test.Image(i))
					captions = append(captions, "test "+strconv.Itoa(i))
				}
				for i := row; i < end; i++ {
					rec, _ := v.Reconstruction("test", i) // i is in range
					images = append(images, rec)
					captions = append(captions, "reconstruction")
				}
			}
			title += "test digits and reconstructions"
		}
		png, err := plots.ImageGrid(title, images, v.Test.Rows, v.Test.Cols, gridColumns, captions)
		return rendered{png: png}, err
	})
}

// neighboursPNG draws a query, its reconstruction and its neighbours in a row.
func (s *Server) neighboursPNG(c echo.Context) error {
	r, err := s.runs.Run(c.Param("run"))
	if err != nil {
		return err
	}
	q, err := neighbourQuery(c, r)
	if err != nil {
		return err
	}
	ds, _, _ := q.view.Split(q.split)
	rec, _ := q.view.Reconstruction(q.split, q.index)
	names := data.ClassNames(r.Config.Dataset)
	images := [][]float32{ds.Image(q.index), rec}
	captions := []string{"query: " + names[ds.Labels[q.index]], "reconstruction"}
	for _, nb := range q.found {
		images = append(images, q.view.Train.Image(nb.Index))
		captions = append(captions, fmt.Sprintf("%s  d=%.2f", names[nb.Label], nb.Distance))
	}
	title := fmt.Sprintf("%s, epoch %d: %d nearest training images in μ space to %s image %d", r.ID, q.view.Epoch, q.k, q.split, q.index)
	png, err := plots.ImageGrid(title, images, ds.Rows, ds.Cols, min(len(images), 6), captions)
	if err != nil {
		return err
	}
	return sendPNG(c, png, fmt.Sprintf("%s-epoch%d-neighbours-%s%d.png", r.ID, q.view.Epoch, q.split, q.index))
}

// digit serves one image, or its reconstruction, as a small PNG:
// /runs/:run/digits/:split/<index>.png or <index>-reconstruction.png.
func (s *Server) digit(c echo.Context) error {
	r, err := s.runs.Run(c.Param("run"))
	if err != nil {
		return err
	}
	name, ok := strings.CutSuffix(c.Param("index"), ".png")
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "digit images are <index>.png or <index>-reconstruction.png")
	}
	name, recon := strings.CutSuffix(name, "-reconstruction")
	index, err := strconv.Atoi(name)
	if err != nil {
		return badRequest("image index must be an integer (got %q)", name)
	}
	split := c.Param("split")
	var ds *data.Dataset
	switch split {
	case "train":
		ds = r.Train
	case "test":
		ds = r.Test
	default:
		return badRequest("split must be train or test (got %q)", split)
	}
	if index < 0 || index >= ds.Len() {
		return badRequest("index %d is out of range: %s has %d images", index, split, ds.Len())
	}
	pixels := ds.Image(index)
	if recon {
		v, err := r.View()
		if err != nil {
			return err
		}
		if pixels, err = v.Reconstruction(split, index); err != nil {
			return err
		}
	}
	png, err := plots.Digit(pixels, ds.Rows, ds.Cols, digitScale)
	if err != nil {
		return err
	}
	return sendPNG(c, png, fmt.Sprintf("%s-%s%d.png", r.ID, split, index))
}
