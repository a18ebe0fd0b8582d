package firmware

// Test fixture generator. All tables are built here with encoding/binary,
// independently of the parser; no binary fixtures are committed. Keys are
// Microsoft's public generic keys only.

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	keyPro  = "VK7JG-NPHTM-C97JM-9MPGT-3V66T" // generic Pro key (public)
	keyHome = "YTMG3-N6DKC-DKB77-7M9GH-8HVX7" // generic Home key (public)
)

var fixturesDir = flag.String("fixtures", "", "write the generated fixtures (.dat, .txt) to this directory")

// acpiHeader is the test's own copy of the ACPI header layout.
type acpiHeader struct {
	Signature       [4]byte
	Length          uint32
	Revision        uint8
	Checksum        uint8
	OEMID           [6]byte
	OEMTableID      [8]byte
	OEMRevision     uint32
	CreatorID       [4]byte
	CreatorRevision uint32
}

// buildTable returns header+body with a correct length and checksum.
func buildTable(sig, oemID, oemTableID string, body []byte) []byte {
	h := acpiHeader{Length: uint32(36 + len(body)), Revision: 3, OEMRevision: 1, CreatorRevision: 0x20200925}
	copy(h.Signature[:], sig)
	copy(h.OEMID[:], oemID)
	copy(h.OEMTableID[:], oemTableID)
	copy(h.CreatorID[:], "TEST")
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, h); err != nil {
		panic(err)
	}
	buf.Write(body)
	b := buf.Bytes()
	fixChecksum(b)
	return b
}

// fixChecksum sets byte 9 so that all bytes sum to 0 mod 256.
func fixChecksum(b []byte) {
	b[9] = 0
	var s byte
	for _, c := range b {
		s += c
	}
	b[9] = -s
}

// putLen rewrites the length field and the checksum.
func putLen(b []byte, n uint32) []byte {
	binary.LittleEndian.PutUint32(b[4:], n)
	fixChecksum(b)
	return b
}

// msdmBody is Version, Reserved, DataType, DataReserved, DataLength, key.
type msdmBody struct {
	Version, Reserved, DataType, DataReserved, DataLength uint32
}

func buildMSDMWith(body msdmBody, key string) []byte {
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, body); err != nil {
		panic(err)
	}
	buf.WriteString(key)
	return buildTable("MSDM", "FIXTUR", "FIXTURE1", buf.Bytes())
}

func buildMSDM(key string) []byte {
	return buildMSDMWith(msdmBody{Version: 1, DataType: 1, DataLength: 29}, key)
}

// slicKey and slicMarker are the test's own copies of the SLIC structures.
type slicKey struct {
	Type, Length uint32
	KeyType      uint8
	Version      uint8
	Reserved     uint16
	Algorithm    uint32
	Magic        [4]byte
	BitLength    uint32
	Exponent     uint32
	Modulus      [128]byte
}

type slicMarker struct {
	Type, Length, Version uint32
	OEMID                 [6]byte
	OEMTableID            [8]byte
	WindowsFlag           [8]byte
	SLICVersion           uint32
	Reserved              [16]byte
	Signature             [128]byte
}

// buildSLIC builds a 374-byte SLIC whose marker carries markerOEM/markerTable
// and SLIC version major.minor.
func buildSLIC(headerOEM, headerTable, markerOEM, markerTable string, major, minor uint16) []byte {
	k := slicKey{Length: 0x9C, KeyType: 6, Version: 2, Algorithm: 0x2400, BitLength: 1024, Exponent: 0x10001}
	copy(k.Magic[:], "RSA1")
	for i := range k.Modulus {
		k.Modulus[i] = byte(i*7 + 1) // dummy, not a real OEM key
	}
	m := slicMarker{Type: 1, Length: 0xB6, Version: 0x00020000, SLICVersion: uint32(major)<<16 | uint32(minor)}
	copy(m.OEMID[:], markerOEM)
	copy(m.OEMTableID[:], markerTable)
	copy(m.WindowsFlag[:], "WINDOWS ")
	for i := range m.Signature {
		m.Signature[i] = byte(0xA5 ^ i)
	}
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, k); err != nil {
		panic(err)
	}
	if err := binary.Write(&buf, binary.LittleEndian, m); err != nil {
		panic(err)
	}
	return buildTable("SLIC", headerOEM, headerTable, buf.Bytes())
}

func buildSLICDefault() []byte {
	return buildSLIC("LENOVO", "TP-G2   ", "LENOVO", "TP-G2   ", 2, 1)
}

// smbiosStruct is one SMBIOS structure: type, formatted bytes after the
// 4-byte header, and its strings.
type smbiosStruct struct {
	typ     byte
	handle  uint16
	fields  []byte
	strings []string
}

func buildSMBIOS(structs ...smbiosStruct) []byte {
	var buf bytes.Buffer
	for _, s := range structs {
		buf.WriteByte(s.typ)
		buf.WriteByte(byte(4 + len(s.fields)))
		_ = binary.Write(&buf, binary.LittleEndian, s.handle)
		buf.Write(s.fields)
		if len(s.strings) == 0 {
			buf.WriteString("\x00\x00")
			continue
		}
		for _, str := range s.strings {
			buf.WriteString(str)
			buf.WriteByte(0)
		}
		buf.WriteByte(0)
	}
	return buf.Bytes()
}

// sampleSMBIOS is a small structure table: BIOS, system, baseboard, end.
func sampleSMBIOS() []byte {
	bios := smbiosStruct{typ: 0, handle: 0, fields: []byte{1, 2, 0, 0xE0, 3, 0x0F}, strings: []string{"LENOVO", "N1EET91W (1.64 )", "06/18/2024"}}
	sys := make([]byte, 0x1B-4)
	sys[0x04-4], sys[0x05-4], sys[0x06-4], sys[0x07-4] = 1, 2, 3, 4
	sys[0x19-4], sys[0x1A-4] = 5, 6
	system := smbiosStruct{typ: 1, handle: 1, fields: sys, strings: []string{"LENOVO", "20L5CTO1WW", "ThinkPad T480", "PF1TEST0", "LENOVO_MT_20L5_BU_Think_FM_ThinkPad T480", "ThinkPad T480"}}
	board := smbiosStruct{typ: 2, handle: 2, fields: []byte{1, 2, 0, 0}, strings: []string{"LENOVO", "20L5CTO1WW"}}
	other := smbiosStruct{typ: 4, handle: 3, fields: []byte{1, 0, 0}, strings: []string{"CPU"}}
	end := smbiosStruct{typ: 127, handle: 0xFFFF}
	return buildSMBIOS(bios, system, board, other, end)
}

// rawSMBIOSData wraps a structure table in Windows' RawSMBIOSData header.
func rawSMBIOSData(table []byte) []byte {
	h := []byte{0, 3, 2, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(h[4:], uint32(len(table)))
	return append(h, table...)
}

// dumpACPICA formats a table as current ACPICA acpidump does: 16-digit
// address, "%8.4X: " offsets, uppercase hex, padded short lines, ASCII.
func dumpACPICA(sig string, addr uint64, b []byte) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-4.4s @ 0x%016X\n", sig, addr)
	for off := 0; off < len(b); off += 16 {
		line := b[off:min(off+16, len(b))]
		fmt.Fprintf(&sb, "%8.4X: ", off)
		for i := range 16 {
			if i < len(line) {
				fmt.Fprintf(&sb, "%02X ", line[i])
			} else {
				sb.WriteString("   ")
			}
		}
		sb.WriteByte(' ')
		for _, c := range line {
			if c < 0x20 || c > 0x7E {
				c = '.'
			}
			sb.WriteByte(c)
		}
		sb.WriteByte('\n')
	}
	sb.WriteByte('\n')
	return sb.String()
}

// dumpOld formats a table in the old pmtools/fwts style: two-space indent,
// lowercase hex, CRLF line ends; the ASCII column (when asked) follows the
// bytes without padding.
func dumpOld(header string, b []byte, ascii bool) string {
	var sb strings.Builder
	sb.WriteString(header + "\r\n")
	for off := 0; off < len(b); off += 16 {
		line := b[off:min(off+16, len(b))]
		fmt.Fprintf(&sb, "  %04x:", off)
		for _, c := range line {
			fmt.Fprintf(&sb, " %02x", c)
		}
		if ascii {
			sb.WriteString("  ")
			for _, c := range line {
				if c < 0x20 || c > 0x7E {
					c = '.'
				}
				sb.WriteByte(c)
			}
		}
		sb.WriteString("\r\n")
	}
	sb.WriteString("\r\n")
	return sb.String()
}

// TestWriteFixtures writes the generated fixtures for manual checks with
// iasl/acpidump: go test ./firmware -run WriteFixtures -fixtures=DIR
func TestWriteFixtures(t *testing.T) {
	if *fixturesDir == "" {
		t.Skip("set -fixtures=DIR to write the generated fixtures")
	}
	files := map[string][]byte{
		"msdm.dat":      buildMSDM(keyPro),
		"slic.dat":      buildSLICDefault(),
		"smbios.bin":    sampleSMBIOS(),
		"acpidump.txt":  []byte(dumpACPICA("MSDM", 0xBF6A1000, buildMSDM(keyPro)) + dumpACPICA("SLIC", 0xBF6A2000, buildSLICDefault())),
		"acpidump0.txt": []byte(dumpOld("MSDM @ 0xbf6a1000", buildMSDM(keyHome), true)),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(*fixturesDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
