// Package static holds the explorer's script and style sheet.
package static

import "embed"

// FS holds app.js and style.css. They are embedded so that the tvae binary
// serves its own page with nothing to install or deploy beside it, and so
// that the assets always match the templates compiled into the same binary.
//
//go:embed app.js style.css
var FS embed.FS
