package configs

import (
	"bytes"
	"fmt"

	"github.com/tvae/tvae/engine"
)

// Load reads a configuration (a file, or a built-in name), applies the
// key=value overrides in order and validates the result.
func Load(nameOrPath string, sets []string) (engine.Config, error) {
	b, err := Read(nameOrPath)
	if err != nil {
		return engine.Config{}, err
	}
	return parse(nameOrPath, b, sets)
}

// LoadBuiltin is Load restricted to the built-in configurations: for callers
// such as the web page that must not read arbitrary files.
func LoadBuiltin(name string, sets []string) (engine.Config, error) {
	b, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return engine.Config{}, fmt.Errorf("configs: %q is not a built-in configuration; choose one of %v", name, Names())
	}
	return parse(name, b, sets)
}

func parse(name string, b []byte, sets []string) (engine.Config, error) {
	cfg, err := engine.ParseConfig(bytes.NewReader(b))
	if err != nil {
		return engine.Config{}, fmt.Errorf("%s: %w", name, err)
	}
	for _, s := range sets {
		if err := cfg.Set(s); err != nil {
			return engine.Config{}, err
		}
	}
	return cfg, cfg.Validate()
}
