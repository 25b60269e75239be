package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// paramsMagic starts a weights file; the version follows it.
const paramsMagic = "TVAEWTS1"

// MarshalBinary encodes the weights: the magic, the layer count, then for every
// layer (in Layers order) In, Out as uint32 and W, B as little-endian float32.
// The encoder depth is stored too, so the file alone rebuilds the network. A
// mixture prior follows the layers: K and the latent size as uint32, then
// the means and log-variances; a file without one (as every file before the
// mixture prior) has N(0, I).
func (p *Params) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(paramsMagic)
	ls := p.Layers()
	hdr := []uint32{uint32(len(ls)), uint32(len(p.Encoder))}
	if err := binary.Write(&b, binary.LittleEndian, hdr); err != nil {
		return nil, err
	}
	for _, l := range ls {
		for _, v := range [][]any{{uint32(l.In), uint32(l.Out)}, {l.W}, {l.B}} {
			for _, x := range v {
				if err := binary.Write(&b, binary.LittleEndian, x); err != nil {
					return nil, err
				}
			}
		}
	}
	if m := p.Prior; m != nil {
		for _, x := range []any{[]uint32{uint32(m.K), uint32(m.Latent)}, m.Means, m.LogVars} {
			if err := binary.Write(&b, binary.LittleEndian, x); err != nil {
				return nil, err
			}
		}
	}
	return b.Bytes(), nil
}

// UnmarshalParams decodes what MarshalBinary wrote, checking that the layer
// shapes chain into a VAE.
func UnmarshalParams(buf []byte) (*Params, error) {
	r := bytes.NewReader(buf)
	magic := make([]byte, len(paramsMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != paramsMagic {
		return nil, fmt.Errorf("engine: not a tvae weights file (bad magic)")
	}
	var hdr [2]uint32
	if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil {
		return nil, fmt.Errorf("engine: weights file truncated in its header")
	}
	nLayers, depth := int(hdr[0]), int(hdr[1])
	if depth < 1 || nLayers != 2*depth+3 {
		return nil, fmt.Errorf("engine: weights file has %d layers and encoder depth %d, which is not a VAE", nLayers, depth)
	}
	layers := make([]Dense, nLayers)
	for i := range layers {
		var shape [2]uint32
		if err := binary.Read(r, binary.LittleEndian, &shape); err != nil {
			return nil, fmt.Errorf("engine: weights file truncated at layer %d", i)
		}
		in, out := int(shape[0]), int(shape[1])
		if in < 1 || out < 1 || int64(in)*int64(out) > int64(r.Len())/4 {
			return nil, fmt.Errorf("engine: weights file layer %d has impossible shape %d×%d", i, in, out)
		}
		d := Dense{In: in, Out: out, W: make([]float32, in*out), B: make([]float32, out)}
		if err := binary.Read(r, binary.LittleEndian, d.W); err != nil {
			return nil, fmt.Errorf("engine: weights file truncated at layer %d", i)
		}
		if err := binary.Read(r, binary.LittleEndian, d.B); err != nil {
			return nil, fmt.Errorf("engine: weights file truncated at layer %d", i)
		}
		layers[i] = d
	}
	p := &Params{Encoder: layers[:depth], Mu: layers[depth], LogVar: layers[depth+1], Decoder: layers[depth+2:]}
	if r.Len() != 0 {
		var shape [2]uint32
		if err := binary.Read(r, binary.LittleEndian, &shape); err != nil {
			return nil, fmt.Errorf("engine: weights file has %d trailing bytes", r.Len())
		}
		k, latent := int(shape[0]), int(shape[1])
		if k < 1 || latent != p.Mu.Out {
			return nil, fmt.Errorf("engine: weights file's prior has impossible shape %d×%d for a latent of %d", k, latent, p.Mu.Out)
		}
		// The length is checked before allocating: k comes from the file.
		p.Prior = &Mixture{K: k, Latent: latent}
		if int64(k)*int64(latent)*8 > int64(r.Len()) {
			return nil, fmt.Errorf("engine: weights file truncated in its prior")
		}
		p.Prior.Means, p.Prior.LogVars = make([]float32, k*latent), make([]float32, k*latent)
		if binary.Read(r, binary.LittleEndian, p.Prior.Means) != nil || binary.Read(r, binary.LittleEndian, p.Prior.LogVars) != nil {
			return nil, fmt.Errorf("engine: weights file truncated in its prior")
		}
		if r.Len() != 0 {
			return nil, fmt.Errorf("engine: weights file has %d trailing bytes", r.Len())
		}
	}
	if err := p.checkShapes(); err != nil {
		return nil, err
	}
	return p, nil
}

// checkShapes verifies that each layer's input is the previous layer's output.
func (p *Params) checkShapes() error {
	in := p.Encoder[0].In
	prev := in
	for i, l := range p.Encoder {
		if l.In != prev {
			return fmt.Errorf("engine: encoder layer %d takes %d inputs, previous gives %d", i, l.In, prev)
		}
		prev = l.Out
	}
	if p.Mu.In != prev || p.LogVar.In != prev || p.Mu.Out != p.LogVar.Out {
		return fmt.Errorf("engine: μ and log σ² heads do not match the encoder")
	}
	prev = p.Mu.Out
	for i, l := range p.Decoder {
		if l.In != prev {
			return fmt.Errorf("engine: decoder layer %d takes %d inputs, previous gives %d", i, l.In, prev)
		}
		prev = l.Out
	}
	if prev != in {
		return fmt.Errorf("engine: decoder outputs %d values for %d-pixel images", prev, in)
	}
	if !p.finite() {
		return fmt.Errorf("engine: weights file holds a non-finite weight")
	}
	return nil
}
