//go:build openblas

package engine

// #cgo CFLAGS: -O3 -Wno-psabi
// #cgo LDFLAGS: -lm
// double tvae_bernoulli_nll_sum(const float *l, const float *x, float *residual, long n);
// void tvae_adam_update(float *w, const float *g, float *m, float *v, long n, float b1, float b2, float step, float root_c2, float eps);
// void tvae_rectify(float *y, long n);
// void tvae_mask_by(float *d, const float *g, const float *y, long n);
// void tvae_sum_columns(const float *g, float *sums, long rows, long cols);
import "C"

import "unsafe"

// bernoulliNLLSum is Σ softplus(l_i) − x_i·l_i for float32 logits, and,
// unless residual is nil, sets residual_i = σ(l_i) − x_i; computed as in
// kernels_purego.go, 8 pixels at a time, by kernels_openblas.c.
func bernoulliNLLSum(l, x, residual []float32) float64 {
	if len(l) == 0 {
		return 0
	}
	var r *C.float
	if residual != nil {
		r = (*C.float)(unsafe.Pointer(&residual[:len(l)][0]))
	}
	return float64(C.tvae_bernoulli_nll_sum((*C.float)(unsafe.Pointer(&l[0])), (*C.float)(unsafe.Pointer(&x[:len(l)][0])), r, C.long(len(l))))
}

// adamUpdate is one Adam update of w by g with moments m and v (see
// Adam.Step), by kernels_openblas.c.
func adamUpdate(w, g, m, v []float32, b1, b2, step, rootC2, eps float32) {
	if len(w) == 0 {
		return
	}
	n := len(w)
	C.tvae_adam_update((*C.float)(unsafe.Pointer(&w[0])), (*C.float)(unsafe.Pointer(&g[:n][0])), (*C.float)(unsafe.Pointer(&m[:n][0])), (*C.float)(unsafe.Pointer(&v[:n][0])),
		C.long(n), C.float(b1), C.float(b2), C.float(step), C.float(rootC2), C.float(eps))
}

// rectify32 sets y to max(y, 0) in place, by kernels_openblas.c.
func rectify32(y []float32) {
	if len(y) > 0 {
		C.tvae_rectify((*C.float)(unsafe.Pointer(&y[0])), C.long(len(y)))
	}
}

// maskBy32 sets d to g where y > 0 and to 0 elsewhere, by kernels_openblas.c.
func maskBy32(d, g, y []float32) {
	if n := len(y); n > 0 {
		C.tvae_mask_by((*C.float)(unsafe.Pointer(&d[:n][0])), (*C.float)(unsafe.Pointer(&g[:n][0])), (*C.float)(unsafe.Pointer(&y[0])), C.long(n))
	}
}

// sumColumns32 adds the rows of g, rows of cols values, into sums, by
// kernels_openblas.c in the order sumColumns adds them.
func sumColumns32(g, sums []float32, cols int) {
	if len(g) > 0 {
		C.tvae_sum_columns((*C.float)(unsafe.Pointer(&g[0])), (*C.float)(unsafe.Pointer(&sums[:cols][0])), C.long(len(g)/cols), C.long(cols))
	}
}
