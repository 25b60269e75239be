package engine

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// inferChunk bounds the rows pushed through the network at once, so that
// encoding 70,000 images needs tens of megabytes, not gigabytes.
const inferChunk = 2048

// apply computes relu?(x·W + b) for n rows of x.
func (d *Dense) apply(x []float32, n int, relu bool) []float32 {
	y := make([]float32, n*d.Out)
	repeatRows(y, d.B)
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas32.General{Rows: n, Cols: d.In, Stride: d.In, Data: x[:n*d.In]},
		blas32.General{Rows: d.In, Cols: d.Out, Stride: d.Out, Data: d.W},
		1, blas32.General{Rows: n, Cols: d.Out, Stride: d.Out, Data: y})
	if relu {
		rectify32(y)
	}
	return y
}

// Encode returns μ(x) and log σ²(x), n×Latent each, for the n images in x.
func (p *Params) Encode(x []float32, n int) (mu, logVar []float32) {
	mu = make([]float32, 0, n*p.Latent())
	logVar = make([]float32, 0, n*p.Latent())
	in := p.Input()
	for start := 0; start < n; start += inferChunk {
		m := min(inferChunk, n-start)
		h := x[start*in : (start+m)*in]
		for i := range p.Encoder {
			h = p.Encoder[i].apply(h, m, true)
		}
		mu = append(mu, p.Mu.apply(h, m, false)...)
		logVar = append(logVar, p.LogVar.apply(h, m, false)...)
	}
	return mu, logVar
}

// DecodeLogits returns the decoder's Bernoulli logits, n×Input, for n latent codes.
func (p *Params) DecodeLogits(z []float32, n int) []float32 {
	out := make([]float32, 0, n*p.Input())
	for start := 0; start < n; start += inferChunk {
		m := min(inferChunk, n-start)
		h := z[start*p.Latent() : (start+m)*p.Latent()]
		for i := range p.Decoder {
			h = p.Decoder[i].apply(h, m, i < len(p.Decoder)-1)
		}
		out = append(out, h...)
	}
	return out
}

// Reconstruct returns the decoder's mean image sigmoid(logits) at z = μ(x).
func (p *Params) Reconstruct(x []float32, n int) []float32 {
	mu, _ := p.Encode(x, n)
	return p.Decode(mu, n)
}

// Decode returns the decoder's mean images sigmoid(logits(z)) for n latent
// vectors z: Bernoulli probabilities of each pixel.
func (p *Params) Decode(z []float32, n int) []float32 {
	img := p.DecodeLogits(z, n)
	for i, l := range img {
		img[i] = float32(1 / (1 + math.Exp(-float64(l))))
	}
	return img
}

// NELBO is a negative ELBO estimate, in nats per image, split into its terms.
type NELBO struct {
	BCE, KL float64
}

// Total is BCE + KL.
func (e NELBO) Total() float64 { return e.BCE + e.KL }

// NegativeELBO estimates -ELBO(x) = E_q[-log p(x|z)] + KL(q(z|x) || p(z)),
// averaged over the n images of x, with one reparameterised sample
// z = μ + σ·ε per image drawn from rng. The reconstruction term is the summed
// Bernoulli cross-entropy Σ softplus(l) - x·l over pixels. Under N(0, I)
// KL = -½ Σ (1 + log σ² - μ² - σ²); under a mixture prior, which has no
// closed form, it is estimated at the same sample as log q(z|x) − log p(z).
func (p *Params) NegativeELBO(x []float32, n int, rng *rand.Rand) NELBO {
	var bce, kl float64
	in, lat, md := p.Input(), p.Latent(), p.Prior.density()
	for start := 0; start < n; start += inferChunk {
		m := min(inferChunk, n-start)
		xs := x[start*in : (start+m)*in]
		mu, lv := p.Encode(xs, m)
		z := make([]float32, len(mu))
		negLogQ := make([]float64, m) // − log q(z|x) per image
		for i := range z {
			eps := rng.NormFloat64()
			z[i] = mu[i] + float32(math.Exp(0.5*float64(lv[i]))*eps)
			if md == nil {
				kl += -0.5 * (1 + float64(lv[i]) - float64(mu[i])*float64(mu[i]) - math.Exp(float64(lv[i])))
			} else {
				negLogQ[i/lat] += 0.5*eps*eps + 0.5*float64(lv[i]) + halfLog2Pi
			}
		}
		if md != nil {
			for i := range m {
				kl -= negLogQ[i] + md.logDensity(float64s(z[i*lat:(i+1)*lat]))
			}
		}
		bce += bernoulliNLLSum(p.DecodeLogits(z, m), xs, nil)
	}
	return NELBO{BCE: bce / float64(n), KL: kl / float64(n)}
}

// bernoulliNLL is the cross-entropy of intensity x against logit l,
// softplus(l) - x·l, written to stay finite for large |l|.
func bernoulliNLL(x, l float64) float64 {
	return math.Max(l, 0) - x*l + math.Log1p(math.Exp(-math.Abs(l)))
}

// iwChunk is how many images share one pass of the importance-weighted bound.
const iwChunk = 256

// ImportanceWeightedNLL is the importance-weighted bound of Burda, Grosse and
// Salakhutdinov (2016) on the negative log-likelihood, in nats per image:
//
//	-log (1/k) Σ_j p(x|z_j) p(z_j) / q(z_j|x),   z_j = μ(x) + σ(x)·ε_j,
//
// averaged over the n images of x, with p(x|z) the decoder's Bernoulli
// likelihood as in NegativeELBO. It is an upper bound on -log p(x) that
// tightens as k grows (k = 1 estimates the negative ELBO). Chunks of images
// are spread over the cores, each with noise from its own stream of seed, so
// the figure does not depend on scheduling.
func (p *Params) ImportanceWeightedNLL(x []float32, n, k int, seed uint64) float64 {
	in, lat := p.Input(), p.Latent()
	chunks := (n + iwChunk - 1) / iwChunk
	total := make([]float64, chunks)
	parallelFor(chunks, func() func(int) {
		return func(c int) {
			rng := rand.New(rand.NewPCG(seed, uint64(c)))
			start := c * iwChunk
			m := min(iwChunk, n-start)
			xs := x[start*in : (start+m)*in]
			mu, lv := p.Encode(xs, m)
			logW := make([]float64, m*k) // image i, sample j at i*k + j
			z := make([]float32, m*lat)
			z64 := make([]float64, lat)
			md := p.Prior.density() // one per goroutine: it has scratch space
			for j := range k {
				for i := range m {
					w := 0.0
					for u := range lat {
						idx := i*lat + u
						eps := rng.NormFloat64()
						z[idx] = mu[idx] + float32(math.Exp(0.5*float64(lv[idx]))*eps)
						z64[u] = float64(z[idx])
						w += 0.5*eps*eps + 0.5*float64(lv[idx]) + halfLog2Pi // − log q(z|x)
					}
					logW[i*k+j] = w + md.logPrior(z64)
				}
				logits := p.DecodeLogits(z, m)
				for i := range m {
					logW[i*k+j] -= bernoulliNLLSum(logits[i*in:(i+1)*in], xs[i*in:(i+1)*in], nil)
				}
			}
			for i := range m {
				total[c] -= logMeanExp(logW[i*k : (i+1)*k])
			}
		}
	})
	sum := 0.0
	for _, t := range total {
		sum += t
	}
	return sum / float64(n)
}

// logMeanExp is log((1/n) Σ exp(v_i)), computed stably.
func logMeanExp(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(x - m)
	}
	return m + math.Log(s/float64(len(v)))
}
