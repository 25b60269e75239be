package engine

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/cpu"
)

// blasCoreEnv is the variable OpenBLAS reads, once, when the library loads, to
// override the kernels it picked for the CPU.
const blasCoreEnv = "OPENBLAS_CORETYPE"

// vectorlessCores are OpenBLAS kernel sets without AVX2, what an OpenBLAS
// older than the CPU falls back to when it does not know the CPU's model:
// Debian's 0.3.21 runs its SSE3 "Prescott" kernels on 5th-generation Xeons,
// which multiply the step's shapes at a fifth of their AVX-512 rate.
var vectorlessCores = []string{
	"Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Core2", "Penryn", "Dunnington",
	"Nehalem", "Atom", "Nano", "Athlon", "Opteron", "Opteron(SSE3)", "Barcelona", "Bobcat",
}

// betterBLASCore returns the OpenBLAS core type to run instead of current
// when current is a vectorless fallback on a CPU that has AVX-512 ("SkylakeX")
// or AVX2 with FMA ("Haswell"); ok is false when current suits the CPU.
func betterBLASCore(current string, avx512, avx2 bool) (core string, ok bool) {
	if !slices.ContainsFunc(vectorlessCores, func(c string) bool { return strings.EqualFold(c, current) }) {
		return "", false
	}
	switch {
	case avx512:
		return "SkylakeX", true
	case avx2:
		return "Haswell", true
	}
	return "", false
}

// BetterBLASCore returns the OpenBLAS core type this process should run
// instead of the one OpenBLAS picked (BLASCore), when OpenBLAS fell back to
// kernels without vectors on a CPU it does not know; ok is false when its
// pick suits the CPU, when $OPENBLAS_CORETYPE already names a core, and in
// the pure-Go build.
func BetterBLASCore() (core string, ok bool) {
	if BLAS != "openblas" || os.Getenv(blasCoreEnv) != "" {
		return "", false
	}
	x := cpu.X86
	avx512 := x.HasAVX512F && x.HasAVX512DQ && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX512CD
	return betterBLASCore(BLASCore(), avx512, x.HasAVX2 && x.HasFMA)
}

// ExecWithBetterBLASCore restarts the running program, with the same
// arguments, under $OPENBLAS_CORETYPE set to BetterBLASCore's pick, since
// OpenBLAS reads it only as it loads. It returns nil without restarting when
// there is nothing better to pick; otherwise it returns only if the restart
// failed. Call it first thing in main (or TestMain), before any goroutine of
// the program's own starts.
func ExecWithBetterBLASCore() error {
	core, ok := BetterBLASCore()
	if !ok {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("engine: restarting with %s=%s: %w", blasCoreEnv, core, err)
	}
	if err := syscall.Exec(exe, os.Args, append(os.Environ(), blasCoreEnv+"="+core)); err != nil {
		return fmt.Errorf("engine: restarting with %s=%s: %w", blasCoreEnv, core, err)
	}
	return nil
}
