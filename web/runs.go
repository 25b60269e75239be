package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tvae/tvae/configs"
	"github.com/tvae/tvae/explore"
	"github.com/tvae/tvae/templates"
)

// page renders the explorer: the runs, the start form and the run selected by
// ?run= (else the newest).
func (s *Server) page(c echo.Context) error {
	runs := s.runs.Runs()
	var current *explore.Run
	if id := c.QueryParam("run"); id != "" {
		r, err := s.runs.Run(id)
		if err != nil {
			return err
		}
		current = r
	} else if len(runs) > 0 {
		current = runs[len(runs)-1]
	}
	p := templates.Page{Start: startForm(c.QueryParam("error"))}
	for _, r := range runs {
		p.Runs = append(p.Runs, runRow(r, r == current))
	}
	if current != nil {
		v := runView(current)
		if q := c.QueryParam("index"); q != "" {
			n, err := s.neighboursModel(c, current)
			if err != nil {
				return err
			}
			v.Neighbours = n
		}
		state, err := readViewState(c, current)
		if err != nil && !errors.Is(err, explore.ErrNoSnapshot) {
			return err
		}
		v.Replay = replayModel(current, state, err)
		p.Current = &v
	}
	return render(c, http.StatusOK, templates.PageView(p))
}

// startKeys are the configuration keys the start form sets; each input is
// named by its key, and an empty one keeps the model's value.
var startKeys = []string{
	"epochs",
	"triplet_weight",
	"margin",
	"seed",
	"train_subset",
	"triplets_per_class",
	"iw_samples",
	"snapshot_every",
	"triplet_mining",
	"labelled_fraction",
	"distance",
	"soft_margin",
	"triplet_on",
	"elbo_weight",
	"prior_components",
	"kl_weight",
	"kl_warmup_epochs",
	"augment_shift",
	"self_training",
}

// startRun starts a run from the form and redirects to its page. A bad value
// comes back to the form as a one-line message.
func (s *Server) startRun(c echo.Context) error {
	model := c.FormValue("model")
	var sets []string
	for _, key := range startKeys {
		if v := strings.TrimSpace(c.FormValue(key)); v != "" {
			sets = append(sets, key+"="+v)
		}
	}
	cfg, err := configs.LoadBuiltin(model, sets)
	if err == nil {
		var r *explore.Run
		if r, err = s.runs.Start(cfg); err == nil {
			return c.Redirect(http.StatusSeeOther, "/?run="+url.QueryEscape(r.ID))
		}
	}
	return c.Redirect(http.StatusSeeOther, "/?error="+url.QueryEscape(err.Error()))
}

type runControl func(*explore.Run) error

func pauseRun(r *explore.Run) error  { return r.Pause() }
func resumeRun(r *explore.Run) error { return r.Resume() }
func stopRun(r *explore.Run) error   { return r.Stop() }

// control applies a pause, resume or stop and returns to the run's page.
func (s *Server) control(do runControl) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := s.runs.Run(c.Param("run"))
		if err != nil {
			return err
		}
		if err := do(r); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/?run="+url.QueryEscape(r.ID))
	}
}

// continueRun resumes training a stopped or interrupted run from its saved
// state and returns to the run's page.
func (s *Server) continueRun(c echo.Context) error {
	r, err := s.runs.Continue(c.Param("run"))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/?run="+url.QueryEscape(r.ID))
}

// finalFragment returns the final figures panel alone, for the page's script
// to show when a run finishes.
func (s *Server) finalFragment(c echo.Context) error {
	r, err := s.runs.Run(c.Param("run"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.FinalFigures(finalFigures(r.Status().Results, r.Config.Latent)))
}

// apiRuns lists the runs and their progress as JSON.
func (s *Server) apiRuns(c echo.Context) error {
	type runJSON struct {
		ID      string `json:"id"`
		Model   string `json:"model"`
		Dataset string `json:"dataset"`
		State   string `json:"state"`
		Epoch   int    `json:"epoch"`
		Epochs  int    `json:"epochs"`
		Error   string `json:"error,omitempty"`
		Dir     string `json:"dir"`
		History any    `json:"history"`
	}
	out := []runJSON{}
	for _, r := range s.runs.Runs() {
		st := r.Status()
		out = append(out, runJSON{r.ID, r.Model(), r.Config.Dataset, string(st.State), st.Epoch, st.Epochs, st.Err, r.Dir, st.History})
	}
	return c.JSON(http.StatusOK, out)
}
