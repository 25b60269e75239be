package templates

import (
	"net/http"
	"strconv"
)

// progressText is a run's progress as the list of runs shows it: "3/10 epochs".
func progressText(epoch, epochs int) string {
	return strconv.Itoa(epoch) + "/" + strconv.Itoa(epochs) + " epochs"
}

// orDash shows a missing value as a dash, as the list of runs does.
func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// statusLine is an HTTP status with its text: "404 Not Found".
func statusLine(status int) string {
	if text := http.StatusText(status); text != "" {
		return strconv.Itoa(status) + " " + text
	}
	return strconv.Itoa(status)
}

// errorTitle is the title of an error page: "404 Not Found — tvae".
func errorTitle(status int) string { return statusLine(status) + " — tvae" }

// stepIndex is the slider position of step, the last one when absent.
func stepIndex(steps []ReplayStep, step int) int {
	for i, s := range steps {
		if s.Step == step {
			return i
		}
	}
	return len(steps) - 1
}

// stepLabel names step as the slider shows it.
func stepLabel(steps []ReplayStep, step int) string {
	if i := stepIndex(steps, step); i >= 0 {
		return steps[i].Label
	}
	return ""
}
