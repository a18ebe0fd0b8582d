package hive

import (
	"encoding/binary"
	"fmt"
	"github.com/actrescue/actrescue/internal/utf16le"
	"strings"
	"time"

	"www.velocidex.com/golang/regparser"

	"github.com/actrescue/actrescue/internal/safeio"
)

// Key is one registry key.
type Key struct {
	h    *Hive
	nk   *regparser.CM_KEY_NODE
	path string
	name string
}

const (
	keyCompName   = 0x0020
	valueCompName = 0x0001
	maxIndexDepth = 3
)

// Name returns the key's own name (decoded).
func (k *Key) Name() string {
	if k.name == "" && k.path != "" {
		k.name = decodeName(k.nk.Name(), k.nk.Flags()&keyCompName != 0)
	}
	return k.name
}

// Path returns the key's path from the hive root.
func (k *Key) Path() string { return k.path }

// LastWrite returns the key's last write time.
func (k *Key) LastWrite() time.Time {
	b := make([]byte, 8)
	if _, err := k.h.r.ReadAt(b, k.nk.Offset+k.h.reg.Profile.Off_CM_KEY_NODE_LastWriteTime); err != nil {
		return time.Time{}
	}
	return FiletimeToTime(binary.LittleEndian.Uint64(b))
}

func decodeName(raw string, ascii bool) string {
	if ascii {
		r := make([]rune, len(raw))
		for i := 0; i < len(raw); i++ {
			r[i] = rune(raw[i]) // Latin-1
		}
		return string(r)
	}
	return utf16le.Decode([]byte(raw))
}

func (k *Key) child(nk *regparser.CM_KEY_NODE) *Key {
	c := &Key{h: k.h, nk: nk}
	c.name = decodeName(nk.Name(), nk.Flags()&keyCompName != 0)
	if c.name == "" {
		c.name = "(unnamed)"
	}
	if k.path == "" {
		c.path = c.name
	} else {
		c.path = k.path + `\` + c.name
	}
	return c
}

// Subkeys lists the key's subkeys.
func (k *Key) Subkeys() (out []*Key, err error) {
	defer safeio.Recover(&err, "subkeys of "+k.path)
	err = k.walkSubkeys(func(nk *regparser.CM_KEY_NODE) bool {
		out = append(out, k.child(nk))
		return true
	})
	return out, err
}

// Subkey opens the direct subkey called name (case-insensitive).
func (k *Key) Subkey(name string) (sub *Key, err error) {
	defer safeio.Recover(&err, "subkey "+name)
	want := strings.ToLower(name)
	hints := hintsFor(name)
	err = k.walkSubkeysHinted(&hints, func(nk *regparser.CM_KEY_NODE) bool {
		n := decodeName(nk.Name(), nk.Flags()&keyCompName != 0)
		if strings.ToLower(n) == want {
			sub = k.child(nk)
			return false
		}
		return true
	})
	if sub != nil {
		return sub, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%w)", joinPath(k.path, name), ErrKeyNotFound, err)
	}
	if sub == nil {
		return nil, fmt.Errorf("%s: %w", joinPath(k.path, name), ErrKeyNotFound)
	}
	return sub, nil
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + `\` + b
}

// walkSubkeys visits the subkey list (lf, lh, li, or ri of those) with
// bounded counts and depth. fn returns false to stop.
func (k *Key) walkSubkeys(fn func(*regparser.CM_KEY_NODE) bool) error {
	return k.walkSubkeysHinted(nil, fn)
}

// nameHints are the lf name hint and lh hash of a key name, used to skip
// list entries that cannot match without reading their key node. ok is
// false for names the hints cannot describe (non-ASCII).
type nameHints struct {
	lf [4]byte
	lh uint32
	ok bool
}

func hintsFor(name string) nameHints {
	var h nameHints
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 0x80 {
			return nameHints{}
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		h.lh = h.lh*37 + uint32(c)
		if i < 4 {
			h.lf[i] = c
		}
	}
	h.ok = true
	return h
}

// matches reports whether a list entry's stored hint allows the name.
func (h *nameHints) matches(sig uint16, stored []byte) bool {
	if h == nil || !h.ok {
		return true
	}
	if sig == 0x686c { // lh: the name's hash
		return binary.LittleEndian.Uint32(stored) == h.lh
	}
	for i := 0; i < 4; i++ { // lf: the first four characters
		c := stored[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c >= 0x80 {
			return true // a non-ASCII hint: do not trust it
		}
		if c != h.lf[i] {
			return false
		}
	}
	return true
}

// walkSubkeysHinted is walkSubkeys that, with hints, reads only the key
// nodes whose lf/lh hint matches: a lookup among hundreds of siblings then
// touches one or two nodes instead of all of them.
func (k *Key) walkSubkeysHinted(hints *nameHints, fn func(*regparser.CM_KEY_NODE) bool) error {
	counts := k.nk.SubKeyCounts()
	if len(counts) == 0 || counts[0] == 0 {
		return nil
	}
	if int(counts[0]) > k.h.opts.MaxSubkeys {
		return fmt.Errorf("%s declares %d subkeys, more than the %d limit: %w", k.path, counts[0], k.h.opts.MaxSubkeys, ErrCorrupt)
	}
	lists := k.nk.SubKeyLists()
	if len(lists) == 0 {
		return nil
	}
	seen, skipped := 0, 0
	stop := false
	var walk func(off uint32, depth int) error
	walk = func(off uint32, depth int) error {
		if depth > maxIndexDepth {
			return fmt.Errorf("%s: subkey index nested deeper than %d: %w", k.path, maxIndexDepth, ErrCorrupt)
		}
		if int64(off)+0x1000+8 > k.h.size {
			return fmt.Errorf("%s: subkey list at 0x%x lies outside the hive: %w", k.path, off, ErrCorrupt)
		}
		cell := k.h.reg.Profile.HCELL(k.h.r, 0x1000+int64(off))
		var refs []uint32
		switch sig := cell.Signature(); sig {
		case 0x666c, 0x686c: // lf, lh: (offset, hash) pairs
			n := int(k.h.reg.Profile.CM_KEY_INDEX_FAST(k.h.r, cell.Offset+4).Count())
			b, err := k.h.read(cell.Offset+8, int64(n)*8)
			if err != nil {
				return fmt.Errorf("%s: read subkey list: %w", k.path, err)
			}
			for i := 0; i < n; i++ {
				if hints.matches(sig, b[i*8+4:i*8+8]) {
					refs = append(refs, binary.LittleEndian.Uint32(b[i*8:]))
				}
			}
		case 0x696c, 0x6972: // li, ri: offsets
			n := int(k.h.reg.Profile.CM_KEY_INDEX(k.h.r, cell.Offset+4).Count())
			b, err := k.h.read(cell.Offset+8, int64(n)*4)
			if err != nil {
				return fmt.Errorf("%s: read subkey list: %w", k.path, err)
			}
			for i := 0; i < n; i++ {
				refs = append(refs, binary.LittleEndian.Uint32(b[i*4:]))
			}
			if sig == 0x6972 {
				for _, r := range refs {
					if err := walk(r, depth+1); err != nil || stop {
						return err
					}
				}
				return nil
			}
		default:
			return fmt.Errorf("%s: subkey list at 0x%x has unknown signature 0x%04x: %w", k.path, off, sig, ErrCorrupt)
		}
		for _, r := range refs {
			if int64(r)+0x1000+80 > k.h.size {
				skipped++
				continue
			}
			nk := k.h.reg.Profile.HCELL(k.h.r, 0x1000+int64(r)).KeyNode()
			if nk == nil {
				skipped++
				continue
			}
			// A child must name this key as its parent: a list entry that
			// points elsewhere (a cycle, a cross-linked cell) is damage.
			if self := k.nk.Offset - 4 - 0x1000; self >= 0 && int64(nk.Parent()) != self {
				skipped++
				continue
			}
			seen++
			if seen > k.h.opts.MaxSubkeys {
				return fmt.Errorf("%s: more than %d subkeys: %w", k.path, k.h.opts.MaxSubkeys, ErrCorrupt)
			}
			if !fn(nk) {
				stop = true
				return nil
			}
		}
		return nil
	}
	if err := walk(lists[0], 0); err != nil {
		return err
	}
	if skipped > 0 && !stop {
		return fmt.Errorf("%s: %d subkey references point outside the hive or to non-key cells: %w", k.path, skipped, ErrCorrupt)
	}
	return nil
}

// read reads n bytes at a hive file offset, bounded by the hive size.
func (h *Hive) read(off, n int64) ([]byte, error) {
	if !safeio.InRange(off, n, h.size) {
		return nil, fmt.Errorf("%d bytes at offset 0x%x lie outside the %d-byte hive: %w", n, off, h.size, ErrCorrupt)
	}
	return safeio.ReadAt(h.r, off, n, h.size)
}
