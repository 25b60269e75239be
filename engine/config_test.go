package engine

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, wantErr string
		check               func(Config) bool
	}{
		{"empty gives defaults", "", "", func(c Config) bool { return c.Latent == 20 && c.Margin == 0.2 && c.ELBOWeight == 0.01 }},
		{"override", "epochs: 3\nhidden: [256, 128]\n", "", func(c Config) bool { return c.Epochs == 3 && len(c.Hidden) == 2 }},
		{"unknown key", "epoch: 3\n", "unknown key epoch (the keys are dataset, hidden,", nil},
		{"wrong type", "epochs: many\n", "`many` is not an integer", nil},
		{"not yaml", "epochs: [\n", "config", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(strings.NewReader(tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %q, want one line containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(c) {
				t.Fatalf("ParseConfig = %+v, %v", c, err)
			}
		})
	}
}

func TestConfigSetAndValidate(t *testing.T) {
	for _, tc := range []struct {
		set, wantErr string
	}{
		{"epochs=2", ""},
		{"margin=0.5", ""},
		{"hidden=[64,32]", ""},
		{"epochs", "want key=value"},
		{"nosuchkey=1", "unknown key nosuchkey (the keys are"},
		{"epochs=two", "`two` is not an integer"},
		{"epochs=0", "epochs must be >= 1"},
		{"margin=-1", "margin must be >= 0"},
		{"latent=0", "latent must be >= 1"},
		{"prior_components=-1", "prior_components must be >= 0"},
		{"dataset=cifar", "not mnist or fashion-mnist"},
		{"learning_rate=0", "learning_rate must be > 0"},
		{"hidden=[]", "hidden must list"},
		{"triplet_mining=batch-hard", ""},
		{"triplet_mining=semi-hard", ""},
		{"triplet_mining=batch-all", ""},
		{"triplet_mining=batch-all-mean", ""},
		{"triplet_mining=hardest", `triplet_mining "hardest" is not list, batch-all, batch-all-mean, batch-hard or semi-hard`},
		{"distance=cosine", ""},
		{"distance=squared", ""},
		{"distance=manhattan", `distance "manhattan" is not euclidean, squared or cosine`},
		{"soft_margin=true", ""},
		{"triplet_on=z", ""},
		{"triplet_on=x", `triplet_on "x" is not mu or z`},
		{"elbo_on_batch=true", "elbo_on_batch needs an online triplet_mining"},
		{"kl_weight=-1", "kl_weight must be >= 0"},
		{"augment_shift=-1", "augment_shift must be >= 0"},
		{"kl_warmup_epochs=-2", "kl_warmup_epochs must be >= 0"},
		{"triplets_per_class=0", "triplets_per_class must be >= 1"},
	} {
		t.Run(tc.set, func(t *testing.T) {
			c := DefaultConfig()
			err := c.Set(tc.set)
			if err == nil {
				err = c.Validate()
			}
			if tc.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestConfigYAMLRoundTrip(t *testing.T) {
	c := DefaultConfig()
	c.Hidden, c.Seed, c.RedrawTriplets = []int{100, 50}, 7, true
	back, err := ParseConfig(strings.NewReader(string(c.YAML())))
	if err != nil {
		t.Fatal(err)
	}
	if string(back.YAML()) != string(c.YAML()) {
		t.Fatalf("round trip changed the config:\n%s\n%s", c.YAML(), back.YAML())
	}
}

// FuzzParseConfig: any input gives a Config or a one-line "engine: " error,
// never a panic; a config that validates survives a YAML round trip, and so
// does one --set of any text.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("epochs: 2\nmargin: 0.5\n"), "seed=3")
	f.Add([]byte("hidden: [400, 200]\nlatent: 2\n"), "hidden=[8]")
	f.Add([]byte("triplet_weight: 0\nelbo_weight: 1\n"), "=")
	f.Add([]byte("epochs: -1\n"), "epochs=1e400")
	f.Fuzz(func(t *testing.T, doc []byte, set string) {
		c, err := ParseConfig(bytes.NewReader(doc))
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "engine: ") || strings.Contains(msg, "\n") {
				t.Fatalf("error %q is not one engine: line", msg)
			}
			return
		}
		if err := c.Set(set); err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "engine: ") || strings.Contains(msg, "\n") {
				t.Fatalf("--set error %q is not one engine: line", msg)
			}
		}
		if c.Validate() != nil {
			return
		}
		again, err := ParseConfig(bytes.NewReader(c.YAML()))
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip of a valid config: %v\n%+v\n%+v", err, c, again)
		}
	})
}

// β rises linearly over the warm-up, step by step, and stays at KLWeight.
func TestKLWeightAt(t *testing.T) {
	c := DefaultConfig()
	c.KLWeight, c.KLWarmupEpochs = 0.5, 2
	for _, tc := range []struct {
		global int
		want   float64
	}{{0, 0}, {10, 0.025}, {100, 0.25}, {200, 0.5}, {1000, 0.5}} {
		if got := c.KLWeightAt(tc.global, 100); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("KLWeightAt(%d, 100) = %g, want %g", tc.global, got, tc.want)
		}
	}
	c.KLWarmupEpochs = 0
	if got := c.KLWeightAt(0, 100); got != 0.5 {
		t.Errorf("without warm-up β = %g, want 0.5", got)
	}
}
