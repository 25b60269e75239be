package web

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/plots"
)

// decodePNG decodes the latent point behind a map position, with the weights
// of the view's step: GET /runs/:run/decode.png?step=&basis=&x=&y=.
func (s *Server) decodePNG(c echo.Context) error {
	r, v, m, err := s.replayMap(c)
	if err != nil {
		return err
	}
	x, err := floatParam(c, "x")
	if err != nil {
		return err
	}
	y, err := floatParam(c, "y")
	if err != nil {
		return err
	}
	pixels, err := r.Replay.DecodeAt(m, x, y)
	if err != nil {
		return err
	}
	rows, cols := r.Replay.Dims()
	png, err := plots.Digit(pixels, rows, cols, digitScale)
	if err != nil {
		return err
	}
	return sendPNG(c, png, fmt.Sprintf("%s-step%d-decoded.png", r.ID, v.Step))
}

// defaultInterpolation is the number of images of an interpolation strip.
const defaultInterpolation = 10

// interpolatePNG decodes the segment between the means of points a and b:
// GET /runs/:run/interpolate.png?step=&basis=&points=&a=&b=[&n=10].
func (s *Server) interpolatePNG(c echo.Context) error {
	r, v, m, err := s.replayMap(c)
	if err != nil {
		return err
	}
	var ab [2]int
	for i, name := range []string{"a", "b"} {
		if c.QueryParam(name) == "" {
			return badRequest("%s is missing: give two points of the map, e.g. ?a=0&b=1", name)
		}
		if ab[i], err = intParam(c, name, 0); err != nil {
			return err
		}
	}
	n, err := intParam(c, "n", defaultInterpolation)
	if err != nil {
		return err
	}
	images, err := r.Replay.Interpolate(m, ab[0], ab[1], n)
	if err != nil {
		return badRequest("%s", err.Error())
	}
	names := data.ClassNames(r.Config.Dataset)
	captions := make([]string, n)
	for i := range captions {
		captions[i] = fmt.Sprintf("t = %.2f", float64(i)/float64(n-1))
	}
	captions[0] = names[m.Labels[ab[0]]]
	captions[n-1] = names[m.Labels[ab[1]]]
	rows, cols := r.Replay.Dims()
	title := fmt.Sprintf("%s, step %d: decoded from μ of point %d to μ of point %d", r.ID, v.Step, ab[0], ab[1])
	png, err := plots.ImageGrid(title, images, rows, cols, n, captions)
	if err != nil {
		return err
	}
	return sendPNG(c, png, fmt.Sprintf("%s-step%d-interpolation-%d-%d.png", r.ID, v.Step, ab[0], ab[1]))
}
