package data

import (
	"bytes"
	"crypto/sha256"
	"runtime"
	"slices"
	"testing"
)

func TestReadIDX(t *testing.T) {
	img := idxBytes(magicImages, []int{2, 3, 4}, bytes.Repeat([]byte{7}, 24))
	lbl := idxBytes(magicLabels, []int{5}, []byte{0, 1, 2, 3, 9})
	gzImg := gzipBytes(t, img)

	badCRC := slices.Clone(gzImg)
	badCRC[len(badCRC)-8] ^= 0xff // CRC32 is the 8 bytes before the end, then ISIZE
	badDeflate := slices.Clone(gzImg)
	badDeflate[10] = 0xff // first deflate block header byte: 0xff is a reserved block type
	twoMembers := append(gzipBytes(t, img[:10]), gzipBytes(t, img[10:])...)

	tests := []struct {
		name     string
		in       []byte
		wantDims []int
		wantErr  string // substring; "" means success
	}{
		{"raw images", img, []int{2, 3, 4}, ""},
		{"raw labels", lbl, []int{5}, ""},
		{"gzip images", gzImg, []int{2, 3, 4}, ""},
		{"multi-member gzip", twoMembers, []int{2, 3, 4}, ""},
		{"empty", nil, nil, "empty file"},
		{"wrong magic", idxBytes(0x00000802, []int{2, 2}, []byte{1, 2, 3, 4}), nil, "wrong magic 0x00000802, want 0x00000801 or 0x00000803"},
		{"wrong type byte", idxBytes(0x00000d01, []int{1}, make([]byte, 4)), nil, "wrong magic 0x00000d01"},
		{"html page", []byte("<!DOCTYPE html><html>404</html>"), nil, "wrong magic 0x3c21444f"},
		{"truncated magic", []byte{0, 0}, nil, "truncated header: file has 2 bytes, an IDX header needs 4"},
		{"truncated dims", img[:10], nil, "truncated header: file has 10 bytes, an IDX header needs 16"},
		{"truncated payload", img[:16+10], nil, "truncated: header says 24 pixel bytes, file has 10"},
		{"truncated labels", lbl[:9], nil, "truncated: header says 5 label bytes, file has 1"},
		{"trailing bytes", append(slices.Clone(img), 1, 2, 3), nil, "trailing bytes: 3 bytes after the 24-byte payload"},
		{"trailing bytes in gzip", gzipBytes(t, append(slices.Clone(lbl), 0)), nil, "trailing bytes: 1 bytes"},
		{"gzip bad checksum", badCRC, nil, "corrupt gzip stream"},
		{"gzip bad deflate data", badDeflate, nil, "corrupt gzip stream"},
		{"gzip bad header", []byte{0x1f, 0x8b, 0, 0, 0}, nil, "corrupt gzip stream: bad gzip header"},
		{"gzip truncated", gzImg[:len(gzImg)/2], nil, "truncated"},
		{"gzip missing trailer", gzImg[:len(gzImg)-4], nil, "truncated gzip stream"},
		{"gzip garbage after member", append(slices.Clone(gzImg), "not a gzip member"...), nil, "corrupt gzip stream"},
		{"gzip short garbage after member", append(slices.Clone(gzImg), 'x', 'y'), nil, "truncated gzip stream"},
		{"zero count", idxBytes(magicImages, []int{0, 28, 28}, nil), nil, "dimension 0 is zero"},
		{"zero cols", idxBytes(magicImages, []int{5, 28, 0}, nil), nil, "header says dimensions 5x28x0: dimension 2 is zero"},
		{"huge dims", idxBytes(magicImages, []int{0xffffffff, 0xffffffff, 0xffffffff}, nil), nil, "a payload over 1073741824 bytes"},
		{"huge label count", idxBytes(magicLabels, []int{1<<30 + 1}, nil), nil, "a payload over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dims, payload, err := ReadIDX(bytes.NewReader(tt.in))
			if tt.wantErr != "" {
				checkErr(t, err, tt.wantErr)
				if dims != nil || payload != nil {
					t.Errorf("got dims %v and %d payload bytes with the error", dims, len(payload))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dims, tt.wantDims) {
				t.Errorf("dims = %v, want %v", dims, tt.wantDims)
			}
			if len(payload) != product(dims) {
				t.Errorf("payload has %d bytes, dims %v", len(payload), dims)
			}
		})
	}
}

func TestReadIDXOptions(t *testing.T) {
	lbl := idxBytes(magicLabels, []int{3}, []byte{1, 2, 3})
	tests := []struct {
		name    string
		opts    idxOptions
		wantErr string
	}{
		{"labels where images wanted", idxOptions{magic: magicImages}, "wrong magic 0x00000801, want 0x00000803 (an IDX image file)"},
		{"other count", idxOptions{magic: magicLabels, dims: []int{4}}, "header says 3 labels, want 4"},
		{"match", idxOptions{magic: magicLabels, dims: []int{3}, hash: sha256.New()}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readIDX(bytes.NewReader(lbl), tt.opts)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := tt.opts.hash.Sum(nil); !bytes.Equal(got, sha256Sum(lbl)) {
					t.Errorf("hash of decoded bytes is %x, want %x", got, sha256Sum(lbl))
				}
				return
			}
			checkErr(t, err, tt.wantErr)
		})
	}
}

// TestReadIDXLyingHeaderAllocatesLittle checks that a header announcing ~1 GB over a tiny
// body does not make ReadIDX allocate anywhere near that.
func TestReadIDXLyingHeaderAllocatesLittle(t *testing.T) {
	in := idxBytes(magicImages, []int{1000, 1000, 1000}, make([]byte, 100))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ReadIDX(bytes.NewReader(in))
	runtime.ReadMemStats(&after)
	checkErr(t, err, "truncated: header says 1000000000 pixel bytes, file has 100")
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("allocated %d bytes for a 116-byte input", got)
	}
}

func FuzzReadIDX(f *testing.F) {
	img := idxBytes(magicImages, []int{2, 3, 4}, bytes.Repeat([]byte{200}, 24))
	f.Add(img)
	f.Add(gzipBytes(f, img))
	f.Add(idxBytes(magicLabels, []int{4}, []byte{1, 2, 3, 4}))
	f.Add(img[:20])
	f.Add(append(slices.Clone(img), 0))
	f.Add(idxBytes(magicImages, []int{0, 28, 28}, nil))
	f.Add(idxBytes(magicImages, []int{1 << 20, 1 << 20, 1 << 20}, nil))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		dims, payload, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			if dims != nil || payload != nil {
				t.Fatalf("error %v returned with dims %v and %d bytes", err, dims, len(payload))
			}
			return
		}
		if len(dims) != 1 && len(dims) != 3 {
			t.Fatalf("accepted %d dimensions", len(dims))
		}
		if len(payload) != product(dims) {
			t.Fatalf("payload has %d bytes, dims %v", len(payload), dims)
		}
	})
}

func product(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
