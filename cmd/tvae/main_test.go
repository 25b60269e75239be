package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tvae/tvae/internal/datatest"
	"github.com/tvae/tvae/rundir"
)

// tvae runs the command line in-process and returns stdout, stderr and the error.
func tvae(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// quick shrinks a paper configuration to seconds of training, and skips the
// slowest final figure (TestTrainEvalEmbed measures it).
var quick = []string{"--set", "epochs=1", "--set", "train_subset=2000", "--set", "triplets_per_class=100", "--set", "iw_samples=0"}

func TestTrainEvalEmbed(t *testing.T) {
	datatest.Long(t)
	dataDir := datatest.Dir(t)
	runDir := filepath.Join(t.TempDir(), "run")
	args := append([]string{"train", "--config", "paper-tvae-mnist", "--out", runDir, "--data-dir", dataDir, "--offline", "--seed", "4"}, quick...)
	out, progress, err := tvae(t, append(args, "--set", "iw_samples=5")...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "triplet accuracy") || !strings.Contains(progress, "epoch 1/1") {
		t.Fatalf("stdout %q, progress %q", out, progress)
	}
	res, err := rundir.ReadResults(runDir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Model != "tvae" || res.Seed != 4 || res.TripletAccuracy <= 0.5 || res.TestNELBO <= 0 ||
		res.IWSamples != 5 || res.IWNLL <= 0 || res.IWNLL > res.TestNELBO+1 || res.Retrieval.MAPAtR <= 0 || res.Retrieval.MAPAtR > 1 ||
		res.RandomTripletAccuracy.N != 1_000_000 || res.AMI <= 0 || res.ActiveUnits < 1 {
		t.Fatalf("results.json %+v", res)
	}
	for _, f := range []string{rundir.ConfigFile, rundir.WeightsFile, rundir.MetricsFile, rundir.TripletsFile} {
		if _, err := os.Stat(filepath.Join(runDir, f)); err != nil {
			t.Errorf("run folder lacks %s", f)
		}
	}

	out, _, err = tvae(t, "eval", runDir, "--data-dir", dataDir, "--offline")
	if err != nil || !strings.Contains(out, "triplet accuracy") || !strings.Contains(out, "MAP@R") || !strings.Contains(out, "k = 5 samples") {
		t.Fatalf("eval: %v\n%s", err, out)
	}
	var again struct {
		TripletAccuracy float64 `json:"triplet_accuracy"`
	}
	b, _ := os.ReadFile(filepath.Join(runDir, "eval.json"))
	if err := json.Unmarshal(b, &again); err != nil || again.TripletAccuracy != res.TripletAccuracy {
		t.Fatalf("eval.json triplet accuracy %v (%v), results.json %v", again.TripletAccuracy, err, res.TripletAccuracy)
	}

	csvPath := filepath.Join(t.TempDir(), "mu.csv")
	if _, _, err := tvae(t, "embed", runDir, "--split", "test", "--out", csvPath, "--data-dir", dataDir, "--offline"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(csvPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 10001 || !strings.HasPrefix(lines[0], "label,mu_0,") || !strings.HasSuffix(lines[0], ",mu_19") {
		t.Fatalf("embed CSV: %d lines, header %q", len(lines), lines[0])
	}
	if fields := strings.Split(lines[1], ","); len(fields) != 21 || fields[0] != "7" { // MNIST's first test digit is a 7
		t.Fatalf("embed CSV first row %q", lines[1])
	}
}

func TestReproduceWritesTables(t *testing.T) {
	datatest.Long(t)
	dataDir := datatest.Dir(t)
	outDir := t.TempDir()
	args := append([]string{"reproduce", "--seeds", "2", "--out", outDir, "--data-dir", dataDir, "--offline", "--quiet"}, quick...)
	out, _, err := tvae(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "| TVAE |") || !strings.Contains(out, "95.60") || !strings.Contains(out, "75.08") || !strings.Contains(out, "±") {
		t.Fatalf("table:\n%s", out)
	}
	var summary reproduction
	b, _ := os.ReadFile(filepath.Join(outDir, "results.json"))
	if err := json.Unmarshal(b, &summary); err != nil {
		t.Fatal(err)
	}
	if len(summary.TVAE.TripletAccuracy.PerSeed) != 2 || summary.TVAE.TripletAccuracy.Std == nil || len(summary.VAE.TestNELBO.PerSeed) != 2 {
		t.Fatalf("results.json %+v", summary)
	}
	for _, d := range []string{"vae-seed1", "vae-seed2", "tvae-seed1", "tvae-seed2"} {
		if _, err := rundir.ReadResults(filepath.Join(outDir, d)); err != nil {
			t.Error(err)
		}
	}
}

// A sweep trains configurations × seeds into one table; run again with more
// seeds it reuses the finished runs, it refuses a folder of another
// configuration, and --jobs 2 trains the same runs.
func TestSweepReusesFinishedRuns(t *testing.T) {
	datatest.Long(t)
	dataDir := datatest.Dir(t)
	out := t.TempDir()
	args := append([]string{"sweep", "--config", "paper-vae-mnist", "--config", "paper-tvae-mnist", "--out", out, "--data-dir", dataDir, "--offline", "--quiet"}, quick...)
	table, _, err := tvae(t, append(args, "--seeds", "1")...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table, "| paper-vae-mnist | mnist | vae |") || !strings.Contains(table, "| paper-tvae-mnist | mnist | tvae |") || !strings.Contains(table, "MAP@R") {
		t.Fatalf("table:\n%s", table)
	}
	first := filepath.Join(out, "paper-tvae-mnist-seed1", rundir.WeightsFile)
	before, _ := os.Stat(first)
	table, _, err = tvae(t, append(args, "--seeds", "2")...)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(first)
	if !after.ModTime().Equal(before.ModTime()) || !strings.Contains(table, "±") {
		t.Fatalf("seed 1 trained again (%v, %v), or no std in the table:\n%s", before.ModTime(), after.ModTime(), table)
	}
	var rows []sweepRow
	b, _ := os.ReadFile(filepath.Join(out, "results.json"))
	if err := json.Unmarshal(b, &rows); err != nil || len(rows) != 2 || len(rows[1].Runs) != 2 || rows[1].Runs[1].Seed != 2 {
		t.Fatalf("results.json: %v %+v", err, rows)
	}
	_, _, err = tvae(t, append(args, "--seeds", "1", "--set", "margin=0.5")...)
	if err == nil || !strings.Contains(err.Error(), "holds a run of another configuration") {
		t.Fatalf("sweep over a folder of another configuration: %v", err)
	}

	// Trained two at a time, the seed-1 runs end with the same weights, bit
	// for bit, and the progress is whole epoch lines, never bars over each
	// other. A set OPENBLAS_NUM_THREADS keeps --jobs from changing the BLAS
	// thread count, which changes the rounding.
	t.Setenv("OPENBLAS_NUM_THREADS", "as the library started")
	parallel := t.TempDir()
	_, progress, err := tvae(t, append([]string{"sweep", "--config", "paper-vae-mnist", "--config", "paper-tvae-mnist", "--seeds", "1", "--jobs", "2",
		"--out", parallel, "--data-dir", dataDir, "--offline"}, quick...)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range []string{"paper-vae-mnist-seed1", "paper-tvae-mnist-seed1"} {
		one, err1 := os.ReadFile(filepath.Join(out, run, rundir.WeightsFile))
		two, err2 := os.ReadFile(filepath.Join(parallel, run, rundir.WeightsFile))
		if err1 != nil || err2 != nil || !bytes.Equal(one, two) {
			t.Errorf("%s: weights differ between --jobs 1 and --jobs 2 (%v, %v)", run, err1, err2)
		}
	}
	for _, want := range []string{"paper-vae-mnist seed 1 epoch 1/1: loss", "paper-tvae-mnist seed 1 epoch 1/1: loss"} {
		if !strings.Contains(progress, want) {
			t.Errorf("progress of --jobs 2 lacks %q:\n%s", want, progress)
		}
	}
	if strings.Contains(progress, "eta") {
		t.Errorf("--jobs 2 drew progress bars:\n%s", progress)
	}
}

func TestUserErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badYAML, []byte("epoch: 3\n"), 0o644)
	for _, tc := range []struct {
		name     string
		args     []string
		want     string
		exitCode int
	}{
		{"no command", nil, "no command", 2},
		{"unknown command", []string{"fly"}, `unknown command "fly"`, 2},
		{"train without config", []string{"train", "--out", dir}, "needs --config and --out", 2},
		{"unknown flag", []string{"train", "--nope"}, "flag provided but not defined", 2},
		{"missing config file", []string{"train", "--config", filepath.Join(dir, "none.yaml"), "--out", dir}, "cannot read", 1},
		{"unknown built-in", []string{"train", "--config", "paper-gan", "--out", dir}, "neither a file nor a built-in", 1},
		{"unknown key in file", []string{"train", "--config", badYAML, "--out", dir}, "unknown key epoch (the keys are", 1},
		{"epochs < 1", []string{"train", "--config", "paper-tvae-mnist", "--out", dir, "--set", "epochs=0"}, "epochs must be >= 1", 1},
		{"wrong type", []string{"train", "--config", "paper-tvae-mnist", "--out", dir, "--set", "epochs=two"}, "`two` is not an integer", 1},
		{"negative margin", []string{"train", "--config", "paper-tvae-mnist", "--out", dir, "--set", "margin=-0.2"}, "margin must be >= 0", 1},
		{"latent size 0", []string{"train", "--config", "paper-tvae-mnist", "--out", dir, "--set", "latent=0"}, "latent must be >= 1", 1},
		{"negative subset", []string{"train", "--config", "paper-tvae-mnist", "--out", dir, "--set", "train_subset=-1"}, "train_subset must be >= 0", 1},
		{"unknown --set key", []string{"train", "--config", "paper-tvae-mnist", "--out", dir, "--set", "epoch=3"}, "unknown key epoch (the keys are", 1},
		{"missing data", []string{"train", "--config", "paper-tvae-mnist", "--out", filepath.Join(dir, "r"), "--data-dir", filepath.Join(dir, "empty"), "--offline"}, "data:", 1},
		{"eval of a non-run", []string{"eval", dir}, "is not a run folder", 1},
		{"embed bad split", []string{"embed", dir, "--split", "val", "--out", "x.csv"}, `--split "val"`, 2},
		{"zero seeds", []string{"reproduce", "--seeds", "0"}, "--seeds must be at least 1", 2},
		{"sweep without config", []string{"sweep"}, "needs at least one --config", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tvae(t, tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q, want one line containing %q", msg, tc.want)
			}
			if got := exitCode(err); got != tc.exitCode {
				t.Fatalf("exit code %d, want %d", got, tc.exitCode)
			}
		})
	}
}

// Bad input files stop a command before any work, with one line naming the
// file and what is wrong, and leave no run folder behind.
func TestBadInputFilesAreOneLine(t *testing.T) {
	datatest.Long(t)
	dataDir := datatest.Dir(t)
	dir := t.TempDir()
	// dataset returns a datasets folder holding MNIST with one file replaced.
	dataset := func(name string, content []byte) string {
		d := filepath.Join(dir, "data-"+name)
		os.MkdirAll(filepath.Join(d, "mnist"), 0o755)
		for _, f := range []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
			os.Symlink(filepath.Join(dataDir, "mnist", f), filepath.Join(d, "mnist", f))
		}
		os.Remove(filepath.Join(d, "mnist", name))
		writeGzip(t, filepath.Join(d, "mnist", name), content)
		return d
	}
	badLabel := append([]byte{0, 0, 8, 1, 0, 0, 0xea, 0x60}, make([]byte, 60000)...)
	badLabel[8] = 12
	triplets := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	// A finished quick run whose config is then edited: its checkpoint no longer matches.
	edited := filepath.Join(dir, "edited")
	if _, _, err := tvae(t, append([]string{"train", "--config", "paper-tvae-mnist", "--out", edited, "--data-dir", dataDir, "--offline", "--quiet"}, quick...)...); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(edited, rundir.ResultsFile))
	cfg, _ := os.ReadFile(filepath.Join(edited, rundir.ConfigFile))
	os.WriteFile(filepath.Join(edited, rundir.ConfigFile), bytes.Replace(cfg, []byte("- 400"), []byte("- 300"), 1), 0o644)

	out := filepath.Join(dir, "out")
	train := func(data string, sets ...string) []string {
		args := []string{"train", "--config", "paper-tvae-mnist", "--out", out, "--data-dir", data, "--offline", "--quiet"}
		for _, s := range sets {
			args = append(args, "--set", s)
		}
		return append(args, quick...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"IDX label out of range", train(dataset("train-labels-idx1-ubyte.gz", badLabel)), "label 12 at index 0 is out of range 0..9"},
		{"IDX images of the wrong shape", train(dataset("train-images-idx3-ubyte.gz", []byte{0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 27})), "header says 60000x28x27 images, want 60000x28x28"},
		{"empty IDX file", train(dataset("t10k-labels-idx1-ubyte.gz", nil)), "empty file, not an IDX file"},
		{"triplets CSV: anchor is positive", train(dataDir, "triplets_file="+triplets("same.csv", "0,0,1\n")), "line 1: the anchor is its own positive (0)"},
		{"triplets CSV: index out of range", train(dataDir, "triplets_file="+triplets("range.csv", "anchor,positive,negative\n1,2,3\n5,6,2000\n")), "line 3: index 2000 is outside the 2000 training images"},
		{"triplets CSV: wrong shape", train(dataDir, "triplets_file="+triplets("shape.csv", "1,2\n")), "line 1: 2 fields, want 3"},
		{"triplets CSV: empty", train(dataDir, "triplets_file="+triplets("empty.csv", "")), "no triplets in the file"},
		{"triplets CSV: missing", train(dataDir, "triplets_file="+filepath.Join(dir, "none.csv")), "none.csv: no such file or directory"},
		{"checkpoint does not match config", []string{"train", "--resume", edited, "--data-dir", dataDir, "--offline", "--quiet"}, "the checkpoint does not match the configuration"},
		{"resume of a folder without checkpoint", []string{"train", "--resume", dir, "--data-dir", dataDir, "--offline"}, "is not a run folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tvae(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") || exitCode(err) != 1 {
				t.Fatalf("got %v (exit %d), want one line containing %q, exit 1", err, exitCode(err), tc.want)
			}
			t.Logf("tvae: %s", err)
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatal("a run folder was left behind")
			}
		})
	}
}

func writeGzip(t *testing.T, path string, content []byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write(content)
	if err := errors.Join(zw.Close(), f.Close()); err != nil {
		t.Fatal(err)
	}
}

func TestUnwritableRunFolderIsOneLine(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notADir, []byte("x"), 0o644)
	_, _, err := tvae(t, "train", "--config", "paper-tvae-mnist", "--out", filepath.Join(notADir, "run"), "--data-dir", datatest.Dir(t), "--offline")
	if err == nil || !strings.Contains(err.Error(), "cannot create run folder") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v, want one line saying the run folder cannot be created", err)
	}
}

func TestHelpListsEveryCommandAndFlag(t *testing.T) {
	out, _, err := tvae(t, "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands() {
		if !strings.Contains(out, "tvae "+c.name) {
			t.Errorf("help does not list %s", c.name)
		}
		flags, _, err := tvae(t, "help", c.name)
		if exitCode(err) != 0 || !strings.Contains(flags, "Usage: tvae "+c.name) {
			t.Errorf("help %s: %v\n%s", c.name, err, flags)
		}
	}
}

// An interrupted training ends with one line saying where it stopped and how
// to go on, exit code 130; even stopped before its first step, it resumes.
func TestInterruptedTrainingSaysHowToResume(t *testing.T) {
	datatest.Long(t)
	dataDir := datatest.Dir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as if Ctrl-C came before the first step
	runDir := filepath.Join(t.TempDir(), "run")
	err := run(ctx, append([]string{"train", "--config", "paper-tvae-mnist", "--out", runDir, "--data-dir", dataDir, "--offline", "--quiet"}, quick...), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "training stopped after 0 of 1 epochs") || !strings.Contains(err.Error(), "tvae train --resume "+runDir) || strings.Contains(err.Error(), "\n") || exitCode(err) != 130 {
		t.Fatalf("got %v (exit %d), want one line saying training stopped and how to resume, exit 130", err, exitCode(err))
	}
	if _, _, err := tvae(t, "train", "--resume", runDir, "--data-dir", dataDir, "--offline", "--quiet"); err != nil {
		t.Fatal(err)
	}
	if _, err := rundir.ReadResults(runDir); err != nil {
		t.Fatalf("the resumed run did not finish: %v", err)
	}
}

// --resume of a finished run trains nothing more and reports the same figures;
// resuming mid-run is tested bit for bit in rundir.
func TestResumeCommand(t *testing.T) {
	datatest.Long(t)
	dataDir := datatest.Dir(t)
	runDir := filepath.Join(t.TempDir(), "run")
	first, _, err := tvae(t, append([]string{"train", "--config", "paper-tvae-mnist", "--out", runDir, "--data-dir", dataDir, "--offline", "--quiet"}, quick...)...)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := tvae(t, "train", "--resume", runDir, "--data-dir", dataDir, "--offline", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	cut := func(s string) string { return s[:strings.LastIndex(s, "(")] } // drop the training time
	if cut(again) != cut(first) {
		t.Fatalf("resume of a finished run printed %q, first run %q", again, first)
	}
	if _, _, err := tvae(t, "train", "--resume", runDir, "--config", "paper-vae-mnist"); err == nil || exitCode(err) != 2 {
		t.Fatalf("--resume with --config: %v", err)
	}
}
