package ntfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/actrescue/actrescue/internal/utf16le"
	"strings"

	"www.velocidex.com/golang/go-ntfs/parser"
)

// Hibernation is the state hiberfil.sys records.
type Hibernation int

// Hibernation states, from the first four bytes of hiberfil.sys.
const (
	HiberNone   Hibernation = iota // absent or zeroed: clean shutdown
	HiberActive                    // "HIBR"/"hibr": hibernated or Fast Startup
	HiberWake                      // "WAKE"/"wake": resumed, image not cleared
	HiberOther                     // another non-zero header (RSTR, link, ...) or unreadable
)

func (h Hibernation) String() string {
	switch h {
	case HiberActive:
		return "hibernated"
	case HiberWake:
		return "wake"
	case HiberOther:
		return "unknown-header"
	}
	return "none"
}

// State is what a technician must know before trusting a volume.
type State struct {
	Dirty       bool // $Volume flag 0x0001: not cleanly unmounted
	Hibernation Hibernation
	HiberHeader string // printable form of the first 4 bytes of hiberfil.sys, or "unreadable"
	Label       string
	Serial      string
	ClusterSize int64
	Version     string // NTFS version, e.g. "3.1"
}

// State returns the volume state read when the volume was opened.
func (v *Volume) State() State { return v.state }

func (v *Volume) readState(boot []byte) State {
	st := State{ClusterSize: v.ctx.ClusterSize}
	st.Serial = fmt.Sprintf("%016X", binary.LittleEndian.Uint64(boot[72:]))
	func() {
		defer func() { _ = recover() }()
		vol, err := v.ctx.GetMFT(3)
		if err != nil {
			return
		}
		for _, a := range vol.EnumerateAttributes(v.ctx) {
			switch a.Type().Value {
			case 0x60: // $VOLUME_NAME
				st.Label = utf16le.DecodeZ(attrBytes(v.ctx, vol, 0x60, 256))
			case 0x70: // $VOLUME_INFORMATION
				b := attrBytes(v.ctx, vol, 0x70, 64)
				if len(b) >= 12 {
					st.Version = fmt.Sprintf("%d.%d", b[8], b[9])
					st.Dirty = binary.LittleEndian.Uint16(b[10:])&0x0001 != 0
				}
			}
		}
	}()
	// A read error must not pass for "no hibernation file".
	f, err := v.Open("hiberfil.sys")
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		st.Hibernation, st.HiberHeader = HiberOther, "unreadable"
	case f.Size() >= 4:
		hdr := make([]byte, 4)
		if n, _ := f.ReadAt(hdr, 0); n == 4 {
			st.Hibernation, st.HiberHeader = hiberState(hdr)
		} else {
			st.Hibernation, st.HiberHeader = HiberOther, "unreadable"
		}
	}
	return st
}

func hiberState(hdr []byte) (Hibernation, string) {
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '.'
		}
		return r
	}, string(hdr))
	switch strings.ToUpper(string(hdr)) {
	case "HIBR":
		return HiberActive, s
	case "WAKE":
		return HiberWake, s
	case "\x00\x00\x00\x00":
		return HiberNone, ""
	}
	return HiberOther, s
}

func attrBytes(ctx *parser.NTFSContext, e *parser.MFT_ENTRY, typ uint64, max int) []byte {
	rr, err := parser.OpenStream(ctx, e, typ, parser.WILDCARD_STREAM_ID, parser.WILDCARD_STREAM_NAME)
	if err != nil {
		return nil
	}
	n := parser.RangeSize(rr)
	if n <= 0 {
		return nil
	}
	b := make([]byte, min(n, int64(max)))
	k, _ := rr.ReadAt(b, 0)
	return b[:k]
}
