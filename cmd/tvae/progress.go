package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/tvae/tvae/engine"
)

// progressBar draws one line per epoch, redrawn in place at most ten times a
// second, and leaves a summary line behind at each epoch end. On a
// sharedWriter it writes the summary lines only.
type progressBar struct {
	w          io.Writer
	label      string
	epochStart time.Time
	lastDraw   time.Time
	linesOnly  bool
}

func newProgressBar(w io.Writer, label string) *progressBar {
	_, shared := w.(*sharedWriter)
	return &progressBar{w: w, label: label, epochStart: time.Now(), linesOnly: shared}
}

// sharedWriter is a progress writer that runs training at once write to:
// one whole line per write, never a bar redrawn in place over another run's.
type sharedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *sharedWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

const barWidth = 24

func (p *progressBar) Record(e engine.Event) error {
	now := time.Now()
	if e.EpochDone {
		m := e.Metrics
		fmt.Fprintf(p.w, "\r%s epoch %d/%d: loss %.4f, triplet acc %.2f%%, test -ELBO %.2f (%.1fs)%s\n",
			p.label, e.Epoch, e.Epochs, e.Terms.Total, 100*m.TripletAccuracy, m.TestNELBO, m.Seconds, strings.Repeat(" ", 10))
		p.epochStart = now
		return nil
	}
	if p.linesOnly || now.Sub(p.lastDraw) < 100*time.Millisecond && e.Step != e.Steps {
		return nil
	}
	p.lastDraw = now
	done := barWidth * e.Step / e.Steps
	eta := time.Duration(float64(now.Sub(p.epochStart)) * float64(e.Steps-e.Step) / float64(e.Step)).Round(time.Second)
	fmt.Fprintf(p.w, "\r%s epoch %d/%d [%s%s] %3d%% loss %.4f eta %v ",
		p.label, e.Epoch, e.Epochs, strings.Repeat("#", done), strings.Repeat(" ", barWidth-done), 100*e.Step/e.Steps, e.Terms.Total, eta)
	return nil
}
