package web

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/tvae/tvae/configs"
	"github.com/tvae/tvae/data"
	"github.com/tvae/tvae/engine"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/rundir"
	"github.com/tvae/tvae/templates"
)

// This file turns runs into the view models the templates render.

func runURL(r *explore.Run, path string) string { return "/runs/" + url.PathEscape(r.ID) + path }

func modelLabel(r *explore.Run) string {
	if r.Config.IsTriplet() {
		return "TVAE"
	}
	return "VAE"
}

func percent(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

// formSnapshotEvery is the start form's snapshot interval: about four
// snapshots an epoch of the paper's 391 steps, 49 over ten epochs.
const formSnapshotEvery = 100

func startForm(errMsg string) templates.StartForm {
	d := engine.DefaultConfig()
	f := templates.StartForm{
		Action: "/runs", Error: errMsg,
		Epochs: fmt.Sprint(d.Epochs),
		Seed:   fmt.Sprint(d.Seed), TrainSubset: "0", TripletsPerClass: fmt.Sprint(d.TripletsPerClass), IWSamples: fmt.Sprint(d.IWSamples),
		SnapshotEvery: fmt.Sprint(formSnapshotEvery),
	}
	f.Minings = []templates.Option{
		{Value: "", Label: "model's own (the paper: a fixed list)"},
		{Value: engine.MineBatchAll, Label: "online, batch-all"},
		{Value: engine.MineBatchAllMean, Label: "online, batch-all mean (every triplet)"},
		{Value: engine.MineBatchHard, Label: "online, batch-hard"},
		{Value: engine.MineSemiHard, Label: "online, semi-hard"},
	}
	f.Distances = []templates.Option{
		{Value: "", Label: "model's own (the paper: Euclidean)"},
		{Value: engine.DistanceEuclidean, Label: "Euclidean"},
		{Value: engine.DistanceSquared, Label: "squared Euclidean"},
		{Value: engine.DistanceCosine, Label: "cosine"},
	}
	f.Hinges = []templates.Option{
		{Value: "", Label: "model's own (the paper: hard)"},
		{Value: "false", Label: "hard, max(0, ·)"},
		{Value: "true", Label: "soft, softplus"},
	}
	f.SelfTrainings = []templates.Option{
		{Value: "", Label: "model's own (off)"},
		{Value: "false", Label: "off"},
		{Value: "true", Label: "on: pseudo-label confident unlabelled images (few labels, online mining)"},
	}
	f.TripletOns = []templates.Option{
		{Value: "", Label: "model's own (the paper: μ)"},
		{Value: engine.TripletOnMu, Label: "means μ"},
		{Value: engine.TripletOnZ, Label: "samples z"},
	}
	names := configs.Names()
	// MNIST first: the paper's dataset is the natural default.
	sort.SliceStable(names, func(i, j int) bool {
		return !strings.Contains(names[i], "fashion") && strings.Contains(names[j], "fashion")
	})
	for _, name := range names {
		f.Models = append(f.Models, templates.Option{Value: name, Label: name})
	}
	return f
}

func runRow(r *explore.Run, selected bool) templates.RunRow {
	st := r.Status()
	row := templates.RunRow{
		ID: r.ID, Name: r.ID, Model: modelLabel(r), State: string(st.State),
		Progress:        fmt.Sprintf("%d/%d epochs", st.Epoch, st.Epochs),
		TripletAccuracy: "–", TestNELBO: "–",
		URL: "/?run=" + url.QueryEscape(r.ID), Selected: selected,
	}
	if n := len(st.History); n > 0 {
		last := st.History[n-1]
		row.TripletAccuracy, row.TestNELBO = percent(last.TripletAccuracy), fmt.Sprintf("%.2f", last.TestNELBO)
	}
	return row
}

// The plots of a run page, refreshed at every epoch.
var runPlots = []struct{ id, title string }{
	{"latent", "Latent map: test μ on their first two principal axes"},
	{"accuracy", "Triplet accuracy per epoch"},
	{"reconstructions", "Test digits (odd rows) and their reconstructions (even rows)"},
	{"samples", "Samples from the prior"},
}

// galleryDigits is how many test digits the gallery offers to click.
const galleryDigits = 24

func runView(r *explore.Run) templates.RunView {
	st := r.Status()
	active := st.State == explore.Running || st.State == explore.Paused
	v := templates.RunView{
		ID: r.ID, Name: r.ID, Model: modelLabel(r), State: string(st.State), Epoch: st.Epoch, Epochs: st.Epochs, Error: st.Err,
		Controls: []templates.Control{
			{Name: "pause", Label: "Pause", URL: runURL(r, "/pause"), Enabled: st.State == explore.Running},
			{Name: "resume", Label: "Resume", URL: runURL(r, "/resume"), Enabled: st.State == explore.Paused},
			{Name: "stop", Label: "Stop", URL: runURL(r, "/stop"), Enabled: active},
			{Name: "continue", Label: "Continue training", URL: runURL(r, "/continue"), Enabled: st.State == explore.Stopped || st.State == explore.Interrupted},
		},
		EventsURL: "/events",
		CurveURL:  runURL(r, "/steps.json"),
		LossPNG:   runURL(r, "/plots/loss.png?download=1"),
		PickURL:   runURL(r, "/pick"),
		Final:     finalFigures(st.Results, r.Config.Latent),
		FinalURL:  runURL(r, "/final"),
	}
	for _, p := range runPlots {
		src := runURL(r, "/plots/"+p.id+".png")
		v.Plots = append(v.Plots, templates.Plot{ID: p.id, Title: p.title, Src: src, DownloadURL: src + "?download=1", Clickable: p.id == "latent"})
	}
	names := data.ClassNames(r.Config.Dataset)
	for i := 0; i < min(galleryDigits, r.Test.Len()); i++ {
		v.Gallery = append(v.Gallery, digitModel(r, "test", i, names[r.Test.Labels[i]], ""))
	}
	for _, m := range st.History {
		v.History = append(v.History, templates.EpochRow{Epoch: m.Epoch, TripletAccuracy: percent(m.TripletAccuracy), TestNELBO: fmt.Sprintf("%.2f", m.TestNELBO), TrainLoss: fmt.Sprintf("%.4f", m.Train.Total)})
	}
	return v
}

// digitModel describes one image with links to its picture and its neighbours.
func digitModel(r *explore.Run, split string, index int, label, distance string) templates.Digit {
	return templates.Digit{
		Split: split, Index: index, Label: label, Distance: distance,
		Src: runURL(r, fmt.Sprintf("/digits/%s/%d.png", split, index)),
		URL: runURL(r, fmt.Sprintf("/neighbours?split=%s&index=%d", split, index)),
	}
}

// finalFigures lists a finished run's final figures with how each was
// measured; none before the run finishes.
func finalFigures(res *rundir.Results, latent int) []templates.Figure {
	if res == nil {
		return nil
	}
	pct := func(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }
	rt := res.RandomTripletAccuracy
	figs := []templates.Figure{
		{Name: "Triplet accuracy", Value: pct(res.TripletAccuracy), Note: "paper protocol: the fixed 10,000 test triplets"},
		{Name: "Random triplets", Value: fmt.Sprintf("%s (%.2f–%.2f)", pct(rt.Value), 100*rt.Low, 100*rt.High), Note: fmt.Sprintf("%d independent test triplets, 95%% interval", rt.N)},
		{Name: "Precision@1", Value: pct(res.Retrieval.PrecisionAt1), Note: "the nearest train μ has the test digit's label (1-NN accuracy)"},
		{Name: "R-precision", Value: pct(res.Retrieval.RPrecision), Note: "R = the digit's class size in train"},
		{Name: "MAP@R", Value: pct(res.Retrieval.MAPAtR), Note: "mean average precision over the R nearest"},
		{Name: "Precision@10", Value: pct(res.PrecisionAt10), Note: "what the neighbour panel shows"},
		{Name: fmt.Sprintf("%d-NN accuracy", res.Retrieval.K), Value: pct(res.Retrieval.KNNAccuracy), Note: "majority vote of the nearest train μ's"},
		{Name: "k-means NMI / AMI", Value: fmt.Sprintf("%.3f / %.3f", res.NMI, res.AMI), Note: "k-means of the test μ's against the labels"},
		{Name: "Test −ELBO", Value: fmt.Sprintf("%.2f nats", res.TestNELBO), Note: "one sample per image"},
	}
	if res.IWSamples > 0 {
		figs = append(figs, templates.Figure{Name: "IW bound on −log p(x)", Value: fmt.Sprintf("%.2f nats", res.IWNLL), Note: fmt.Sprintf("importance-weighted, k = %d samples per image", res.IWSamples)})
	}
	return append(figs, templates.Figure{Name: "Active units", Value: fmt.Sprintf("%d of %d", res.ActiveUnits, latent), Note: "latent means whose variance over the test set exceeds 0.01"})
}
