package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tvae/tvae/internal/blastest"
	"github.com/tvae/tvae/internal/datatest"
	"github.com/tvae/tvae/rundir"
)

// TestMain lets the test binary stand in for the tvae command, so a test can
// start it as a separate process and send it signals. The tests run on the
// OpenBLAS kernels the command would pick (engine.ExecWithBetterBLASCore).
func TestMain(m *testing.M) {
	blastest.UseBetterCore()
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
	datatest.Long(t)
	dataDir := datatest.Dir(t)
	dir := t.TempDir()
	args := []string{"train", "--config", "paper-tvae-mnist", "--data-dir", dataDir, "--offline", "--quiet",
		"--set", "epochs=4", "--set", "train_subset=1500", "--set", "triplets_per_class=150", "--set", "iw_samples=0"}
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

// serveProcess is `tvae serve` started as a separate process.
type serveProcess struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
}

func startServe(t *testing.T, args ...string) *serveProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "TVAE_TEST_RUN_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(line, "tvae explorer on ")
	if err != nil || !ok {
		t.Fatalf("serve printed %q (%v); stderr %s", line, err, p.stderr)
	}
	p.url, _, _ = strings.Cut(addr, " ")
	return p
}

// stop sends SIGTERM and returns the exit code and the last line of stderr.
func (p *serveProcess) stop(t *testing.T) (int, string) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := p.cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
	return exit.ExitCode(), lines[len(lines)-1]
}

// A signalled explorer closes its event streams, saves the run under way and
// exits 130 with one line saying how to go on; restarted with --continue, it
// finishes the run with the weights of one never interrupted.
func TestServeSIGTERMThenContinueIsBitExact(t *testing.T) {
	datatest.Long(t)
	dataDir := datatest.Dir(t)
	dir := t.TempDir()
	sets := []string{"--set", "epochs=3", "--set", "train_subset=1500", "--set", "triplets_per_class=150", "--set", "iw_samples=0"}
	whole := filepath.Join(dir, "whole")
	if _, _, err := tvae(t, append([]string{"train", "--config", "paper-tvae-mnist", "--out", whole, "--data-dir", dataDir, "--offline", "--quiet"}, sets...)...); err != nil {
		t.Fatal(err)
	}

	runs := filepath.Join(dir, "runs")
	p := startServe(t, append([]string{"--runs", runs, "--train", "paper-tvae-mnist", "--data-dir", dataDir, "--offline"}, sets...)...)
	resp, err := http.Get(p.url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewScanner(resp.Body)
	for events.Scan() && events.Text() != "event: epoch" {
	} // signal in the middle of the second epoch
	code, last := p.stop(t)
	if code != 130 || !strings.Contains(last, "tvae serve --runs "+runs+" --continue") {
		t.Fatalf("exit %d, last line %q; want 130 and how to continue", code, last)
	}
	for events.Scan() {
	}
	if err := events.Err(); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("the event stream did not end cleanly: %v", err)
	}
	ids, _ := filepath.Glob(filepath.Join(runs, "*"))
	if len(ids) != 1 {
		t.Fatalf("runs folder holds %v, want one run", ids)
	}
	ck, err := rundir.ReadCheckpoint(ids[0])
	if err != nil || ck.Epoch >= 3 {
		t.Fatalf("checkpoint at epoch %d (%v), want an unfinished run", ck.Epoch, err)
	}

	p = startServe(t, "--runs", runs, "--continue", "--data-dir", dataDir, "--offline")
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if _, err := rundir.ReadResults(ids[0]); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the continued run did not finish")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, last := p.stop(t); code != 130 || !strings.Contains(last, "no run was training") {
		t.Fatalf("second stop: exit %d, %q", code, last)
	}
	a, _ := os.ReadFile(filepath.Join(whole, rundir.WeightsFile))
	b, _ := os.ReadFile(filepath.Join(ids[0], rundir.WeightsFile))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("the continued run's weights differ from the uninterrupted run's")
	}
}

// Bound beyond loopback, the explorer warns that other machines can reach it.
func TestServeWarnsWhenReachableFromOtherMachines(t *testing.T) {
	dataDir := datatest.Dir(t)
	p := startServe(t, "--addr", "0.0.0.0:0", "--runs", t.TempDir(), "--data-dir", dataDir, "--offline")
	code, last := p.stop(t)
	if code != 130 || !strings.Contains(last, "no run was training") || !strings.Contains(p.stderr.String(), "is reachable from other machines") {
		t.Fatalf("exit %d, stderr %q; want the warning, then the stop line", code, p.stderr)
	}
}
