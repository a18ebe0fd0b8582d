package image

import (
	"bytes"
	"strings"
)

// ContentKind is what a partition holds, judged from its first sector.
type ContentKind int

// Content kinds.
const (
	ContentOther ContentKind = iota
	ContentNTFS
	ContentBitLocker
	ContentFAT
	ContentExFAT
	ContentEmpty
	ContentExtended
	ContentUnreadable
)

func (c ContentKind) String() string {
	switch c {
	case ContentNTFS:
		return "ntfs"
	case ContentBitLocker:
		return "bitlocker"
	case ContentFAT:
		return "fat"
	case ContentExFAT:
		return "exfat"
	case ContentEmpty:
		return "empty"
	case ContentExtended:
		return "extended"
	case ContentUnreadable:
		return "unreadable"
	}
	return "other"
}

// classify judges a volume from its first 512 bytes.
func classify(b []byte) ContentKind {
	if len(b) < 512 {
		return ContentOther
	}
	switch {
	case bytes.Equal(b[3:11], []byte("NTFS    ")):
		return ContentNTFS
	case bytes.Equal(b[3:11], []byte("-FVE-FS-")):
		return ContentBitLocker
	case bytes.Equal(b[3:11], []byte("EXFAT   ")):
		return ContentExFAT
	case bytes.Equal(b[3:11], []byte("MSWIN4.1")) && bytes.Contains(b[0xA0:0x1F0], []byte("-FVE-FS-")):
		return ContentBitLocker // BitLocker To Go
	case b[510] == 0x55 && b[511] == 0xAA && (bytes.HasPrefix(b[54:], []byte("FAT1")) || bytes.HasPrefix(b[82:], []byte("FAT32"))):
		return ContentFAT
	}
	if isZero(b) {
		return ContentEmpty
	}
	return ContentOther
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

var gptTypes = map[string]string{
	"c12a7328-f81f-11d2-ba4b-00a0c93ec93b": "EFI system",
	"e3c9e316-0b5c-4db8-817d-f92df00215ae": "Microsoft reserved",
	"ebd0a0a2-b9e5-4433-87c0-68b6b72699c7": "Microsoft basic data",
	"de94bba4-06d1-4d40-a16a-bfd50179d6ac": "Windows recovery",
	"5808c8aa-7e8f-42e0-85d2-e1e90434cfb3": "LDM metadata",
	"af9b60a0-1431-4f62-bc68-3311714a69ad": "LDM data",
	"e75caf8f-f680-4cee-afa3-b001e56efc2d": "Storage Spaces",
	"0fc63daf-8483-4772-8e79-3d69d8477de4": "Linux filesystem",
	"0657fd6d-a4ab-43c4-84e5-0933c84b4f4f": "Linux swap",
	"e6d6d379-f507-44c2-a23c-238f2a3df928": "Linux LVM",
	"21686148-6449-6e6f-744e-656564454649": "BIOS boot",
	"48465300-0000-11aa-aa11-00306543ecac": "Apple HFS+",
	"7c3457ef-0000-11aa-aa11-00306543ecac": "Apple APFS",
}

func gptTypeName(id string) string {
	if n, ok := gptTypes[strings.ToLower(id)]; ok {
		return n
	}
	return "unknown (" + id + ")"
}

var mbrTypes = map[byte]string{
	0x01: "FAT12", 0x04: "FAT16", 0x05: "extended", 0x06: "FAT16", 0x07: "NTFS/exFAT", 0x0B: "FAT32",
	0x0C: "FAT32 (LBA)", 0x0E: "FAT16 (LBA)", 0x0F: "extended (LBA)", 0x11: "hidden FAT12", 0x12: "OEM recovery",
	0x17: "hidden NTFS", 0x1B: "hidden FAT32", 0x1C: "hidden FAT32 (LBA)", 0x27: "Windows recovery (hidden NTFS)",
	0x42: "Windows dynamic disk", 0x82: "Linux swap", 0x83: "Linux", 0x85: "Linux extended", 0x8E: "Linux LVM",
	0xEE: "GPT protective", 0xEF: "EFI system",
}

func mbrTypeName(t byte) string {
	if n, ok := mbrTypes[t]; ok {
		return n
	}
	return "unknown"
}
