package engine

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

func TestBetterBLASCore(t *testing.T) {
	for _, tc := range []struct {
		current      string
		avx512, avx2 bool
		want         string
	}{
		{"Prescott", true, true, "SkylakeX"},
		{"Prescott", false, true, "Haswell"},
		{"Prescott", false, false, ""},
		{"CORE2", false, true, "Haswell"}, // names compare without case
		{"Opteron(SSE3)", true, true, "SkylakeX"},
		{"Haswell", true, true, ""}, // an AVX2 pick stays
		{"Zen", true, true, ""},
		{"SkylakeX", true, true, ""},
		{"Cooperlake", true, true, ""},
		{"", true, true, ""}, // the pure-Go build
	} {
		got, ok := betterBLASCore(tc.current, tc.avx512, tc.avx2)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("betterBLASCore(%q, avx512 %v, avx2 %v) = %q, %v; want %q", tc.current, tc.avx512, tc.avx2, got, ok, tc.want)
		}
	}
}

// After TestMain's ExecWithBetterBLASCore the tests run on kernels that suit
// the CPU: $OPENBLAS_CORETYPE, when set, is the core OpenBLAS runs, and on a
// CPU with AVX2 that core has vectors.
func TestTestsRunOnASuitableBLASCore(t *testing.T) {
	if BLAS != "openblas" {
		t.Skip("the pure-Go build has no OpenBLAS core")
	}
	if env := os.Getenv(blasCoreEnv); env != "" && !strings.EqualFold(env, BLASCore()) {
		t.Errorf("%s=%s but OpenBLAS runs %q", blasCoreEnv, env, BLASCore())
	}
	if _, worse := betterBLASCore(BLASCore(), false, cpu.X86.HasAVX2 && cpu.X86.HasFMA); worse {
		t.Errorf("OpenBLAS runs %q, without vectors, on a CPU with AVX2", BLASCore())
	}
}
