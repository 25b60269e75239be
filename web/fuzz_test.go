package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzQueryParameters sends any query string to every GET endpoint that
// reads parameters: the answer is never a server error, and an error is one line.
func FuzzQueryParameters(f *testing.F) {
	for _, seed := range []string{"index=1&k=5", "index=-1", "k=99999999999999999999", "fx=0.5&fy=NaN", "split=train&index=59999", "highlight=3", "index=%zz", "download=1&index=0", "step=3&basis=8&points=all&select=10005", "x=1e300&y=-0", "a=1&b=2&n=32", "select=-2&k=100"} {
		f.Add(uint8(0), seed)
	}
	paths := []string{"/api/neighbors", "/runs/ID/pick", "/runs/ID/neighbours", "/runs/ID/neighbours.png", "/runs/ID/plots/latent.png", "/runs/ID/digits/test/5.png", "/",
		"/runs/ID/map.bin", "/runs/ID/compare", "/runs/ID/decode.png", "/runs/ID/interpolate.png", "/runs/ID/export.png", "/runs/ID/export.csv", "/runs/ID/view.json"}
	// Built before fuzzing starts: training the shared run takes longer than
	// the fuzzer lets one input run.
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		req := httptest.NewRequest("GET", strings.Replace(paths[int(which)%len(paths)], "ID", fx.run.ID, 1), nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		fx.srv.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET %s?%s: %d %s", req.URL.Path, query, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && strings.Contains(strings.TrimSpace(rec.Body.String()), "\n") && !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s?%s: %d with a multi-line message %q", req.URL.Path, query, rec.Code, rec.Body)
		}
	})
}
