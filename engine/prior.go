package engine

import (
	"math"
	"math/rand/v2"
)

// Mixture is a learned prior over the latent space, an equal-weight mixture
// of K diagonal Gaussians (Config.PriorComponents):
//
//	p(z) = (1/K) Σ_k N(z; m_k, diag exp(s_k)).
//
// The triplet loss gathers each class's μ's into a cluster; under N(0, I)
// keeping the clusters apart costs KL, under a mixture whose components
// follow them much less.
type Mixture struct {
	K, Latent int
	// Means m_k and log-variances s_k, K×Latent row-major.
	Means, LogVars []float32
}

// NewMixture initialises K components with means drawn from N(0, I) and unit
// variances, as a standard normal spread into K pieces.
func NewMixture(k, latent int, rng *rand.Rand) *Mixture {
	m := &Mixture{K: k, Latent: latent, Means: make([]float32, k*latent), LogVars: make([]float32, k*latent)}
	for i := range m.Means {
		m.Means[i] = float32(rng.NormFloat64())
	}
	return m
}

func (m *Mixture) clone() *Mixture {
	if m == nil {
		return nil
	}
	return &Mixture{K: m.K, Latent: m.Latent, Means: append([]float32(nil), m.Means...), LogVars: append([]float32(nil), m.LogVars...)}
}

// halfLog2Pi is ½ log 2π, the normal density's constant per dimension.
var halfLog2Pi = 0.5 * math.Log(2*math.Pi)

// mixtureDensity holds a mixture's parameters in float64, with the inverse
// variances e^{−s} computed once, for evaluating many latent vectors.
type mixtureDensity struct {
	dim              int
	mu, s, invVar, l []float64 // l: scratch, one log-density per component
}

func newMixtureDensity(mu, s []float64, dim int) *mixtureDensity {
	md := &mixtureDensity{dim: dim, mu: mu, s: s, invVar: make([]float64, len(s)), l: make([]float64, len(s)/dim)}
	for i, v := range s {
		md.invVar[i] = math.Exp(-v)
	}
	return md
}

// density returns the mixture's mixtureDensity (nil for N(0, I)).
func (m *Mixture) density() *mixtureDensity {
	if m == nil {
		return nil
	}
	return newMixtureDensity(float64s(m.Means), float64s(m.LogVars), m.Latent)
}

// float64s converts a float32 slice to a new float64 one.
func float64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// logDensity is log p(z) = log (1/K) Σ_k exp l_k, leaving
// l_k = log N(z; m_k, diag e^{s_k}) in md.l.
func (md *mixtureDensity) logDensity(z []float64) float64 {
	for c := range md.l {
		sum := 0.0
		for d, v := range z {
			j := c*md.dim + d
			diff := v - md.mu[j]
			sum -= 0.5*(diff*diff*md.invVar[j]+md.s[j]) + halfLog2Pi
		}
		md.l[c] = sum
	}
	return logMeanExp(md.l)
}

// logPrior is log p(z) of one latent vector under the prior: the mixture
// md's, or N(0, I)'s when md is nil.
func (md *mixtureDensity) logPrior(z []float64) float64 {
	if md != nil {
		return md.logDensity(z)
	}
	s := 0.0
	for _, v := range z {
		s -= 0.5*v*v + halfLog2Pi
	}
	return s
}

// SamplePrior draws n latent vectors z ~ p(z) (n×Latent): from N(0, I), or
// from a mixture component chosen uniformly.
func (p *Params) SamplePrior(n int, rng *rand.Rand) []float32 {
	lat := p.Latent()
	z := make([]float32, n*lat)
	for i := range n {
		var means, logVars []float32
		if m := p.Prior; m != nil {
			k := rng.IntN(m.K)
			means, logVars = m.Means[k*lat:(k+1)*lat], m.LogVars[k*lat:(k+1)*lat]
		}
		for d := range lat {
			v := rng.NormFloat64()
			if means != nil {
				v = float64(means[d]) + math.Exp(0.5*float64(logVars[d]))*v
			}
			z[i*lat+d] = float32(v)
		}
	}
	return z
}

// mixtureLogPrior is the mean of log p(z_b) over the n rows of z (dim
// values a row) under the mixture with means mu and log-variances s (K×dim),
// and its gradients. With l_bk = log N(z_b; m_k, diag exp(s_k)) and the
// responsibilities r_bk = softmax_k(l_bk),
//
//	∂/∂z_bd = −(1/n) Σ_k r_bk (z_bd − m_kd) e^{−s_kd},
//	∂/∂m_kd = (1/n) Σ_b r_bk (z_bd − m_kd) e^{−s_kd},
//	∂/∂s_kd = (1/n) Σ_b r_bk ½((z_bd − m_kd)² e^{−s_kd} − 1).
func mixtureLogPrior(z []float64, n, dim int, mu, s []float64) (value float64, gz, gm, gs []float64) {
	md := newMixtureDensity(mu, s, dim)
	gz, gm, gs = make([]float64, len(z)), make([]float64, len(mu)), make([]float64, len(s))
	for b := range n {
		zb := z[b*dim : (b+1)*dim]
		lse := md.logDensity(zb)
		value += lse
		for c, lc := range md.l {
			r := math.Exp(lc-lse) / float64(len(md.l)) // softmax: the mean's 1/K undone
			for d, v := range zb {
				j := c*dim + d
				diff := v - mu[j]
				w := r * diff * md.invVar[j]
				gz[b*dim+d] -= w
				gm[j] += w
				gs[j] += r * 0.5 * (diff*diff*md.invVar[j] - 1)
			}
		}
	}
	scale := 1 / float64(n)
	for _, g := range [][]float64{gz, gm, gs} {
		for i := range g {
			g[i] *= scale
		}
	}
	return value * scale, gz, gm, gs
}
