package web

import (
	"encoding/json"
	"sync"

	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/rundir"
)

// event is one server-sent event: its name and its JSON data.
type event struct {
	name string
	data []byte
}

// Hub fans training updates out to SSE viewers. Each viewer has a buffered
// channel; one that falls behind by a whole buffer is dropped rather than
// waited for, so no viewer ever slows training or the others. The hub keeps a
// history so that a viewer who joins late sees the curves from the start.
type Hub struct {
	mu         sync.Mutex
	history    []event
	maxHistory int
	subs       map[chan event]struct{}
}

// Hub sizes: the history keeps every epoch and state event and thins step
// events (every other one of the older half) when it grows past maxHistory.
const (
	defaultMaxHistory = 20000
	subscriberBuffer  = 1024
)

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{maxHistory: defaultMaxHistory, subs: map[chan event]struct{}{}}
}

// Publish implements explore.Publisher; it never blocks.
func (h *Hub) Publish(u explore.Update) {
	ev := encodeUpdate(u)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.history = append(h.history, ev)
	if len(h.history) > h.maxHistory {
		h.history = thinSteps(h.history)
	}
	for ch := range h.subs {
		select {
		case ch <- ev:
		default: // too slow: drop it; its handler sees the closed channel and ends
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// subscribe returns the history so far and a channel of later events. The
// channel is closed when the viewer is dropped or unsubscribes.
func (h *Hub) subscribe() ([]event, chan event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := make(chan event, subscriberBuffer)
	h.subs[ch] = struct{}{}
	return append([]event(nil), h.history...), ch
}

func (h *Hub) unsubscribe(ch chan event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// Viewers returns the number of connected viewers.
func (h *Hub) Viewers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// thinSteps drops every other step event from the older half of the history.
func thinSteps(hist []event) []event {
	half := len(hist) / 2
	out := make([]event, 0, len(hist))
	odd := false
	for i, ev := range hist {
		if i < half && ev.name == string(explore.StepUpdate) {
			odd = !odd
			if odd {
				continue
			}
		}
		out = append(out, ev)
	}
	return out
}

// The JSON shapes of the events, as static/app.js reads them.
type (
	stepJSON struct {
		Run    string       `json:"run"`
		Epoch  int          `json:"epoch"`
		Epochs int          `json:"epochs"`
		Step   int          `json:"step"`
		Steps  int          `json:"steps"`
		X      float64      `json:"x"` // fractional epoch
		Terms  engine.Terms `json:"terms"`
	}
	epochJSON struct {
		Run             string       `json:"run"`
		Epoch           int          `json:"epoch"`
		Epochs          int          `json:"epochs"`
		TripletAccuracy float64      `json:"triplet_accuracy"`
		TestNELBO       float64      `json:"test_nelbo"`
		Train           engine.Terms `json:"train"`
	}
	snapshotJSON struct {
		Run      string               `json:"run"`
		Step     int                  `json:"step"` // counted across epochs
		Epoch    int                  `json:"epoch"`
		Epochs   int                  `json:"epochs"`
		X        float64              `json:"x"` // fractional epoch, as for steps
		EpochEnd bool                 `json:"epoch_end"`
		Quality  engine.LatentQuality `json:"quality"`
	}
	stateJSON struct {
		Run    string `json:"run"`
		State  string `json:"state"`
		Epoch  int    `json:"epoch"`
		Epochs int    `json:"epochs"`
		Error  string `json:"error"`
	}
)

// snapshotEvent is a snapshot as the event stream and the replay index
// (GET /runs/:run/replay) both describe it.
func snapshotEvent(run string, epochs int, s rundir.SnapshotInfo) snapshotJSON {
	x := float64(s.Epoch)
	if s.EpochSteps > 0 {
		x = float64(s.Step) / float64(s.EpochSteps)
	}
	return snapshotJSON{run, s.Step, s.Epoch, epochs, x, s.EpochEnd, s.Quality}
}

// stepEvent is a step as the event stream and the saved curve
// (GET /runs/:run/steps.json) both describe it.
func stepEvent(run string, epochs int, p rundir.StepPoint) stepJSON {
	return stepJSON{run, p.Epoch, epochs, p.Step, p.Steps, float64(p.Epoch-1) + float64(p.Step)/float64(p.Steps), p.Terms}
}

func encodeUpdate(u explore.Update) event {
	var v any
	switch u.Kind {
	case explore.StepUpdate:
		v = stepEvent(u.Run, u.Epochs, rundir.StepPoint{Epoch: u.Epoch, Step: u.Step, Steps: u.Steps, Terms: u.Terms})
	case explore.EpochUpdate:
		v = epochJSON{u.Run, u.Epoch, u.Epochs, u.Metrics.TripletAccuracy, u.Metrics.TestNELBO, u.Terms}
	case explore.SnapshotUpdate:
		v = snapshotEvent(u.Run, u.Epochs, *u.Snapshot)
	default:
		v = stateJSON{u.Run, string(u.State), u.Epoch, u.Epochs, u.Err}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of numbers and strings always marshal
	}
	return event{name: string(u.Kind), data: b}
}
