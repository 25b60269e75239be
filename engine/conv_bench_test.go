package engine

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkConvolutionalEncoder answers whether Gorgonia's CPU convolution
// makes a convolutional encoder worth building: forward and backward of an
// encoder on 384 images (one TVAE step's batch), the paper's MLP
// (784-400-20, μ and log σ²) against a small convolutional one (3×3
// convolutions with 16 and 32 channels, stride 2, ReLU, then dense to 20).
// Both do about the same arithmetic: 330 k multiply-adds an image for the
// MLP, 317 k for the convolutions (28 k + 226 k + 63 k). BENCHMARKS.md has
// the figures and the verdict.
func BenchmarkConvolutionalEncoder(b *testing.B) {
	const n = 384
	for _, bc := range []struct {
		name  string
		build func(g *G.ExprGraph, x *G.Node) (*G.Node, G.Nodes)
	}{
		{"mlp", func(g *G.ExprGraph, x *G.Node) (*G.Node, G.Nodes) {
			w1 := G.NewMatrix(g, tensor.Float32, G.WithShape(784, 400), G.WithInit(G.GlorotU(1)), G.WithName("w1"))
			w2 := G.NewMatrix(g, tensor.Float32, G.WithShape(400, 40), G.WithInit(G.GlorotU(1)), G.WithName("w2"))
			h := G.Must(G.Rectify(G.Must(G.Mul(x, w1))))
			return G.Must(G.Mul(h, w2)), G.Nodes{w1, w2}
		}},
		{"conv", func(g *G.ExprGraph, x *G.Node) (*G.Node, G.Nodes) {
			im := G.Must(G.Reshape(x, tensor.Shape{n, 1, 28, 28}))
			f1 := G.NewTensor(g, tensor.Float32, 4, G.WithShape(16, 1, 3, 3), G.WithInit(G.GlorotU(1)), G.WithName("f1"))
			f2 := G.NewTensor(g, tensor.Float32, 4, G.WithShape(32, 16, 3, 3), G.WithInit(G.GlorotU(1)), G.WithName("f2"))
			w := G.NewMatrix(g, tensor.Float32, G.WithShape(32*7*7, 40), G.WithInit(G.GlorotU(1)), G.WithName("w"))
			h := G.Must(G.Rectify(G.Must(G.Conv2d(im, f1, tensor.Shape{3, 3}, []int{1, 1}, []int{2, 2}, []int{1, 1}))))
			h = G.Must(G.Rectify(G.Must(G.Conv2d(h, f2, tensor.Shape{3, 3}, []int{1, 1}, []int{2, 2}, []int{1, 1}))))
			h = G.Must(G.Reshape(h, tensor.Shape{n, 32 * 7 * 7}))
			return G.Must(G.Mul(h, w)), G.Nodes{f1, f2, w}
		}},
	} {
		b.Run(bc.name+"/"+BLAS, func(b *testing.B) {
			g := G.NewGraph()
			x := G.NewMatrix(g, tensor.Float32, G.WithShape(n, 784), G.WithValue(tensor.New(tensor.WithShape(n, 784), tensor.WithBacking(syntheticMNIST(n).Pixels))), G.WithName("x"))
			out, weights := bc.build(g, x)
			loss := G.Must(G.Mean(G.Must(G.Square(out))))
			if _, err := G.Grad(loss, weights...); err != nil {
				b.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(weights...))
			defer vm.Close()
			for b.Loop() {
				if err := vm.RunAll(); err != nil {
					b.Fatal(err)
				}
				vm.Reset()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
