package static

import (
	"io/fs"
	"strings"
	"testing"
)

func TestFSHoldsAssets(t *testing.T) {
	for _, name := range []string{"app.js", "style.css"} {
		b, err := fs.ReadFile(FS, name)
		if err != nil {
			t.Fatalf("reading %s: %v", name, err)
		}
		if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}

func TestAppHandlesEveryEvent(t *testing.T) {
	b, err := fs.ReadFile(FS, "app.js")
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	for _, name := range []string{"step", "epoch", "state"} {
		if want := `addEventListener("` + name + `"`; !strings.Contains(js, want) {
			t.Errorf("app.js does not listen to %q events (no %s)", name, want)
		}
	}
	for _, want := range []string{
		"new EventSource(", "requestAnimationFrame", "dataset.ready", "dataset.points",
		"data-pick", `"neighbours"`, "fx", "fy",
	} {
		if !strings.Contains(js, want) {
			t.Errorf("app.js does not mention %q", want)
		}
	}
}
