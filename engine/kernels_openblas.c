//go:build openblas

// The training step's elementwise kernels in C, for the OpenBLAS build
// (which uses cgo already), where the Go versions in kernels_purego.go take
// one value at a time. The cross-entropy takes 8 floats at a time and Adam 4,
// with GCC's vector extensions; the other loops are written plainly for GCC
// to vectorise. On x86-64 Linux each function is compiled for AVX2 and for plain
// x86-64, the simple loops also for AVX-512, and the loader picks one. No
// target contracts products into fused multiply-adds, so every one rounds
// each operation as written, as Go does: Adam gives the Go version's bits
// (TestAdamUpdatesEveryWeight), and so do the rectifier, its mask and the
// column sums.

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef float f4 __attribute__((vector_size(16)));
typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));
typedef double d4 __attribute__((vector_size(32)));

#define INLINE static inline __attribute__((always_inline))

#if defined(__x86_64__) && defined(__linux__)
#include <immintrin.h>
#define CLONES __attribute__((target_clones("avx2", "default")))
#define WIDE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
// GCC will not vectorise sqrtf, which may set errno, and cgo does not admit
// -fno-math-errno: SSE's square root is in every x86-64.
INLINE f4 sqrt4(f4 v) { return (f4)_mm_sqrt_ps((__m128)v); }
#else
#define CLONES
#define WIDE_CLONES
INLINE f4 sqrt4(f4 v) {
	for (int j = 0; j < 4; j++) v[j] = sqrtf(v[j]);
	return v;
}
#endif

// widen4 converts 4 floats from p to float64.
INLINE d4 widen4(const void *p) {
	f4 v;
	memcpy(&v, p, sizeof v);
	return __builtin_convertvector(v, d4);
}

enum { LANES = 8, RUN = 512 };

// select8 is mask ? a : b lane by lane, for a mask of all-ones or zero lanes.
INLINE f8 select8(i8 mask, f8 a, f8 b) { return (f8)(((i8)a & mask) | ((i8)b & ~mask)); }

// exp_nonpositive8 is expNonPositive of kernels_purego.go on 8 lanes:
// x = n·ln 2 + r, e^x = 2^n · p(r), and 0 below -87.
INLINE f8 exp_nonpositive8(f8 x) {
	i8 tiny = x < -87;
	x = select8(tiny, (f8){0} - 87, x); // keeps n in range; those lanes are 0 below
	f8 n = __builtin_convertvector(__builtin_convertvector(x * 1.44269504088896341f - 0.5f, i8), f8);
	f8 r = x - n * 0.693359375f - n * -2.12194440e-4f;
	f8 p = ((((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r + 4.1665795894e-2f) * r +
	          1.6666665459e-1f) * r + 5.0000001201e-1f) * r * r + r) + 1;
	i8 scale = (__builtin_convertvector(n, i8) + 127) << 23;
	return select8(tiny, (f8){0}, p * (f8)scale);
}

// pixels8 adds 8 pixels' max(l, 0) − x·l to part and their 1 + e^-|l| to
// prod (4 lanes of float64 each, in two halves), and writes σ(l) − x to
// residual.
INLINE void pixels8(const float *l, const float *x, float *residual, d4 part[2], d4 prod[2]) {
	f8 v, xi;
	memcpy(&v, l, sizeof v);
	memcpy(&xi, x, sizeof xi);
	f8 e = exp_nonpositive8((f8)((i8)v | (int32_t)0x80000000)); // e^-|l|
	f8 t = select8(v > 0, v, (f8){0}) - xi * v, d = 1 + e;
	part[0] += widen4(&t);
	part[1] += widen4((float *)&t + 4);
	prod[0] *= 1 + widen4(&e); // in float64: 1 + e in float32 would lose an e below 2⁻²⁴
	prod[1] *= 1 + widen4((float *)&e + 4);
	f8 res = select8(v >= 0, (f8){0} + 1, e) / d - xi;
	memcpy(residual, &res, sizeof res);
}

CLONES double tvae_bernoulli_nll_sum(const float *l, const float *x, float *residual, long n) {
	float scratch[LANES];
	double sum = 0;
	for (long start = 0; start < n; start += RUN) {
		long end = start + RUN < n ? start + RUN : n, i = start;
		d4 part[2] = {{0}}, prod[2] = {{1, 1, 1, 1}, {1, 1, 1, 1}};
		for (; i + LANES <= end; i += LANES) {
			pixels8(l + i, x + i, residual ? residual + i : scratch, part, prod);
		}
		if (i < end) {
			// The last pixels padded with logit -100 and intensity 0, which
			// add nothing: 0 to part, a factor 1 + e^-100 = 1 to prod.
			float lt[LANES], xt[LANES] = {0};
			for (int j = 0; j < LANES; j++) lt[j] = -100;
			memcpy(lt, l + i, (end - i) * sizeof *l);
			memcpy(xt, x + i, (end - i) * sizeof *x);
			pixels8(lt, xt, scratch, part, prod);
			if (residual) memcpy(residual + i, scratch, (end - i) * sizeof *residual);
		}
		double p = 1, s = 0;
		for (int j = 0; j < 4; j++) {
			p *= prod[0][j] * prod[1][j];
			s += part[0][j] + part[1][j];
		}
		sum += s + log(p);
	}
	return sum;
}

CLONES void tvae_adam_update(float *w, const float *g, float *m, float *v, long n, float b1, float b2, float step, float root_c2, float eps) {
	long j = 0;
	for (; j + 4 <= n; j += 4) {
		f4 gj, mj, vj, wj;
		memcpy(&gj, g + j, sizeof gj);
		memcpy(&mj, m + j, sizeof mj);
		memcpy(&vj, v + j, sizeof vj);
		memcpy(&wj, w + j, sizeof wj);
		mj = b1 * mj + (1 - b1) * gj;
		vj = b2 * vj + (1 - b2) * gj * gj;
		wj -= step * mj / (sqrt4(vj) * root_c2 + eps);
		memcpy(m + j, &mj, sizeof mj);
		memcpy(v + j, &vj, sizeof vj);
		memcpy(w + j, &wj, sizeof wj);
	}
	for (; j < n; j++) {
		m[j] = b1 * m[j] + (1 - b1) * g[j];
		v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
		w[j] -= step * m[j] / (sqrtf(v[j]) * root_c2 + eps);
	}
}

// tvae_rectify sets y to max(y, 0) in place, as Go's max does: NaN stays NaN
// and −0 becomes 0.
WIDE_CLONES void tvae_rectify(float *restrict y, long n) {
	for (long i = 0; i < n; i++) {
		float v = y[i];
		y[i] = (v > 0) | (v != v) ? v : 0; // | rather than ||: no branch, so GCC vectorises it
	}
}

// tvae_mask_by sets d to g where y > 0 and to 0 elsewhere.
WIDE_CLONES void tvae_mask_by(float *restrict d, const float *restrict g, const float *restrict y, long n) {
	for (long i = 0; i < n; i++) {
		d[i] = y[i] > 0 ? g[i] : 0;
	}
}

// tvae_sum_columns adds the rows of the rows×cols matrix g into sums, row
// after row, so each column's sum is rounded in the order Go's loop rounds it.
WIDE_CLONES void tvae_sum_columns(const float *restrict g, float *restrict sums, long rows, long cols) {
	for (long r = 0; r < rows; r++) {
		const float *restrict row = g + r * cols;
		for (long j = 0; j < cols; j++) {
			sums[j] += row[j];
		}
	}
}
