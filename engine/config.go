package engine

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tvae/tvae/data"
)

// Config is everything that determines a training run. Its YAML form is the
// run's configuration file; every field has the paper's value by default.
type Config struct {
	// Dataset names the data: "mnist" or "fashion-mnist".
	Dataset string `yaml:"dataset"`
	// Hidden lists the encoder's hidden layer widths; the decoder mirrors them.
	Hidden []int `yaml:"hidden"`
	// Latent is the dimension of z (and of μ).
	Latent int `yaml:"latent"`
	// PriorComponents, when positive, replaces the prior N(0, I) by a
	// mixture of that many diagonal Gaussians whose means and variances are
	// learned with the weights (see Mixture); 0 keeps N(0, I), the paper's.
	PriorComponents int `yaml:"prior_components,omitempty"`
	// Epochs is the number of passes over the training triplets (or images).
	Epochs int `yaml:"epochs"`
	// BatchSize is triplets per step for TVAE, images per step for a plain VAE.
	BatchSize int `yaml:"batch_size"`
	// LearningRate is Adam's step size.
	LearningRate float64 `yaml:"learning_rate"`
	// ELBOWeight multiplies the negative ELBO per image.
	ELBOWeight float64 `yaml:"elbo_weight"`
	// TripletWeight multiplies the margin-ranking triplet loss; 0 makes a plain VAE
	// trained on image batches.
	TripletWeight float64 `yaml:"triplet_weight"`
	// Margin is the triplet loss's margin.
	Margin float64 `yaml:"margin"`
	// NormWeight multiplies the sum of the Frobenius norms of the three μ batches.
	NormWeight float64 `yaml:"norm_weight"`
	// Distance is the triplet loss's distance: "euclidean" (the paper),
	// "squared" or "cosine" (see DistanceEuclidean). Online mining ranks by it.
	Distance string `yaml:"distance"`
	// SoftMargin replaces the triplet hinge max(0, x) by softplus(x)
	// (Hermans, Beyer and Leibe 2017, who also set margin 0).
	SoftMargin bool `yaml:"soft_margin"`
	// TripletOn is the embedding the triplet and norm terms compare: "mu"
	// (the paper) or "z", a reparameterised sample.
	TripletOn string `yaml:"triplet_on"`
	// ELBOOnBatch, with online mining, takes the ELBO on the batch's images,
	// each once, instead of on the rows of the mined triplets, where an
	// image counts as often as it is drawn into a triplet and the hard ones
	// dominate. Runs with few labels always do.
	ELBOOnBatch bool `yaml:"elbo_on_batch"`
	// KLWeight is β, the weight of the KL term inside the ELBO (1: the ELBO).
	KLWeight float64 `yaml:"kl_weight"`
	// KLWarmupEpochs, when positive, raises β linearly from 0 to KLWeight
	// over that many epochs, step by step.
	KLWarmupEpochs float64 `yaml:"kl_warmup_epochs"`
	// TripletsPerClass is the number of training triplets drawn per anchor class.
	TripletsPerClass int `yaml:"triplets_per_class"`
	// TripletMining chooses the triplets of a triplet run: "list" (the
	// paper's fixed random list), or online in each class-balanced batch of
	// images, "batch-all", "batch-all-mean", "batch-hard" or "semi-hard"
	// (see MineBatchAll, MineBatchAllMean, MineBatchHard, MineSemiHard).
	TripletMining string `yaml:"triplet_mining"`
	// LabelledFraction is the share of training images whose labels a
	// triplet run may use (stratified by class, seeded by Seed). Below 1 the
	// ELBO is taken on every training image and the triplets come from the
	// labelled ones only: an epoch passes over all images, and each step
	// adds BatchSize triplets among the labelled images.
	LabelledFraction float64 `yaml:"labelled_fraction"`
	// AugmentShift, when positive, translates each triplet image by a random
	// whole number of pixels, from −AugmentShift to AugmentShift in each
	// direction, at every step (see Translate). The ELBO's own images are
	// not moved, except where the ELBO is taken on the triplets' images.
	AugmentShift int `yaml:"augment_shift"`
	// SelfTraining, in a few-label run with online mining, lets the
	// unlabelled images join the mining from the second epoch on: at each
	// epoch's start, every unlabelled image whose SelfTrainingNeighbours
	// nearest labelled images (by the current μ) share one class takes it
	// as a pseudo-label for that epoch (see PseudoLabels).
	SelfTraining bool `yaml:"self_training"`
	// RedrawTriplets draws a fresh set of training triplets at every epoch.
	RedrawTriplets bool `yaml:"redraw_triplets"`
	// TripletsFile, when set, names a CSV of the training triplets
	// (anchor,positive,negative indices into the training images), used
	// instead of random ones: similarity that class labels do not give.
	TripletsFile string `yaml:"triplets_file,omitempty"`
	// Seed seeds initialisation, triplets, batch order and the reparameterisation noise.
	Seed uint64 `yaml:"seed"`
	// IWSamples is k of the importance-weighted bound on the test negative
	// log-likelihood in a run's final figures; 0 skips that bound.
	IWSamples int `yaml:"iw_samples"`
	// SnapshotEvery, when positive, records the model's latent state every
	// SnapshotEvery optimisation steps (counted across epochs) for the
	// explorer's replay; every epoch end is recorded regardless.
	SnapshotEvery int `yaml:"snapshot_every"`
	// TrainSubset, when positive, trains on the first TrainSubset training images
	// only (quick runs and tests).
	TrainSubset int `yaml:"train_subset"`
}

// DefaultConfig returns the paper's TVAE configuration on MNIST.
func DefaultConfig() Config {
	return Config{
		Dataset:          "mnist",
		Hidden:           []int{400},
		Latent:           20,
		Epochs:           10,
		BatchSize:        128,
		LearningRate:     1e-3,
		ELBOWeight:       0.01,
		TripletWeight:    1,
		Margin:           0.2,
		NormWeight:       0.001,
		Distance:         DistanceEuclidean,
		TripletOn:        TripletOnMu,
		KLWeight:         1,
		TripletsPerClass: 5000,
		TripletMining:    MineList,
		LabelledFraction: 1,
		Seed:             1,
		IWSamples:        IWSamples,
	}
}

// TrainingSet returns the part of train a run trains on: the first
// TrainSubset images when that is set, else all of train.
func (c Config) TrainingSet(train *data.Dataset) *data.Dataset {
	if c.TrainSubset <= 0 || c.TrainSubset >= train.Len() {
		return train
	}
	idx := make([]int, c.TrainSubset)
	for i := range idx {
		idx[i] = i
	}
	return train.Subset(idx)
}

// EpochOverImages reports whether an epoch passes over the training images
// (a plain VAE, online mining, few labels) rather than over a list of
// triplets.
func (c Config) EpochOverImages() bool { return !c.IsTriplet() || c.MinesOnline() || c.FewLabels() }

// FewLabels reports whether a triplet run uses the labels of only part of
// the training images.
func (c Config) FewLabels() bool { return c.IsTriplet() && c.LabelledFraction < 1 }

// MinesOnline reports whether a triplet run mines its triplets in each batch
// of images instead of training on a list.
func (c Config) MinesOnline() bool {
	return c.IsTriplet() && isOnline(c.TripletMining)
}

// The embeddings the triplet term can compare (Config.TripletOn).
const (
	TripletOnMu = "mu"
	TripletOnZ  = "z"
)

// Objective returns the training loss's weights, margin and distance.
func (c Config) Objective() Objective {
	return Objective{ELBOWeight: c.ELBOWeight, TripletWeight: c.TripletWeight, Margin: c.Margin, NormWeight: c.NormWeight,
		Distance: c.Distance, SoftMargin: c.SoftMargin, TripletOnZ: c.TripletOn == TripletOnZ, BatchAllMean: c.TripletMining == MineBatchAllMean,
		MixturePrior: c.PriorComponents > 0}
}

// KLWeightAt returns β at a global step (steps done before it, across
// epochs) of epochSteps steps an epoch: KLWeight, reached linearly over
// KLWarmupEpochs.
func (c Config) KLWeightAt(global, epochSteps int) float64 {
	if c.KLWarmupEpochs <= 0 {
		return c.KLWeight
	}
	return c.KLWeight * min(1, float64(global)/(c.KLWarmupEpochs*float64(epochSteps)))
}

// IsTriplet reports whether the run trains on triplets (TVAE) rather than on
// single images (plain VAE).
func (c Config) IsTriplet() bool { return c.TripletWeight != 0 }

// ParseConfig reads a YAML configuration over the defaults. Unknown keys and
// values of the wrong type are errors, so a typo never silently falls back to a
// default.
func ParseConfig(r io.Reader) (Config, error) {
	c := DefaultConfig()
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && err != io.EOF {
		return Config{}, fmt.Errorf("engine: config: %s", yamlError(err))
	}
	return c, nil
}

// Set overrides one field from a "key=value" string, as given to --set.
func (c *Config) Set(assignment string) error {
	key, value, ok := strings.Cut(assignment, "=")
	if !ok || strings.TrimSpace(key) == "" || strings.ContainsAny(assignment, "\r\n") {
		return fmt.Errorf("engine: --set %q: want key=value, e.g. --set epochs=2", assignment)
	}
	dec := yaml.NewDecoder(strings.NewReader(strings.TrimSpace(key) + ": " + value))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("engine: --set %q: %s", assignment, yamlError(err))
	}
	return nil
}

// YAML returns the configuration as a YAML document, the form saved in a run.
func (c Config) YAML() []byte {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		panic(err) // a Config of plain fields always encodes
	}
	return b.Bytes()
}

// Validate checks ranges before any work starts.
func (c Config) Validate() error {
	var bad []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	check(c.Dataset == "mnist" || c.Dataset == "fashion-mnist", "dataset %q is not mnist or fashion-mnist", c.Dataset)
	check(len(c.Hidden) > 0, "hidden must list at least one layer width")
	for _, h := range c.Hidden {
		check(h >= 1, "hidden widths must be >= 1 (got %d)", h)
	}
	check(c.Latent >= 1, "latent must be >= 1 (got %d)", c.Latent)
	check(c.PriorComponents >= 0, "prior_components must be >= 0, 0 for the prior N(0, I) (got %d)", c.PriorComponents)
	check(c.Epochs >= 1, "epochs must be >= 1 (got %d)", c.Epochs)
	check(c.BatchSize >= 1, "batch_size must be >= 1 (got %d)", c.BatchSize)
	check(c.LearningRate > 0, "learning_rate must be > 0 (got %g)", c.LearningRate)
	check(c.ELBOWeight >= 0, "elbo_weight must be >= 0 (got %g)", c.ELBOWeight)
	check(c.TripletWeight >= 0, "triplet_weight must be >= 0 (got %g)", c.TripletWeight)
	check(c.ELBOWeight > 0 || c.TripletWeight > 0, "elbo_weight and triplet_weight are both 0: nothing to train")
	check(c.Margin >= 0, "margin must be >= 0 (got %g)", c.Margin)
	check(c.NormWeight >= 0, "norm_weight must be >= 0 (got %g)", c.NormWeight)
	check(!c.IsTriplet() || c.TripletsPerClass >= 1, "triplets_per_class must be >= 1 for a triplet run (got %d)", c.TripletsPerClass)
	check(c.TrainSubset >= 0, "train_subset must be >= 0 (got %d)", c.TrainSubset)
	check(!c.SelfTraining || (c.FewLabels() && c.MinesOnline()), "self_training needs labelled_fraction < 1 and an online triplet_mining (%s)", onlineRules)
	check(c.AugmentShift >= 0, "augment_shift must be >= 0 (got %d)", c.AugmentShift)
	check(c.SnapshotEvery >= 0, "snapshot_every must be >= 0 (got %d)", c.SnapshotEvery)
	check(c.IWSamples >= 0, "iw_samples must be >= 0 (got %d)", c.IWSamples)
	check(c.TripletMining == MineList || isOnline(c.TripletMining),
		"triplet_mining %q is not %s, %s", c.TripletMining, MineList, onlineRules)
	check(c.Distance == DistanceEuclidean || c.Distance == DistanceSquared || c.Distance == DistanceCosine,
		"distance %q is not %s, %s or %s", c.Distance, DistanceEuclidean, DistanceSquared, DistanceCosine)
	check(c.TripletOn == TripletOnMu || c.TripletOn == TripletOnZ, "triplet_on %q is not %s or %s", c.TripletOn, TripletOnMu, TripletOnZ)
	check(c.KLWeight >= 0, "kl_weight must be >= 0 (got %g)", c.KLWeight)
	check(c.KLWarmupEpochs >= 0, "kl_warmup_epochs must be >= 0 (got %g)", c.KLWarmupEpochs)
	check(!c.ELBOOnBatch || c.MinesOnline(), "elbo_on_batch needs an online triplet_mining (%s): a list has no batch of images", onlineRules)
	check(!c.ELBOOnBatch || c.TripletMining != MineBatchAllMean, "elbo_on_batch is for mined triplets: %s takes the ELBO on the batch already", MineBatchAllMean)
	check(c.TripletMining != MineBatchAllMean || c.Distance == DistanceEuclidean, "%s takes the euclidean distance only (got %s)", MineBatchAllMean, c.Distance)
	check(c.TripletMining == MineList || c.TripletsFile == "", "triplets_file needs triplet_mining %s: a file is a list", MineList)
	check(c.TripletMining == MineList || !c.RedrawTriplets, "redraw_triplets needs triplet_mining %s: mined triplets are new at every step", MineList)
	check(c.LabelledFraction > 0 && c.LabelledFraction <= 1, "labelled_fraction must be in (0, 1] (got %g)", c.LabelledFraction)
	check(c.LabelledFraction == 1 || c.TripletsFile == "", "labelled_fraction and triplets_file exclude each other: a file's triplets say nothing of labels")
	check(c.TripletsFile == "" || c.IsTriplet(), "triplets_file needs triplet_weight > 0")
	check(c.TripletsFile == "" || !c.RedrawTriplets, "triplets_file and redraw_triplets exclude each other: a file's triplets cannot be redrawn")
	if len(bad) > 0 {
		return fmt.Errorf("engine: config: %s", strings.Join(bad, "; "))
	}
	return nil
}

var (
	unknownKey = regexp.MustCompile(`field (\S+) not found in type engine\.Config`)
	wrongType  = regexp.MustCompile("cannot unmarshal !!(\\w+)(?: (`[^`]*`))? into (\\S+)")
	typeNames  = map[string]string{"int": "an integer", "uint64": "a non-negative integer", "float64": "a number",
		"bool": "true or false", "string": "a string", "[]int": "a list of integers such as [400]"}
)

// yamlError puts the YAML decoder's message in the configuration's terms: key
// names and the values they take instead of Go types, on one line.
func yamlError(err error) string {
	msg := strings.TrimPrefix(oneLine(err), "yaml: unmarshal errors: ")
	msg = unknownKey.ReplaceAllString(msg, "unknown key $1 (the keys are "+strings.Join(configKeys(), ", ")+")")
	return wrongType.ReplaceAllStringFunc(msg, func(m string) string {
		sub := wrongType.FindStringSubmatch(m)
		want, ok := typeNames[sub[3]]
		if !ok {
			return m
		}
		if sub[2] == "" { // a list or a mapping, which YAML does not quote
			sub[2] = "a " + strings.NewReplacer("seq", "list", "map", "mapping").Replace(sub[1])
		}
		return sub[2] + " is not " + want
	})
}

// configKeys lists the YAML keys of Config.
func configKeys() []string {
	var keys []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		keys = append(keys, name)
	}
	return keys
}

// oneLine folds a multi-line library error into one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
