package web

import (
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// render writes a templ component as an HTML response.
func render(c echo.Context, code int, t templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(code)
	return t.Render(c.Request().Context(), c.Response())
}

// sendPNG writes a PNG; with ?download=1 as an attachment named file.
func sendPNG(c echo.Context, png []byte, file string) error {
	if c.QueryParam("download") != "" {
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+safeFileName(file)+`"`)
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, "image/png", png)
}

// intParam parses an integer query parameter, with a default when absent.
func intParam(c echo.Context, name string, def int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest("%s must be an integer (got %q)", name, v)
	}
	return n, nil
}

// fractionParam parses a query parameter that must lie in [0, 1].
func fractionParam(c echo.Context, name string) (float64, error) {
	v := c.QueryParam(name)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0 && f <= 1) {
		return 0, badRequest("%s must be a number between 0 and 1 (got %q)", name, v)
	}
	return f, nil
}

// safeFileName keeps letters, digits, '.', '-' and '_' and replaces the rest,
// since run names come from folder names and end up in a header.
func safeFileName(s string) string {
	b := []byte(s)
	for i, ch := range b {
		ok := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-' || ch == '_'
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}
