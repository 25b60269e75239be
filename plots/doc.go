// Package plots renders the explorer's figures as PNG images: loss curves,
// latent-space maps, grids of digit images and single-digit thumbnails.
//
// Every figure drawn with gonum.org/v1/plot is rendered at 192 DPI (twice
// the usual screen density) so that it stays sharp when printed or shown on
// a high-density screen. The package takes plain Go slices and knows nothing
// about models, runs or the web server.
//
// Grayscale images are drawn dark on white: a pixel value of 1 (full ink, as
// in MNIST) is black and 0 is white, which suits both printed pages and web
// pages with a light background.
package plots
