// Package web is the explorer's HTTP side: an echo server that renders the
// templ pages, streams training progress over server-sent events and serves
// gonum/plot PNGs. It reads runs through the small Runs interface; training
// itself happens in package explore.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/explore"
)

// Runs is what the handlers need of the run manager.
type Runs interface {
	Runs() []*explore.Run
	Run(id string) (*explore.Run, error)
	Start(cfg engine.Config) (*explore.Run, error)
	Continue(id string) (*explore.Run, error)
}

// Server holds the handlers' dependencies.
type Server struct {
	runs Runs
	hub  *Hub
	pngs *pngCache
	echo *echo.Echo
	log  *slog.Logger
}

// NewServer returns a server over runs whose progress arrives through hub.
func NewServer(runs Runs, hub *Hub, log *slog.Logger) *Server {
	s := &Server{runs: runs, hub: hub, pngs: newPNGCache(256), log: log}
	s.echo = s.routes()
	return s
}

// Handler returns the HTTP handler, for tests and custom servers.
func (s *Server) Handler() http.Handler { return s.echo }

// Serve listens on addr until ctx is cancelled, then shuts down gracefully.
// ready, if not nil, receives the address actually listened on (useful with
// port 0).
func (s *Server) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web: cannot listen on %s: %v; pass a free --addr such as 127.0.0.1:8081", addr, err)
	}
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Long enough for a start request that downloads a dataset; the event
		// stream sets its own deadline per write instead (see events).
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		BaseContext:    func(net.Listener) context.Context { return ctx },
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
