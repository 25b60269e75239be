package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
)

func embedCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("embed", "RUN_DIR --split {train,test} --out FILE.csv", "Write the means μ(x) of a split as CSV: a header, then label,mu_0,...,mu_{d-1} per image", stderr)
	split := fs.String("split", "test", "which split to embed: train or test")
	out := fs.String("out", "", "CSV file to write")
	dataFlags := addDataFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return errUsage("embed needs one RUN_DIR and --out FILE.csv")
	}
	if *split != "train" && *split != "test" {
		return errUsage(fmt.Sprintf("--split %q: want train or test", *split))
	}
	run, err := rundir.Open(pos[0])
	if err != nil {
		return err
	}
	ds, err := newDatasets(dataFlags, stderr)
	if err != nil {
		return err
	}
	d, err := ds.Dataset(run.Config.Dataset, *split)
	if err != nil {
		return err
	}
	e := engine.Embed(run.Params, d)
	var buf []byte
	buf = append(buf, "label"...)
	for k := range e.Dim {
		buf = append(buf, ",mu_"...)
		buf = strconv.AppendInt(buf, int64(k), 10)
	}
	buf = append(buf, '\n')
	for i := range e.N {
		buf = strconv.AppendInt(buf, int64(d.Labels[i]), 10)
		for _, v := range e.Row(i) {
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, float64(v), 'g', -1, 32)
		}
		buf = append(buf, '\n')
	}
	if err := rundir.WriteFile(*out, buf); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d rows of %d means to %s\n", e.N, e.Dim, *out)
	return nil
}
