package web

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/explore"
)

func step(run string, i int) explore.Update {
	return explore.Update{Kind: explore.StepUpdate, Run: run, Epoch: 1, Epochs: 2, Step: i, Steps: 100, Terms: engine.Terms{Total: float64(i)}}
}

func TestHubReplaysHistoryThenStreams(t *testing.T) {
	h := NewHub()
	h.Publish(step("a", 1))
	h.Publish(explore.Update{Kind: explore.StateUpdate, Run: "a", State: explore.Paused})
	hist, ch := h.subscribe()
	defer h.unsubscribe(ch)
	if len(hist) != 2 || hist[0].name != "step" || hist[1].name != "state" {
		t.Fatalf("history %+v", hist)
	}
	h.Publish(step("a", 2))
	select {
	case ev := <-ch:
		var got stepJSON
		if err := json.Unmarshal(ev.data, &got); err != nil || got.Step != 2 || got.Run != "a" || got.X != 0.02 || got.Terms.Total != 2 {
			t.Fatalf("event %s %s (%v)", ev.name, ev.data, err)
		}
	case <-time.After(time.Second):
		t.Fatal("no event")
	}
	if h.Viewers() != 1 {
		t.Fatalf("%d viewers, want 1", h.Viewers())
	}
}

// A viewer that never reads is dropped once its buffer is full, and
// publishing never waits for it; a reading viewer gets every event.
func TestHubDropsSlowViewer(t *testing.T) {
	h := NewHub()
	_, slow := h.subscribe()
	_, fast := h.subscribe()
	const total = subscriberBuffer + 10
	for i := 0; i < total; i++ {
		h.Publish(step("a", i)) // would block forever if the hub waited for slow
		select {
		case <-fast: // the fast viewer keeps up, one event at a time
		case <-time.After(time.Second):
			t.Fatalf("fast viewer missed event %d", i)
		}
	}
	n := 0
	for range slow {
		n++
	}
	if n != subscriberBuffer {
		t.Fatalf("slow viewer got %d events before being dropped, want %d", n, subscriberBuffer)
	}
	if h.Viewers() != 1 {
		t.Fatalf("%d viewers, want only the fast one", h.Viewers())
	}
}

func TestHubThinsOldStepsButKeepsEpochsAndStates(t *testing.T) {
	h := NewHub()
	h.maxHistory = 100
	for i := 0; i < 300; i++ {
		if i%50 == 0 {
			h.Publish(explore.Update{Kind: explore.EpochUpdate, Run: "a", Epoch: i / 50, Metrics: &engine.EpochMetrics{}})
			h.Publish(explore.Update{Kind: explore.StateUpdate, Run: "a", State: explore.Running})
		}
		h.Publish(step("a", i))
	}
	hist, ch := h.subscribe()
	h.unsubscribe(ch)
	if len(hist) > h.maxHistory {
		t.Fatalf("history of %d events, limit %d", len(hist), h.maxHistory)
	}
	counts := map[string]int{}
	lastStep := -1
	for _, ev := range hist {
		counts[ev.name]++
		if ev.name == "step" {
			var s stepJSON
			json.Unmarshal(ev.data, &s)
			if s.Step <= lastStep {
				t.Fatalf("steps out of order: %d after %d", s.Step, lastStep)
			}
			lastStep = s.Step
		}
	}
	if counts["epoch"] != 6 || counts["state"] != 6 || lastStep != 299 {
		t.Fatalf("kept %v, last step %d", counts, lastStep)
	}
}

func TestEncodeUpdateShapes(t *testing.T) {
	m := &engine.EpochMetrics{Epoch: 3, TripletAccuracy: 0.9, TestNELBO: 101.5}
	for _, tc := range []struct {
		u    explore.Update
		want string
	}{
		{step("r", 50), `{"run":"r","epoch":1,"epochs":2,"step":50,"steps":100,"x":0.5,"terms":{"total":50,"bce":0,"kl":0,"triplet":0,"norm":0}}`},
		{explore.Update{Kind: explore.EpochUpdate, Run: "r", Epoch: 3, Epochs: 10, Metrics: m}, `{"run":"r","epoch":3,"epochs":10,"triplet_accuracy":0.9,"test_nelbo":101.5,"train":{"total":0,"bce":0,"kl":0,"triplet":0,"norm":0}}`},
		{explore.Update{Kind: explore.StateUpdate, Run: "r", State: explore.Failed, Err: "engine: boom"}, `{"run":"r","state":"failed","epoch":0,"epochs":0,"error":"engine: boom"}`},
	} {
		ev := encodeUpdate(tc.u)
		if ev.name != string(tc.u.Kind) || string(ev.data) != tc.want {
			t.Errorf("%s: got %s %s, want %s", tc.u.Kind, ev.name, ev.data, tc.want)
		}
	}
}
