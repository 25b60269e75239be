package web

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/tvae/tvae/explore"
)

// A map with a mixture prior ends with its component means, and the bounds
// hold them and the basis frame's points too.
func TestEncodeMapCarriesPriorMeans(t *testing.T) {
	m := &explore.Map{XY: [][2]float64{{0, 0}, {1, 2}}, Spread: []float64{0.5, 0.25}, Labels: []uint8{3, 7},
		PriorXY: [][2]float64{{-4, 1}, {2, 5}}}
	frame := &explore.Map{XY: [][2]float64{{3, -2}}}
	b := encodeMap(m, frame)
	if len(b) != 20+13*2+4+8*2 {
		t.Fatalf("%d bytes, want %d", len(b), 20+13*2+4+8*2)
	}
	var h mapHeader
	if err := binary.Read(bytes.NewReader(b), binary.LittleEndian, &h); err != nil {
		t.Fatal(err)
	}
	if want := (mapHeader{N: 2, MinX: -4, MaxX: 3, MinY: -2, MaxY: 5}); h != want {
		t.Errorf("header %+v, want %+v", h, want)
	}
	if labels := b[20+12*2 : 20+13*2]; !reflect.DeepEqual(labels, []byte{3, 7}) {
		t.Errorf("labels %v", labels)
	}
	rest := bytes.NewReader(b[20+13*2:])
	var k uint32
	prior := make([]float32, 4)
	binary.Read(rest, binary.LittleEndian, &k)
	binary.Read(rest, binary.LittleEndian, prior)
	if k != 2 || !reflect.DeepEqual(prior, []float32{-4, 1, 2, 5}) {
		t.Errorf("prior means: %d, %v; want 2, [-4 1 2 5]", k, prior)
	}
}
