package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/tvae/tvae/static"
)

// routes lists every route of the explorer.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true}))
	e.Use(middleware.BodyLimit("64K"))
	// State changes are POSTs; refuse them from other sites' pages (Fetch
	// metadata and Origin checks), so a stray page cannot start or stop runs.
	e.Use(echo.WrapMiddleware(http.NewCrossOriginProtection().Handler))
	e.Use(securityHeaders)

	e.GET("/", s.page)
	e.GET("/events", s.events)
	e.StaticFS("/static", static.FS)

	e.POST("/runs", s.startRun)
	e.POST("/runs/:run/pause", s.control(pauseRun))
	e.POST("/runs/:run/resume", s.control(resumeRun))
	e.POST("/runs/:run/stop", s.control(stopRun))
	e.POST("/runs/:run/continue", s.continueRun)

	e.GET("/runs/:run/plots/:plot", s.plot) // loss.png, latent.png, reconstructions.png, samples.png
	e.GET("/runs/:run/steps.json", s.curve)
	e.GET("/runs/:run/pick", s.pick)
	e.GET("/runs/:run/final", s.finalFragment)
	e.GET("/runs/:run/neighbours", s.neighboursFragment)
	e.GET("/runs/:run/neighbours.png", s.neighboursPNG)
	e.GET("/runs/:run/digits/:split/:index", s.digit) // <index>.png or <index>-reconstruction.png

	// The replay: every view takes step, basis, points, select and k (see viewState).
	e.GET("/runs/:run/replay", s.replayIndex)
	e.GET("/runs/:run/map.bin", s.mapBinary)
	e.GET("/runs/:run/compare", s.compareFragment)
	e.GET("/runs/:run/decode.png", s.decodePNG)
	e.GET("/runs/:run/interpolate.png", s.interpolatePNG)
	e.GET("/runs/:run/export.png", s.exportPNG)
	e.GET("/runs/:run/export.csv", s.exportCSV)
	e.GET("/runs/:run/view.json", s.viewJSON)

	e.GET("/api/runs", s.apiRuns)
	e.GET("/api/neighbors", s.apiNeighbours)

	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/api/stats", s.stats)
	return e
}

// contentSecurityPolicy allows only the explorer's own scripts, styles,
// images and event stream.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}
