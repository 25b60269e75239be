package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/tvae/tvae/configs"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/web"
)

func serveCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "[--addr HOST:PORT] [--train CONFIG [--set key=value ...]] [--run RUN_DIR ...]",
		"Serve the latent-space explorer: watch training live, explore the map and nearest neighbours, download plots", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	train := fs.String("train", "", "start training this configuration (a YAML file or built-in name) at launch")
	var sets, opens setFlags
	fs.Var(&sets, "set", "override one key of the --train configuration, e.g. --set epochs=2 (repeatable)")
	fs.Var(&opens, "run", "open a finished run folder for exploring, without training (repeatable)")
	runsDir := fs.String("runs", "runs", "folder where runs started from the explorer are saved; finished runs in it are listed at launch")
	continueRuns := fs.Bool("continue", false, "continue training every run of the --runs folder that an earlier session left unfinished")
	dataFlags := addDataFlags(fs)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if len(sets) > 0 && *train == "" {
		return errUsage("--set needs --train")
	}
	ds, err := newDatasets(dataFlags, stderr)
	if err != nil {
		return err
	}
	signalled := ctx
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	hub := web.NewHub()
	m, err := explore.NewManager(ctx, ds, *runsDir, hub)
	if err != nil {
		return err
	}
	// Stop training and wait for every run to save its last epoch before returning.
	defer m.Wait()
	defer stop()
	for _, dir := range opens {
		if _, err := m.Open(dir); err != nil {
			return err
		}
	}
	if *continueRuns {
		for _, r := range m.Runs() {
			if r.Status().State == explore.Interrupted {
				if _, err := m.Continue(r.ID); err != nil {
					return err
				}
			}
		}
	}
	if *train != "" {
		cfg, err := configs.Load(*train, sets)
		if err != nil {
			return err
		}
		if _, err := m.Start(cfg); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := web.NewServer(m, hub, log)
	err = srv.Serve(ctx, *addr, func(a net.Addr) {
		fmt.Fprintf(stdout, "tvae explorer on http://%s (Ctrl-C to stop)\n", a)
		if tcp, ok := a.(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
			fmt.Fprintf(stderr, "tvae: warning: %s is reachable from other machines, and anyone who reaches it can start and stop training; use --addr 127.0.0.1:PORT to keep it local\n", a)
		}
	})
	if err != nil || signalled.Err() == nil {
		return err
	}
	stop()
	m.Wait()
	return serveStopped(m.Runs(), *runsDir, signalled.Err())
}

// serveStopped is the one line the explorer ends with when signalled: which
// runs were saved mid-training, and how to go on with them.
func serveStopped(runs []*explore.Run, runsDir string, cause error) error {
	n := 0
	for _, r := range runs {
		if st := r.Status().State; st == explore.Stopped || st == explore.Interrupted {
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("explorer stopped; no run was training (%w)", cause)
	}
	return fmt.Errorf("explorer stopped; %d unfinished run(s) saved in %s: go on with tvae serve --runs %s --continue (%w)", n, runsDir, runsDir, cause)
}
