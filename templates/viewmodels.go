// Package templates renders the explorer's pages as templ components. Components
// only render the view models below, which handlers fill in; they never see
// engine types.
package templates

// Page is the explorer's single page: the runs, a form to start one, and the
// selected run.
type Page struct {
	Runs    []RunRow
	Start   StartForm
	Current *RunView // nil when no run is selected
}

// RunRow is one run in the list of runs.
type RunRow struct {
	ID, Name, Model string // Model is "TVAE" or "VAE"
	State           string // running, paused, stopping, finished, stopped, failed, saved
	Progress        string // "3/10 epochs"
	TripletAccuracy string // formatted percentage of the last epoch, or "–"
	TestNELBO       string // nats per image, or "–"
	URL             string // page of this run
	Selected        bool
}

// Option is one choice of a select element.
type Option struct{ Value, Label string }

// StartForm starts a training run: POST Action with fields model, epochs,
// triplet_weight, margin, seed, train_subset, triplets_per_class.
type StartForm struct {
	Action                                           string
	Models                                           []Option // value: built-in config name
	Minings                                          []Option // value: a triplet_mining; the first is the model's own
	Distances, Hinges, TripletOns, SelfTrainings     []Option // values of distance, soft_margin, triplet_on, self_training; the first is the model's own
	Epochs, TripletWeight, Margin, Seed, TrainSubset string   // defaults shown in the inputs
	TripletsPerClass, IWSamples, SnapshotEvery       string
	LabelledFraction                                 string // empty: the model's own
	Error                                            string // a previous attempt's problem, if any
}

// RunView is the selected run: controls, live curves, plots and neighbours.
type RunView struct {
	ID, Name, Model, State string
	Epoch, Epochs          int
	// Error says why a failed run stopped; empty otherwise.
	Error string
	// Controls are POST forms; Enabled says whether the state allows them now.
	Controls []Control
	// EventsURL streams server-sent events (their JSON shapes are in web/hub.go).
	EventsURL string
	// CurveURL returns the training curve saved so far, as a JSON array of the
	// stream's step events: the loss chart starts from it.
	CurveURL string
	// LossPNG downloads the loss curves as drawn by the server.
	LossPNG string
	// Plots are the images refreshed at every epoch: latent map, reconstructions, samples.
	Plots []Plot
	// PickURL answers a click on the latent map: GET PickURL?fx=F&fy=F (fractions of
	// the image's width and height from its top-left corner) returns a Neighbours fragment.
	PickURL string
	// Epochs so far, newest last.
	History []EpochRow
	// Gallery is a few test digits to click, beside the map.
	Gallery []Digit
	// Neighbours is the last query shown, if any.
	Neighbours *Neighbours
	// Final holds the final figures of a finished run, empty before; FinalURL
	// returns the FinalFigures fragment, fetched by the script when the run finishes.
	Final    []Figure
	FinalURL string
	// Replay is the latent map through training.
	Replay Replay
}

// Figure is one final figure: its name, its formatted value and how it was measured.
type Figure struct{ Name, Value, Note string }

// Control is a button that POSTs to URL.
type Control struct {
	Name, Label, URL string // Name: pause, resume, stop, continue
	Enabled          bool
}

// Plot is one server-rendered image.
type Plot struct {
	ID          string // used in data-testid: "plot-" + ID
	Title       string
	Src         string // PNG for display
	DownloadURL string // the same PNG as an attachment
	Clickable   bool   // the latent map: clicks go to RunView.PickURL
}

// EpochRow is one line of the per-epoch table.
type EpochRow struct {
	Epoch                                 int
	TripletAccuracy, TestNELBO, TrainLoss string // TrainLoss: the epoch's mean objective
}

// Neighbours is a query digit, its reconstruction and its nearest neighbours in μ space.
type Neighbours struct {
	Query          Digit
	Reconstruction string // PNG URL
	Items          []Digit
	DownloadURL    string // PNG of the whole strip
	JSONURL        string // the same as /api/neighbors JSON
}

// Digit is one image with its label; URL loads its own neighbours as a fragment.
type Digit struct {
	Split    string // train or test
	Index    int
	Label    string
	Distance string // empty for the query
	Src      string // PNG URL of the image
	URL      string // GET: Neighbours fragment for this digit
}

// Replay is a run's latent map through training: the script draws it on a
// canvas from Base + "/map.bin", moves it with the step slider, and keeps the
// export links and the page URL in step with the view. The view is Step,
// Basis (the step whose projection is used), Points ("test" or "all"),
// Select (a point, -1 for none) and K.
type Replay struct {
	Base                   string // "/runs/<id>"
	Step, Basis, Select, K int
	Points                 string
	PointSets              []Option // value: "test" or "all"
	Steps                  []ReplayStep
	Classes                []string // class names by label, for the legend
	// The view's exports and the URL that reopens it.
	PageURL, ExportPNG, ExportCSV, ViewJSON string
	// Empty explains why there is no map yet; the rest is then unset.
	Empty string
}

// ReplayStep is one snapshot on the step slider.
type ReplayStep struct {
	Step, Epoch int
	Label       string // "step 300, epoch 1"
}

// MapNeighbours compares a map point's nearest points in μ space with its
// nearest points on the map: Overlap of the K are in both lists.
type MapNeighbours struct {
	Query         MapPoint
	K, Overlap    int
	Latent, Plane []MapPoint
}

// MapPoint is one point of the map: its image, and whether it is in both
// neighbour lists.
type MapPoint struct {
	Point  int
	Digit  Digit
	Shared bool
}
