package hive

import (
	"encoding/binary"
	"fmt"
	"github.com/actrescue/actrescue/internal/utf16le"
	"strings"

	"github.com/actrescue/actrescue/internal/safeio"
)

// Value is one registry value with its data loaded.
type Value struct {
	Name string
	Type uint32
	Data []byte
	Path string // key path, for messages
}

// Values lists the key's values with their data.
func (k *Key) Values() (out []Value, err error) {
	defer safeio.Recover(&err, "values of "+k.path)
	err = k.walkValues(func(name string, off int64) bool {
		v, verr := k.loadValue(name, off)
		if verr != nil {
			err = verr
			return false
		}
		out = append(out, v)
		return true
	})
	return out, err
}

// Value returns the value called name ("" is the default value).
func (k *Key) Value(name string) (v Value, err error) {
	defer safeio.Recover(&err, "value "+name)
	want := strings.ToLower(name)
	found := int64(-1)
	err = k.walkValues(func(n string, off int64) bool {
		if strings.ToLower(n) == want {
			found = off
			return false
		}
		return true
	})
	if found >= 0 {
		return k.loadValue(name, found)
	}
	if err != nil {
		// The value may be one of the damaged entries: say both.
		return Value{}, fmt.Errorf("%s!%s: %w (%w)", k.path, name, ErrValueNotFound, err)
	}
	return Value{}, fmt.Errorf("%s!%s: %w", k.path, name, ErrValueNotFound)
}

// vk layout, relative to the cell start (size field included).
const (
	vkNameLen  = 4 + 2
	vkDataLen  = 4 + 4
	vkDataOff  = 4 + 8
	vkType     = 4 + 12
	vkFlags    = 4 + 16
	vkName     = 4 + 20
	vkFixedLen = vkName
)

func (k *Key) walkValues(fn func(name string, cellOff int64) bool) error {
	vl := k.nk.ValueList()
	count := int64(vl.Count())
	if count == 0 {
		return nil
	}
	if count > int64(k.h.opts.MaxValues) {
		return fmt.Errorf("%s declares %d values, more than the %d limit: %w", k.path, count, k.h.opts.MaxValues, ErrCorrupt)
	}
	list, err := k.h.read(0x1000+int64(vl.List())+4, count*4)
	if err != nil {
		return fmt.Errorf("%s: value list: %w", k.path, err)
	}
	skipped := 0
	for i := int64(0); i < count; i++ {
		off := 0x1000 + int64(binary.LittleEndian.Uint32(list[i*4:]))
		fixed, err := k.h.read(off, vkFixedLen)
		if err != nil || string(fixed[4:6]) != "vk" {
			skipped++
			continue
		}
		nlen := int64(binary.LittleEndian.Uint16(fixed[vkNameLen:]))
		raw, err := k.h.read(off+vkName, nlen)
		if err != nil {
			skipped++
			continue
		}
		name := decodeName(string(raw), binary.LittleEndian.Uint16(fixed[vkFlags:])&valueCompName != 0)
		if !fn(name, off) {
			return nil
		}
	}
	if skipped > 0 {
		return fmt.Errorf("%s: %d of %d value entries are not readable value cells: %w", k.path, skipped, count, ErrCorrupt)
	}
	return nil
}

// loadValue reads a vk cell's data: inline (≤ 4 bytes), one cell, or big
// data (db) segments, each length bounded by its cell and MaxValueSize.
func (k *Key) loadValue(name string, off int64) (Value, error) {
	fixed, err := k.h.read(off, vkFixedLen)
	if err != nil {
		return Value{}, err
	}
	le := binary.LittleEndian
	v := Value{Name: name, Type: le.Uint32(fixed[vkType:]), Path: k.path}
	dlen := le.Uint32(fixed[vkDataLen:])
	where := fmt.Sprintf("%s!%s", k.path, name)
	if dlen&0x80000000 != 0 {
		n := min(dlen&0x7fffffff, 4)
		v.Data = append([]byte(nil), fixed[vkDataOff:vkDataOff+n]...)
		return v, nil
	}
	if int64(dlen) > int64(k.h.opts.MaxValueSize) {
		return v, fmt.Errorf("%s: value data is %d bytes, more than the %d limit: %w", where, dlen, k.h.opts.MaxValueSize, safeio.ErrTooLarge)
	}
	if dlen == 0 {
		return v, nil
	}
	cellOff := 0x1000 + int64(le.Uint32(fixed[vkDataOff:]))
	payload, err := k.h.cell(cellOff)
	if err != nil {
		return v, fmt.Errorf("%s: data cell: %w", where, err)
	}
	if len(payload) >= 8 && string(payload[:2]) == "db" && int64(dlen) > 16344 {
		data, err := k.h.bigData(payload, int64(dlen))
		if err != nil {
			return v, fmt.Errorf("%s: big data: %w", where, err)
		}
		v.Data = data
		return v, nil
	}
	if int64(len(payload)) < int64(dlen) {
		return v, fmt.Errorf("%s: data length %d exceeds its %d-byte cell: %w", where, dlen, len(payload), ErrCorrupt)
	}
	v.Data = payload[:dlen]
	return v, nil
}

// cell returns the payload of the allocated cell at off.
func (h *Hive) cell(off int64) ([]byte, error) {
	hdr, err := h.read(off, 4)
	if err != nil {
		return nil, err
	}
	size := int32(binary.LittleEndian.Uint32(hdr))
	if size >= 0 {
		return nil, fmt.Errorf("cell at 0x%x is free: %w", off, ErrCorrupt)
	}
	n := int64(-size) - 4
	if n < 0 || n > int64(h.opts.MaxValueSize)+16 {
		return nil, fmt.Errorf("cell at 0x%x claims %d bytes: %w", off, n, ErrCorrupt)
	}
	return h.read(off+4, n)
}

func (h *Hive) bigData(db []byte, total int64) ([]byte, error) {
	le := binary.LittleEndian
	count := int64(le.Uint16(db[2:]))
	list, err := h.cell(0x1000 + int64(le.Uint32(db[4:])))
	if err != nil {
		return nil, err
	}
	if int64(len(list)) < count*4 {
		return nil, fmt.Errorf("segment list holds %d bytes for %d segments: %w", len(list), count, ErrCorrupt)
	}
	out := make([]byte, 0, total)
	for i := int64(0); i < count && int64(len(out)) < total; i++ {
		seg, err := h.cell(0x1000 + int64(le.Uint32(list[i*4:])))
		if err != nil {
			return nil, fmt.Errorf("segment %d: %w", i, err)
		}
		n := min(int64(len(seg)), 16344, total-int64(len(out)))
		out = append(out, seg[:n]...)
	}
	if int64(len(out)) < total {
		return nil, fmt.Errorf("segments hold %d of %d bytes: %w", len(out), total, ErrCorrupt)
	}
	return out, nil
}

// Bytes returns the raw data.
func (v Value) Bytes() []byte { return v.Data }

// String decodes REG_SZ, REG_EXPAND_SZ and REG_LINK without trailing NULs.
func (v Value) String() (string, error) {
	switch v.Type {
	case TypeSZ, TypeExpandSZ, TypeLink:
		s := utf16le.Decode(v.Data)
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return s, nil
	}
	return "", v.wrongType("a string")
}

// Strings decodes REG_MULTI_SZ.
func (v Value) Strings() ([]string, error) {
	if v.Type != TypeMultiSZ {
		return nil, v.wrongType("a multi-string")
	}
	var out []string
	for _, s := range strings.Split(utf16le.Decode(v.Data), "\x00") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// Uint32 decodes REG_DWORD (and big-endian DWORD).
func (v Value) Uint32() (uint32, error) {
	if (v.Type == TypeDWORD || v.Type == TypeDWORDBE) && len(v.Data) >= 4 {
		if v.Type == TypeDWORDBE {
			return binary.BigEndian.Uint32(v.Data), nil
		}
		return binary.LittleEndian.Uint32(v.Data), nil
	}
	return 0, v.wrongType("a DWORD")
}

// Uint64 decodes REG_QWORD, or a DWORD widened.
func (v Value) Uint64() (uint64, error) {
	if v.Type == TypeQWORD && len(v.Data) >= 8 {
		return binary.LittleEndian.Uint64(v.Data), nil
	}
	if n, err := v.Uint32(); err == nil {
		return uint64(n), nil
	}
	if v.Type == TypeBinary && len(v.Data) == 8 { // some Setup timestamps
		return binary.LittleEndian.Uint64(v.Data), nil
	}
	return 0, v.wrongType("a QWORD")
}

func (v Value) wrongType(want string) error {
	return fmt.Errorf("%s!%s is %s (%d bytes), not %s: %w", v.Path, v.Name, TypeName(v.Type), len(v.Data), want, ErrWrongType)
}

// TypeName names a registry type as reg.exe does.
func TypeName(t uint32) string {
	switch t {
	case TypeNone:
		return "REG_NONE"
	case TypeSZ:
		return "REG_SZ"
	case TypeExpandSZ:
		return "REG_EXPAND_SZ"
	case TypeBinary:
		return "REG_BINARY"
	case TypeDWORD:
		return "REG_DWORD"
	case TypeDWORDBE:
		return "REG_DWORD_BIG_ENDIAN"
	case TypeLink:
		return "REG_LINK"
	case TypeMultiSZ:
		return "REG_MULTI_SZ"
	case TypeQWORD:
		return "REG_QWORD"
	}
	return fmt.Sprintf("REG_TYPE_%d", t)
}
