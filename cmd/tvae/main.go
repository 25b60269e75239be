// Command tvae trains, evaluates and explores triplet-based variational
// autoencoders (TVAE, arXiv 1802.04403). Run `tvae help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tvae/tvae/engine"
)

func main() {
	// OpenBLAS picks its kernels once, as it loads: a better pick for this
	// CPU needs a restart. If that fails, training runs on, only slower.
	if err := engine.ExecWithBetterBLASCore(); err != nil {
		fmt.Fprintln(os.Stderr, "tvae:", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errHelpShown) {
			fmt.Fprintln(os.Stderr, "tvae:", err)
		}
		os.Exit(exitCode(err))
	}
}

// command is one subcommand of tvae.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "[--addr HOST:PORT] [--train CONFIG] [--run RUN_DIR] [--continue]", "serve the latent-space explorer on localhost", serveCommand},
		{"train", "--config FILE --out RUN_DIR [--set key=value ...]", "train one model and save it as a run folder", trainCommand},
		{"eval", "RUN_DIR", "measure a trained run again and write RUN_DIR/eval.json", evalCommand},
		{"embed", "RUN_DIR --split {train,test} --out FILE.csv", "write the means μ(x) of a split as CSV", embedCommand},
		{"reproduce", "[--seeds N] [--out DIR] [--jobs N]", "train the paper's VAE and TVAE for N seeds and compare with the paper", reproduceCommand},
		{"sweep", "--config CONFIG ... [--seeds N] [--out DIR] [--jobs N]", "train configurations × seeds and tabulate mean ± std of every final figure", sweepCommand},
	}
}

// run executes the command line args (without the program name).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errUsage("no command given")
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, stdout, stdout)
		}
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return errUsage(fmt.Sprintf("unknown command %q", name))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "tvae trains and explores triplet-based variational autoencoders (TVAE, arXiv 1802.04403).")
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  tvae %-9s %s\n  %14s%s\n", c.name, c.args, "", c.summary)
	}
	fmt.Fprintln(w, "  tvae help [COMMAND]   this text, or a command's flags")
	fmt.Fprintln(w, "\nDatasets are read from --data-dir, else $TVAE_DATA_DIR, else a per-user cache folder,")
	fmt.Fprintln(w, "where missing files are downloaded and verified.")
}

// usageError is a mistake on the command line: exit code 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (see tvae help)" }

func errUsage(msg string) error { return usageError(msg) }

// errHelpShown ends a command whose -h was asked for, after printing its flags.
var errHelpShown = errors.New("help shown")

func exitCode(err error) int {
	var u usageError
	switch {
	case errors.Is(err, errHelpShown):
		return 0
	case errors.As(err, &u):
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	}
	return 1
}
