package configs

import (
	"strings"
	"testing"
)

// Every shipped configuration loads and validates, and its name says its
// dataset: a key renamed or a value out of range in a file fails here, not
// in a user's first run.
func TestBuiltinsLoadAndValidate(t *testing.T) {
	names := Names()
	if len(names) < 4 {
		t.Fatalf("built-in configurations %v: want the paper's four at least", names)
	}
	for _, name := range names {
		cfg, err := LoadBuiltin(name, nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !strings.HasSuffix(name, "-"+cfg.Dataset) {
			t.Errorf("%s trains on %s: its name should end in -%s", name, cfg.Dataset, cfg.Dataset)
		}
	}
}
