package main

import (
	"context"
	"fmt"
	"io"

	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/rundir"
)

func evalCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "RUN_DIR", "Measure a trained run again on its test split and write RUN_DIR/eval.json", stderr)
	dataFlags := addDataFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errUsage("eval needs exactly one RUN_DIR")
	}
	run, err := rundir.Open(pos[0])
	if err != nil {
		return err
	}
	ds, err := newDatasets(dataFlags, stderr)
	if err != nil {
		return err
	}
	res, err := measure(run, ds)
	if err != nil {
		return err
	}
	if err := rundir.WriteJSON(run.Dir.Path("eval.json"), res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "triplet accuracy   %.2f%% (paper protocol, %d test anchors per class)\n", 100*res.TripletAccuracy, engine.EvalTripletsPerClass)
	fmt.Fprintf(stdout, "test -ELBO         %.2f nats/image (BCE %.2f + KL %.2f, one sample)\n", res.TestNELBO, res.TestBCE, res.TestKL)
	rt := res.RandomTripletAccuracy
	fmt.Fprintf(stdout, "random triplets    %.2f%% (95%% CI %.2f–%.2f, %d independent test triplets)\n", 100*rt.Value, 100*rt.Low, 100*rt.High, rt.N)
	if res.IWSamples > 0 {
		fmt.Fprintf(stdout, "IW bound on NLL    %.2f nats/image (importance-weighted, k = %d samples)\n", res.IWNLL, res.IWSamples)
	} else {
		fmt.Fprintln(stdout, "IW bound on NLL    not measured (the run's iw_samples is 0)")
	}
	fmt.Fprintln(stdout, "retrieval of train μ by test μ (R = the query's class size in train):")
	fmt.Fprintf(stdout, "  precision@1      %.2f%% (= 1-NN accuracy)\n", 100*res.Retrieval.PrecisionAt1)
	fmt.Fprintf(stdout, "  R-precision      %.2f%%\n", 100*res.Retrieval.RPrecision)
	fmt.Fprintf(stdout, "  MAP@R            %.2f%%\n", 100*res.Retrieval.MAPAtR)
	fmt.Fprintf(stdout, "  precision@10     %.2f%% (share of the 10 nearest with the query's label)\n", 100*res.PrecisionAt10)
	fmt.Fprintf(stdout, "  %-16s %.2f%% (majority vote)\n", fmt.Sprintf("%d-NN accuracy", res.Retrieval.K), 100*res.Retrieval.KNNAccuracy)
	fmt.Fprintf(stdout, "k-means on test μ  NMI %.3f, AMI %.3f (k = classes, best of %d starts)\n", res.NMI, res.AMI, engine.KMeansRestarts)
	fmt.Fprintf(stdout, "active units       %d of %d (Var μ_u > %g)\n", res.ActiveUnits, run.Config.Latent, engine.ActiveUnitThreshold)
	return nil
}

// measure computes the final figures of a saved run on its dataset.
func measure(run *rundir.Run, ds *datasets) (engine.Results, error) {
	train, test, err := splits(ds, run.Config.Dataset)
	if err != nil {
		return engine.Results{}, err
	}
	eval, err := engine.NewEvaluator(test)
	if err != nil {
		return engine.Results{}, err
	}
	return eval.Final(run.Params, train, run.Config.IWSamples), nil
}
