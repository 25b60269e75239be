package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"
)

// IDX magics: two zero bytes, the element type (0x08 = unsigned byte), then the number of dimensions.
const (
	magicLabels = 0x00000801 // 2049: 1-D labels
	magicImages = 0x00000803 // 2051: 3-D images
)

// maxPayload caps what ReadIDX accepts, so a corrupt header cannot make it allocate absurdly.
// MNIST train images are 47 MB; 1 GiB leaves room for any IDX ubyte dataset worth loading.
const maxPayload = 1 << 30

// growChunk is the first allocation for a payload whose size only the (untrusted) header vouches
// for; the buffer then doubles as data actually arrives, so a lying header costs little memory.
const growChunk = 1 << 20

// formatError is something wrong with the content of an IDX stream. Load puts the file name in
// front of msg and hint after it; ReadIDX callers see msg with just the package prefix.
type formatError struct {
	msg  string
	hint string // how to fix it when the stream is a file on disk, e.g. "; delete it to re-download"
}

func (e *formatError) Error() string { return "data: " + e.msg }

func formatErrorf(format string, args ...any) *formatError {
	return &formatError{msg: fmt.Sprintf(format, args...)}
}

// idxOptions narrows what readIDX accepts; the zero value accepts any ubyte label or image file.
type idxOptions struct {
	magic uint32    // required magic, 0 for either
	dims  []int     // required dimensions (checked before the payload is read), nil for any
	hash  hash.Hash // if set, receives every decoded byte
}

// ReadIDX parses one IDX file (gzip detected by its magic bytes 1f 8b, else raw) and returns
// its dimensions and its uint8 payload. It checks the magic (0x00000803 images / 0x00000801 labels,
// i.e. 2051 / 2049, type byte 0x08 = unsigned byte), that the payload length equals the product of the
// dimensions exactly (truncated AND trailing bytes are errors), and sane dimension counts
// (none zero, payload at most 1 GiB). A corrupt gzip stream is an error too.
func ReadIDX(r io.Reader) (dims []int, payload []byte, err error) {
	return readIDX(r, idxOptions{})
}

func readIDX(r io.Reader, o idxOptions) ([]int, []byte, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var src io.Reader = br
	gz := false
	if p, _ := br.Peek(2); len(p) == 2 && p[0] == 0x1f && p[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, formatErrorf("corrupt gzip stream: bad gzip header (%v)", err)
		}
		src, gz = zr, true
	}
	if o.hash != nil {
		src = io.TeeReader(src, o.hash)
	}

	var hdr [4 + 4*3]byte
	if n, err := io.ReadFull(src, hdr[:4]); err != nil {
		if n == 0 && err == io.EOF {
			return nil, nil, formatErrorf("empty file, not an IDX file")
		}
		return nil, nil, headerErr(err, gz, n, 4)
	}
	magic := binary.BigEndian.Uint32(hdr[:4])
	if err := checkMagic(magic, o.magic); err != nil {
		return nil, nil, err
	}
	nd := int(magic & 0xff)
	hdrLen := 4 + 4*nd
	if n, err := io.ReadFull(src, hdr[4:hdrLen]); err != nil {
		return nil, nil, headerErr(err, gz, 4+n, hdrLen)
	}

	dims := make([]int, nd)
	size := 1
	for i := range dims {
		d := binary.BigEndian.Uint32(hdr[4+4*i:])
		dims[i] = int(d)
		if d == 0 {
			return nil, nil, formatErrorf("header says dimensions %s: dimension %d is zero (empty or corrupt file)",
				dimString(readDims(hdr[4:hdrLen])), i)
		}
		// size stays <= maxPayload before each multiply and d < 2^32, so this cannot overflow.
		size *= int(d)
		if size > maxPayload {
			return nil, nil, formatErrorf("header says dimensions %s, a payload over %d bytes: corrupt header or not a dataset this loader accepts",
				dimString(readDims(hdr[4:hdrLen])), maxPayload)
		}
	}
	if o.dims != nil && !slices.Equal(dims, o.dims) {
		return nil, nil, formatErrorf("header says %s %ss, want %s", dimString(dims), kindName(magic), dimString(o.dims))
	}

	// Once the header matches what the caller expects we know the size is right and allocate it
	// at once; otherwise grow as bytes arrive.
	payload, err := readPayload(src, size, o.dims != nil)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			after := ""
			if gz {
				after = " after decompression"
			}
			return nil, nil, formatErrorf("truncated: header says %d %s bytes, file has %d%s",
				size, elemName(magic), len(payload), after)
		}
		return nil, nil, streamErr(err, gz)
	}

	// Reading on to EOF both finds trailing bytes and makes gzip verify its CRC and length.
	const countLimit = 1 << 20
	extra, err := io.CopyN(io.Discard, src, countLimit)
	if extra > 0 {
		more := ""
		if extra == countLimit {
			more = "at least "
		}
		return nil, nil, formatErrorf("trailing bytes: %s%d bytes after the %d-byte payload the header announces (%s)",
			more, extra, size, dimString(dims))
	}
	if err != nil && err != io.EOF {
		if gz && errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, formatErrorf("truncated gzip stream: it ends inside a gzip member (before its checksum)")
		}
		return nil, nil, streamErr(err, gz)
	}
	return dims, payload, nil
}

// readPayload reads exactly size bytes. On a short read it returns what it got and the error.
func readPayload(src io.Reader, size int, trusted bool) ([]byte, error) {
	c := size
	if !trusted {
		c = min(size, growChunk)
	}
	buf := make([]byte, c)
	n := 0
	for {
		m, err := io.ReadFull(src, buf[n:])
		n += m
		if err != nil {
			return buf[:n], err
		}
		if n == size {
			return buf, nil
		}
		nb := make([]byte, min(2*len(buf), size))
		copy(nb, buf)
		buf = nb
	}
}

func checkMagic(magic, want uint32) error {
	if want != 0 {
		if magic != want {
			return formatErrorf("wrong magic 0x%08x, want 0x%08x (an IDX %s file)", magic, want, kindName(want))
		}
		return nil
	}
	if magic != magicImages && magic != magicLabels {
		return formatErrorf("wrong magic 0x%08x, want 0x%08x or 0x%08x (an IDX label or image file of unsigned bytes)",
			magic, magicLabels, magicImages)
	}
	return nil
}

func headerErr(err error, gz bool, got, need int) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErrorf("truncated header: file has %d bytes, an IDX header needs %d", got, need)
	}
	return streamErr(err, gz)
}

// streamErr describes a read failure that is not a clean end of data.
func streamErr(err error, gz bool) error {
	var ce flate.CorruptInputError
	if gz || errors.As(err, &ce) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
		return formatErrorf("corrupt gzip stream (%s)", oneLine(err.Error()))
	}
	return formatErrorf("read error (%s)", oneLine(err.Error()))
}

func kindName(magic uint32) string {
	if magic == magicImages {
		return "image"
	}
	return "label"
}

func elemName(magic uint32) string {
	if magic == magicImages {
		return "pixel"
	}
	return "label"
}

func readDims(b []byte) []int {
	d := make([]int, len(b)/4)
	for i := range d {
		d[i] = int(binary.BigEndian.Uint32(b[4*i:]))
	}
	return d
}

func dimString(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, "x")
}

// oneLine keeps wrapped error texts on one line, as every error here promises.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
