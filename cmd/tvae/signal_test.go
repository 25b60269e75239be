package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tvae/tvae/internal/datatest"
	"github.com/tvae/tvae/rundir"
)

// TestMain lets the test binary stand in for the tvae command, so a test can
// start it as a separate process and send it signals.
func TestMain(m *testing.M) {
	if os.Getenv("TVAE_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// A training process killed with SIGTERM in the middle of an epoch exits 130
// with one line saying how to go on; resuming it gives, bit for bit, the
// weights of a run that was never interrupted.
func TestSIGTERMThenResumeIsBitExact(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three runs; skipped with -short")
	}
	dataDir := datatest.Dir(t)
	dir := t.TempDir()
	args := []string{"train", "--config", "paper-tvae-mnist", "--data-dir", dataDir, "--offline", "--quiet",
		"--set", "epochs=4", "--set", "train_subset=1500", "--set", "triplets_per_class=150"}
	whole := filepath.Join(dir, "whole")
	if _, _, err := tvae(t, append(args, "--out", whole)...); err != nil {
		t.Fatal(err)
	}

	stopped := filepath.Join(dir, "stopped")
	cmd := exec.Command(os.Args[0], append(args, "--out", stopped)...)
	cmd.Env = append(os.Environ(), "TVAE_TEST_RUN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the first epoch to be saved, then signal during the second.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if ms, _ := rundir.ReadMetrics(stopped); len(ms) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the first epoch never finished")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	msg := strings.TrimSpace(stderr.String())
	if !errors.As(err, &exit) || exit.ExitCode() != 130 || !strings.Contains(msg, "tvae train --resume "+stopped) || strings.Contains(msg, "\n") {
		t.Fatalf("after SIGTERM: %v, stderr %q; want exit 130 and one line saying how to resume", err, msg)
	}
	if ms, _ := rundir.ReadMetrics(stopped); len(ms) >= 4 {
		t.Fatal("the run finished before the signal; the test needs a longer run")
	}

	if _, _, err := tvae(t, "train", "--resume", stopped, "--data-dir", dataDir, "--offline", "--quiet"); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(whole, rundir.WeightsFile))
	b, _ := os.ReadFile(filepath.Join(stopped, rundir.WeightsFile))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("the resumed run's weights differ from the uninterrupted run's")
	}
}
