package web

import (
	"net/http"
	"runtime"

	"github.com/labstack/echo/v4"
)

// stats reports the process's goroutines and memory, and the SSE viewers
// connected, as JSON. Load runs (benchmarks/load) and anyone watching a long
// training session use it to check that memory stays bounded and that
// goroutines return to their baseline once clients leave.
func (s *Server) stats(c echo.Context) error {
	var m runtime.MemStats
	runtime.ReadMemStats(&m) // stops the world briefly; fine at a poll a second
	return c.JSON(http.StatusOK, struct {
		Goroutines     int    `json:"goroutines"`
		HeapAllocBytes uint64 `json:"heap_alloc_bytes"`
		HeapSysBytes   uint64 `json:"heap_sys_bytes"`
		SysBytes       uint64 `json:"sys_bytes"`
		SSEViewers     int    `json:"sse_viewers"`
	}{runtime.NumGoroutine(), m.HeapAlloc, m.HeapSys, m.Sys, s.hub.Viewers()})
}
