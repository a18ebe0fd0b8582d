//go:build linux

package main

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"
)

// A registry hive writer (regf 1.5): base block, hbins, nk/vk/lh/ri/sk
// cells and big data (db) for values larger than 16344 bytes. Layout
// follows the Windows registry file format as published by M. Suhanov
// ("Windows registry file format specification") and libhivex's notes.
//
// Keys are laid out depth first, the way a hive grown by Windows Setup
// looks: a key's node, its values, then each subkey's whole subtree, then
// the key's subkey list. Siblings are therefore far apart in a big hive,
// and a reader that looks a name up pays for every sibling it visits.

// Registry value types.
const (
	RegSZ       = 1
	RegExpandSZ = 2
	RegBinary   = 3
	RegDWORD    = 4
	RegMultiSZ  = 7
	RegQWORD    = 11
)

// Key is one key of the tree to write.
type Key struct {
	Name    string
	Values  []Value
	Subkeys []*Key
}

// Value is one value.
type Value struct {
	Name string
	Type uint32
	Data []byte
}

// Child returns the subkey called name, creating it when absent.
func (k *Key) Child(name string) *Key {
	for _, s := range k.Subkeys {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	c := &Key{Name: name}
	k.Subkeys = append(k.Subkeys, c)
	return c
}

// Path returns the key at a '\'-separated path, creating missing keys.
func (k *Key) Path(p string) *Key {
	cur := k
	for _, c := range strings.Split(p, `\`) {
		if c != "" {
			cur = cur.Child(c)
		}
	}
	return cur
}

// Set sets (or replaces) a value.
func (k *Key) Set(v Value) {
	for i := range k.Values {
		if strings.EqualFold(k.Values[i].Name, v.Name) {
			k.Values[i] = v
			return
		}
	}
	k.Values = append(k.Values, v)
}

// Count returns the number of keys in the subtree (k included).
func (k *Key) Count() int {
	n := 1
	for _, s := range k.Subkeys {
		n += s.Count()
	}
	return n
}

// HiveOptions describe the base block.
type HiveOptions struct {
	FileName  string // embedded path, e.g. \??\C:\Windows\System32\config\SOFTWARE
	Timestamp uint64 // FILETIME for the base block, bins and keys
	Sequence  uint32
	// FreeEvery, when > 0, leaves a free cell of 16..527 bytes after about
	// one key in FreeEvery (deleted keys of a hive in use).
	FreeEvery int
	Seed      uint64
}

const (
	binHeader   = 32
	bigDataMax  = 16344 // bytes per db segment, and the largest plain data cell
	lhPerLeaf   = 512   // entries per lh list before an ri is used
	keyCompName = 0x0020
	keyHiveRoot = 0x0004 | 0x0008
	valCompName = 0x0001
	noCell      = 0xFFFFFFFF
)

type writer struct {
	buf     []byte // the hbins, from offset 0 (file offset 4096)
	bin     int    // start of the current bin
	cur     int    // next free byte in the current bin
	binEnd  int
	opts    HiveOptions
	sk      uint32
	nkeys   int
	rng     uint64
	maxCell int
}

// WriteHive serializes root into a regf hive.
func WriteHive(root *Key, opts HiveOptions) []byte {
	w := &writer{buf: make([]byte, 0, 1<<20), opts: opts, rng: opts.Seed | 1}
	w.newBin(0)
	w.sk = w.writeSK(root.Count())
	rootOff := w.writeKey(root, noCell, true)
	w.closeBin()
	base := make([]byte, 4096)
	le := binary.LittleEndian
	copy(base, "regf")
	le.PutUint32(base[4:], opts.Sequence)
	le.PutUint32(base[8:], opts.Sequence)
	le.PutUint64(base[12:], opts.Timestamp)
	le.PutUint32(base[20:], 1) // major
	le.PutUint32(base[24:], 5) // minor
	le.PutUint32(base[28:], 0) // primary file
	le.PutUint32(base[32:], 1) // direct memory load
	le.PutUint32(base[36:], rootOff)
	le.PutUint32(base[40:], uint32(len(w.buf)))
	le.PutUint32(base[44:], 1) // clustering factor
	name := opts.FileName
	if r := []rune(name); len(r) > 31 {
		name = string(r[len(r)-31:])
	}
	for i, u := range utf16.Encode([]rune(name)) {
		le.PutUint16(base[48+2*i:], u)
	}
	var sum uint32
	for i := 0; i < 508; i += 4 {
		sum ^= le.Uint32(base[i:])
	}
	switch sum {
	case 0:
		sum = 1
	case 0xFFFFFFFF:
		sum = 0xFFFFFFFE
	}
	le.PutUint32(base[508:], sum)
	return append(base, w.buf...)
}

func (w *writer) rand() uint64 {
	// xorshift64*: deterministic, no allocation.
	w.rng ^= w.rng >> 12
	w.rng ^= w.rng << 25
	w.rng ^= w.rng >> 27
	return w.rng * 2685821657736338717
}

func (w *writer) newBin(need int) {
	size := 4096
	if need+binHeader > size {
		size = (need + binHeader + 4095) &^ 4095
	}
	w.bin = len(w.buf)
	w.buf = append(w.buf, make([]byte, size)...)
	w.binEnd = len(w.buf)
	b := w.buf[w.bin:]
	copy(b, "hbin")
	binary.LittleEndian.PutUint32(b[4:], uint32(w.bin))
	binary.LittleEndian.PutUint32(b[8:], uint32(size))
	if w.bin == 0 {
		binary.LittleEndian.PutUint64(b[20:], w.opts.Timestamp)
	}
	w.cur = w.bin + binHeader
}

// closeBin turns the rest of the current bin into one free cell.
func (w *writer) closeBin() {
	if rest := w.binEnd - w.cur; rest > 0 {
		binary.LittleEndian.PutUint32(w.buf[w.cur:], uint32(rest))
		w.cur = w.binEnd
	}
}

// alloc returns the offset of a new allocated cell with room for n bytes.
func (w *writer) alloc(n int) uint32 {
	size := (4 + n + 7) &^ 7
	if w.cur+size > w.binEnd {
		w.closeBin()
		w.newBin(size)
	}
	off := w.cur
	binary.LittleEndian.PutUint32(w.buf[off:], uint32(int32(-size)))
	w.cur += size
	w.maxCell = max(w.maxCell, size)
	return uint32(off)
}

// free leaves a free cell of about n bytes when it fits in the bin.
func (w *writer) free(n int) {
	size := (n + 7) &^ 7
	if size < 8 || w.cur+size > w.binEnd {
		return
	}
	binary.LittleEndian.PutUint32(w.buf[w.cur:], uint32(size))
	w.cur += size
}

func (w *writer) cell(off uint32) []byte { return w.buf[off+4:] }

// encodeName returns the stored form of a name and whether it is
// compressed (Latin-1).
func encodeName(s string) ([]byte, bool) {
	latin := true
	for _, r := range s {
		if r > 0xFF {
			latin = false
			break
		}
	}
	if latin {
		b := make([]byte, 0, len(s))
		for _, r := range s {
			b = append(b, byte(r))
		}
		return b, true
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b, false
}

// upper is the registry's case folding for sorting and hashing (ASCII and
// Latin-1 letters; the fixture's names are ASCII).
func upper(s string) []uint16 {
	u := utf16.Encode([]rune(s))
	for i, c := range u {
		switch {
		case c >= 'a' && c <= 'z':
			u[i] = c - 32
		case c >= 0xE0 && c <= 0xFE && c != 0xF7:
			u[i] = c - 32
		}
	}
	return u
}

func lessUpper(a, b string) bool { return lessU16(upper(a), upper(b)) }

func lessU16(x, y []uint16) bool {
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			return x[i] < y[i]
		}
	}
	return len(x) < len(y)
}

// lhHash is the hash of an lh list entry.
func lhHash(name string) uint32 {
	var h uint32
	for _, c := range upper(name) {
		h = h*37 + uint32(c)
	}
	return h
}

func (w *writer) writeSK(refs int) uint32 {
	sd := securityDescriptor()
	off := w.alloc(20 + len(sd))
	c := w.cell(off)
	le := binary.LittleEndian
	copy(c, "sk")
	le.PutUint32(c[4:], off) // flink
	le.PutUint32(c[8:], off) // blink
	le.PutUint32(c[12:], uint32(refs))
	le.PutUint32(c[16:], uint32(len(sd)))
	copy(c[20:], sd)
	return off
}

// securityDescriptor is a self-relative descriptor: owner Administrators,
// group SYSTEM, a DACL granting Everyone full control.
func securityDescriptor() []byte {
	sid := func(auth byte, subs ...uint32) []byte {
		b := []byte{1, byte(len(subs)), 0, 0, 0, 0, 0, auth}
		for _, s := range subs {
			b = binary.LittleEndian.AppendUint32(b, s)
		}
		return b
	}
	everyone := sid(1, 0)
	ace := []byte{0, 0x02}
	ace = binary.LittleEndian.AppendUint16(ace, uint16(8+len(everyone)))
	ace = binary.LittleEndian.AppendUint32(ace, 0x000F003F)
	ace = append(ace, everyone...)
	dacl := []byte{2, 0}
	dacl = binary.LittleEndian.AppendUint16(dacl, uint16(8+len(ace)))
	dacl = binary.LittleEndian.AppendUint16(dacl, 1)
	dacl = binary.LittleEndian.AppendUint16(dacl, 0)
	dacl = append(dacl, ace...)
	owner, group := sid(5, 32, 544), sid(5, 18)
	offDACL := 20
	offOwner := offDACL + len(dacl)
	offGroup := offOwner + len(owner)
	head := []byte{1, 0}
	head = binary.LittleEndian.AppendUint16(head, 0x8004)
	head = binary.LittleEndian.AppendUint32(head, uint32(offOwner))
	head = binary.LittleEndian.AppendUint32(head, uint32(offGroup))
	head = binary.LittleEndian.AppendUint32(head, 0)
	head = binary.LittleEndian.AppendUint32(head, uint32(offDACL))
	out := append(head, dacl...)
	out = append(out, owner...)
	return append(out, group...)
}

// nk field offsets within the cell payload.
const (
	nkFlags      = 2
	nkLastWrite  = 4
	nkParent     = 16
	nkSubkeys    = 20
	nkSubList    = 28
	nkVolList    = 32
	nkValues     = 36
	nkValueList  = 40
	nkSecurity   = 44
	nkClass      = 48
	nkMaxSubName = 52
	nkMaxValName = 60
	nkMaxValData = 64
	nkNameLen    = 72
	nkName       = 76
)

func (w *writer) writeKey(k *Key, parent uint32, root bool) uint32 {
	le := binary.LittleEndian
	name, comp := encodeName(k.Name)
	off := w.alloc(nkName + len(name))
	c := w.cell(off)
	copy(c, "nk")
	flags := uint16(0)
	if comp {
		flags |= keyCompName
	}
	if root {
		flags |= keyHiveRoot
	}
	le.PutUint16(c[nkFlags:], flags)
	le.PutUint64(c[nkLastWrite:], w.opts.Timestamp)
	le.PutUint32(c[nkParent:], parent)
	le.PutUint32(c[nkSubList:], noCell)
	le.PutUint32(c[nkVolList:], noCell)
	le.PutUint32(c[nkValueList:], noCell)
	le.PutUint32(c[nkSecurity:], w.sk)
	le.PutUint32(c[nkClass:], noCell)
	le.PutUint16(c[nkNameLen:], uint16(len(name)))
	copy(c[nkName:], name)
	w.nkeys++

	// Values right after the key node, as Windows tends to place them.
	if len(k.Values) > 0 {
		offs := make([]uint32, len(k.Values))
		maxName, maxData := 0, 0
		for i, v := range k.Values {
			offs[i] = w.writeValue(v)
			maxName = max(maxName, 2*len([]rune(v.Name)))
			maxData = max(maxData, len(v.Data))
		}
		list := w.alloc(4 * len(offs))
		lc := w.cell(list)
		for i, o := range offs {
			le.PutUint32(lc[4*i:], o)
		}
		c = w.cell(off)
		le.PutUint32(c[nkValues:], uint32(len(offs)))
		le.PutUint32(c[nkValueList:], list)
		le.PutUint32(c[nkMaxValName:], uint32(maxName))
		le.PutUint32(c[nkMaxValData:], uint32(maxData))
	}
	if w.opts.FreeEvery > 0 && w.rand()%uint64(w.opts.FreeEvery) == 0 {
		w.free(16 + int(w.rand()%512))
	}
	if len(k.Subkeys) == 0 {
		return off
	}
	type sortKey struct {
		k *Key
		u []uint16
	}
	sorted := make([]sortKey, len(k.Subkeys))
	for i, s := range k.Subkeys {
		sorted[i] = sortKey{s, upper(s.Name)}
	}
	sort.SliceStable(sorted, func(i, j int) bool { return lessU16(sorted[i].u, sorted[j].u) })
	subs := make([]*Key, len(sorted))
	for i := range sorted {
		subs[i] = sorted[i].k
	}
	offs := make([]uint32, len(subs))
	maxName := 0
	for i, s := range subs {
		offs[i] = w.writeKey(s, off, false)
		maxName = max(maxName, 2*len([]rune(s.Name)))
	}
	list := w.writeSubkeyList(subs, offs)
	c = w.cell(off)
	le.PutUint32(c[nkSubkeys:], uint32(len(subs)))
	le.PutUint32(c[nkSubList:], list)
	le.PutUint32(c[nkMaxSubName:], uint32(maxName))
	return off
}

func (w *writer) writeLH(subs []*Key, offs []uint32) uint32 {
	le := binary.LittleEndian
	off := w.alloc(4 + 8*len(subs))
	c := w.cell(off)
	copy(c, "lh")
	le.PutUint16(c[2:], uint16(len(subs)))
	for i, s := range subs {
		le.PutUint32(c[4+8*i:], offs[i])
		le.PutUint32(c[8+8*i:], lhHash(s.Name))
	}
	return off
}

func (w *writer) writeSubkeyList(subs []*Key, offs []uint32) uint32 {
	if len(subs) <= lhPerLeaf {
		return w.writeLH(subs, offs)
	}
	var leaves []uint32
	for i := 0; i < len(subs); i += lhPerLeaf {
		j := min(i+lhPerLeaf, len(subs))
		leaves = append(leaves, w.writeLH(subs[i:j], offs[i:j]))
	}
	le := binary.LittleEndian
	off := w.alloc(4 + 4*len(leaves))
	c := w.cell(off)
	copy(c, "ri")
	le.PutUint16(c[2:], uint16(len(leaves)))
	for i, l := range leaves {
		le.PutUint32(c[4+4*i:], l)
	}
	return off
}

const (
	vkNameLen = 2
	vkDataLen = 4
	vkDataOff = 8
	vkType    = 12
	vkFlags   = 16
	vkName    = 20
)

func (w *writer) writeValue(v Value) uint32 {
	le := binary.LittleEndian
	name, comp := encodeName(v.Name)
	off := w.alloc(vkName + len(name))
	c := w.cell(off)
	copy(c, "vk")
	le.PutUint16(c[vkNameLen:], uint16(len(name)))
	le.PutUint32(c[vkType:], v.Type)
	if comp && len(name) > 0 {
		le.PutUint16(c[vkFlags:], valCompName)
	}
	copy(c[vkName:], name)
	n := len(v.Data)
	switch {
	case n <= 4:
		le.PutUint32(c[vkDataLen:], uint32(n)|0x80000000)
		copy(c[vkDataOff:vkDataOff+4], v.Data)
	case n <= bigDataMax:
		d := w.alloc(n)
		copy(w.cell(d), v.Data)
		c = w.cell(off)
		le.PutUint32(c[vkDataLen:], uint32(n))
		le.PutUint32(c[vkDataOff:], d)
	default:
		var segs []uint32
		for i := 0; i < n; i += bigDataMax {
			j := min(i+bigDataMax, n)
			s := w.alloc(j - i)
			copy(w.cell(s), v.Data[i:j])
			segs = append(segs, s)
		}
		list := w.alloc(4 * len(segs))
		lc := w.cell(list)
		for i, s := range segs {
			le.PutUint32(lc[4*i:], s)
		}
		db := w.alloc(8)
		dc := w.cell(db)
		copy(dc, "db")
		le.PutUint16(dc[2:], uint16(len(segs)))
		le.PutUint32(dc[4:], list)
		c = w.cell(off)
		le.PutUint32(c[vkDataLen:], uint32(n))
		le.PutUint32(c[vkDataOff:], db)
	}
	return off
}

// Value constructors.

// SZ is a REG_SZ value.
func SZ(name, s string) Value { return Value{name, RegSZ, utf16z(s)} }

// ExpandSZ is a REG_EXPAND_SZ value.
func ExpandSZ(name, s string) Value { return Value{name, RegExpandSZ, utf16z(s)} }

// DWORD is a REG_DWORD value.
func DWORD(name string, n uint32) Value {
	return Value{name, RegDWORD, binary.LittleEndian.AppendUint32(nil, n)}
}

// QWORD is a REG_QWORD value.
func QWORD(name string, n uint64) Value {
	return Value{name, RegQWORD, binary.LittleEndian.AppendUint64(nil, n)}
}

// Binary is a REG_BINARY value.
func Binary(name string, b []byte) Value { return Value{name, RegBinary, b} }

// MultiSZ is a REG_MULTI_SZ value.
func MultiSZ(name string, ss ...string) Value {
	var b []byte
	for _, s := range ss {
		b = append(b, utf16z(s)...)
	}
	return Value{name, RegMultiSZ, append(b, 0, 0)}
}

func utf16z(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u)+2)
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// String describes a written hive for logs.
func describe(name string, b []byte, keys int) string {
	return fmt.Sprintf("%s: %d bytes (%.1f MiB), %d keys", name, len(b), float64(len(b))/(1<<20), keys)
}
