package hive

import "encoding/binary"

// minimalHive builds a tiny valid hive independently of the parser: a root
// key "ROOT" with a REG_SZ value "Name" = "hi" and a DWORD "N" = 7, and one
// subkey "Sub". Offsets are relative to the first hbin (file offset 4096).
func minimalHive() []byte {
	b := make([]byte, 8192)
	le := binary.LittleEndian
	copy(b, "regf")
	le.PutUint32(b[4:], 1)
	le.PutUint32(b[8:], 1)
	le.PutUint32(b[20:], 1)
	le.PutUint32(b[24:], 5)
	le.PutUint32(b[32:], 1)
	le.PutUint32(b[36:], 0x20) // root cell
	le.PutUint32(b[40:], 4096)
	le.PutUint32(b[44:], 1)
	var sum uint32
	for i := 0; i < 508; i += 4 {
		sum ^= le.Uint32(b[i:])
	}
	le.PutUint32(b[508:], sum)
	hb := b[4096:]
	copy(hb, "hbin")
	le.PutUint32(hb[8:], 4096)
	cell := func(off int, size int) []byte {
		le.PutUint32(hb[off:], uint32(int32(-size)))
		return hb[off+4 : off+size]
	}
	nk := func(off int, name string, flags uint16, parent, subCount, subList, valCount, valList uint32) {
		c := cell(off, 0x60)
		copy(c, "nk")
		le.PutUint16(c[2:], flags)
		le.PutUint32(c[16:], parent)
		le.PutUint32(c[20:], subCount)
		le.PutUint32(c[28:], subList)
		le.PutUint32(c[36:], valCount)
		le.PutUint32(c[40:], valList)
		le.PutUint32(c[44:], 0xffffffff)
		le.PutUint32(c[48:], 0xffffffff)
		le.PutUint16(c[72:], uint16(len(name)))
		copy(c[76:], name)
	}
	nk(0x20, "ROOT", 0x2C, 0, 1, 0x100, 2, 0x180)
	nk(0x80, "Sub", 0x20, 0x20, 0, 0xffffffff, 0, 0xffffffff)
	lf := cell(0x100, 0x10)
	copy(lf, "lf")
	le.PutUint16(lf[2:], 1)
	le.PutUint32(lf[4:], 0x80)
	copy(lf[8:], "Sub")
	vl := cell(0x180, 0x10)
	le.PutUint32(vl[0:], 0x1a0)
	le.PutUint32(vl[4:], 0x1d0)
	vk := func(off int, name string, size, data, typ uint32) {
		c := cell(off, 0x30)
		copy(c, "vk")
		le.PutUint16(c[2:], uint16(len(name)))
		le.PutUint32(c[4:], size)
		le.PutUint32(c[8:], data)
		le.PutUint32(c[12:], typ)
		le.PutUint16(c[16:], 1)
		copy(c[20:], name)
	}
	vk(0x1a0, "Name", 6, 0x200, TypeSZ)
	vk(0x1d0, "N", 0x80000004, 7, TypeDWORD)
	d := cell(0x200, 0x10)
	copy(d, []byte{'h', 0, 'i', 0, 0, 0})
	// the rest of the bin is one free cell
	le.PutUint32(hb[0x210:], uint32(4096-0x210))
	return b
}
