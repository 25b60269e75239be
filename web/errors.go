package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/templates"
)

// badRequest is a mistake in a request the user can fix.
func badRequest(format string, args ...any) error {
	return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// status maps an error to an HTTP status and a one-line message.
func status(err error) (int, string) {
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		if msg, ok := he.Message.(string); ok {
			return he.Code, msg
		}
		return he.Code, http.StatusText(he.Code)
	case errors.Is(err, explore.ErrNoSnapshot):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, explore.ErrNoRun):
		return http.StatusNotFound, "no such run; see / for the list of runs"
	case errors.Is(err, explore.ErrState), errors.Is(err, explore.ErrNoView):
		return http.StatusConflict, err.Error()
	}
	return http.StatusInternalServerError, "internal error: " + err.Error()
}

// handleError answers every failed request: JSON for /api, a text fragment
// for fragments and images, an HTML page otherwise.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg := status(err)
	if code >= 500 {
		s.log.Error("request failed", "path", c.Request().URL.Path, "err", err)
	}
	req := c.Request()
	switch {
	case strings.HasPrefix(req.URL.Path, "/api/"):
		err = c.JSON(code, map[string]string{"error": msg})
	case req.Method == http.MethodGet && !strings.Contains(req.Header.Get(echo.HeaderAccept), "text/html"):
		err = c.String(code, msg)
	default:
		err = render(c, code, templates.ErrorPage(code, msg))
	}
	if err != nil {
		s.log.Error("writing error response", "err", err)
	}
}
