package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStats(t *testing.T) {
	srv := NewServer(nil, NewHub(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/stats", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/stats: %d %s", rec.Code, rec.Body)
	}
	var got struct {
		Goroutines int    `json:"goroutines"`
		HeapAlloc  uint64 `json:"heap_alloc_bytes"`
		Viewers    *int   `json:"sse_viewers"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("GET /api/stats: %v in %s", err, rec.Body)
	}
	if got.Goroutines <= 0 || got.HeapAlloc == 0 || got.Viewers == nil || *got.Viewers != 0 {
		t.Errorf("GET /api/stats = %s; want positive goroutines and heap, 0 viewers", rec.Body)
	}
}
