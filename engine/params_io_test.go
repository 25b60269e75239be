package engine

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestParamsRoundTrip(t *testing.T) {
	for _, mixture := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(1, 1))
		p := testParams(10, []int{6, 4}, 3, Objective{MixturePrior: mixture}, rng)
		q := roundTrip(t, p)
		if (q.Prior == nil) != !mixture {
			t.Fatalf("mixture %v: prior %v after the round trip", mixture, q.Prior)
		}
		if mixture && (q.Prior.K != 3 || q.Prior.Latent != 3 || !slices.Equal(p.Prior.Means, q.Prior.Means) || !slices.Equal(p.Prior.LogVars, q.Prior.LogVars)) {
			t.Fatalf("the prior differs after the round trip: %+v, want %+v", q.Prior, p.Prior)
		}
	}
}

// roundTrip encodes and decodes p, checking the layers come back unchanged.
func roundTrip(t *testing.T, p *Params) *Params {
	t.Helper()
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	q, err := UnmarshalParams(b)
	if err != nil {
		t.Fatal(err)
	}
	pl, ql := p.Layers(), q.Layers()
	if len(pl) != len(ql) {
		t.Fatalf("%d layers back, want %d", len(ql), len(pl))
	}
	for i := range pl {
		if pl[i].In != ql[i].In || pl[i].Out != ql[i].Out || !slices.Equal(pl[i].W, ql[i].W) || !slices.Equal(pl[i].B, ql[i].B) {
			t.Fatalf("layer %d differs after the round trip", i)
		}
	}
	return q
}

func TestUnmarshalParamsRejectsCorruptFiles(t *testing.T) {
	good, _ := NewParams(10, []int{6}, 3, rand.New(rand.NewPCG(1, 1))).MarshalBinary()
	flip := append([]byte(nil), good...)
	flip[len(paramsMagic)+8] = 99 // first layer's In: breaks the chain of shapes
	p := NewParams(10, []int{6}, 3, rand.New(rand.NewPCG(1, 1)))
	p.Prior = NewMixture(4, 3, rand.New(rand.NewPCG(1, 1)))
	withPrior, _ := p.MarshalBinary()
	wrongLatent := slices.Clone(withPrior)
	wrongLatent[len(good)+4] = 5 // the prior's latent size
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"wrong magic", append([]byte("NOTWEIGH"), good[8:]...), "bad magic"},
		{"truncated", good[:len(good)-5], "truncated"},
		{"trailing", append(append([]byte(nil), good...), 1, 2, 3, 4), "trailing"},
		{"broken shapes", flip, "weights file"},
		{"truncated prior", withPrior[:len(withPrior)-3], "truncated in its prior"},
		{"prior of another latent", wrongLatent, "prior has impossible shape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := UnmarshalParams(tc.b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
