package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// keepAlive is how often an idle stream sends a comment, so proxies and
// browsers keep it open.
const keepAlive = 15 * time.Second

// writeWait bounds one write of the event stream: a viewer that stops
// reading is let go instead of holding its goroutine.
const writeWait = 2 * keepAlive

// events streams the hub's history, then every new event, until the viewer
// leaves or is dropped for being too slow. The server's WriteTimeout would
// cut the stream (echo's SSE recipe disconnects after 30 s), so each write
// gets its own deadline instead.
func (s *Server) events(c echo.Context) error {
	w := c.Response()
	rc := http.NewResponseController(w)
	// Not every ResponseWriter supports deadlines (test recorders do not);
	// the stream works without one.
	extend := func() { _ = rc.SetWriteDeadline(time.Now().Add(writeWait)) }
	extend()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set(echo.HeaderCacheControl, "no-cache")
	w.Header().Set(echo.HeaderConnection, "keep-alive")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	history, ch := s.hub.subscribe()
	defer s.hub.unsubscribe(ch)
	for _, ev := range history {
		if err := writeEvent(w, ev); err != nil {
			return nil
		}
	}
	w.Flush()
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-ch:
			extend()
			if !ok {
				return nil // dropped as too slow; the browser reconnects and replays
			}
			if err := writeEvent(w, ev); err != nil {
				return nil
			}
		case <-tick.C:
			extend()
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
		}
		w.Flush()
	}
}

// writeEvent writes one event in SSE framing: its name, one data line (the
// JSON has no newlines) and a blank line.
func writeEvent(w http.ResponseWriter, ev event) error {
	_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.name, ev.data)
	return err
}
