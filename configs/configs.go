// Package configs ships the configuration behind every reported figure, built
// into the binary so that `tvae train --config paper-tvae-mnist` works from
// any folder.
package configs

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// Names lists the built-in configurations.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// Read returns a configuration file's bytes: a path on disk if one exists,
// else a built-in configuration by name (with or without .yaml).
func Read(nameOrPath string) ([]byte, error) {
	b, err := os.ReadFile(nameOrPath)
	if err == nil || strings.ContainsRune(nameOrPath, os.PathSeparator) {
		if err != nil {
			return nil, fmt.Errorf("configs: cannot read %s: %v", nameOrPath, err.(*fs.PathError).Err)
		}
		return b, nil
	}
	b, err = files.ReadFile(strings.TrimSuffix(nameOrPath, ".yaml") + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("configs: %s is neither a file nor a built-in configuration (%s)", nameOrPath, strings.Join(Names(), ", "))
	}
	return b, nil
}
