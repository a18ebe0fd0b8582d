package license

import (
	"encoding/binary"
	"fmt"
	"github.com/actrescue/actrescue/internal/utf16le"
	"strings"
	"unicode"
)

// DigitalProductId ("PID3") layout, §1.1.
const (
	pid3Size      = 0xA4 // 164
	pid3ProductID = 0x08 // ASCII, 24 bytes
	pid3PartNum   = 0x24 // ASCII, 16 bytes (struct name szEditionId)
	pid3KeyOff    = 0x34 // 15 key bytes
	pid3Min       = pid3KeyOff + 15
)

// DigitalProductId4 ("PID4") layout, §2.
const (
	pid4Size         = 0x4F8 // 1272
	pid4ExtendedPID  = 0x008 // UTF-16LE, 128 bytes
	pid4ActivationID = 0x088 // UTF-16LE, 128 bytes
	pid4Edition      = 0x118 // UTF-16LE, 520 bytes (struct name szEditionType)
	pid4KeyOff       = 0x328 // 15 key bytes
	pid4PartNum      = 0x378 // UTF-16LE, 128 bytes (struct name szEditionId)
	pid4Channel      = 0x3F8 // UTF-16LE, 128 bytes (szKeyType)
	pid4EULA         = 0x478 // UTF-16LE, 128 bytes
	pid4Min          = pid4KeyOff + 15
)

// PID3 is a decoded DigitalProductId.
type PID3 struct {
	Length     uint32 // declared size (uiSize), normally 164
	ProductID  string // e.g. 00330-80000-00000-AA965
	Key        string
	KeyPresent bool
	EditionRaw string // part number at 0x24, e.g. [TH]X19-98841 (misnamed szEditionId)
}

// PID4 is a decoded DigitalProductId4.
type PID4 struct {
	Length       uint32 // declared size (uiSize), normally 1272
	ExtendedPID  string
	ActivationID string // lowercase GUID without braces
	Edition      string // EditionID, e.g. Professional
	Channel      string // e.g. Retail, OEM:DM, Volume:GVLK
	PartNumber   string
	EULA         string
	Key          string
	KeyPresent   bool
}

// DecodeDigitalProductID decodes a DigitalProductId value (164 bytes).
// The declared size must lie between the end of the key field and 164 and
// must not exceed len(b); bytes past it are ignored. An empty or all-zero
// value, or all-zero key bytes, give ErrNoKey; the other fields are still
// filled when readable. A key that cannot be decoded gives ErrMalformedKey.
func DecodeDigitalProductID(b []byte) (PID3, error) {
	var p PID3
	data, size, err := checkBlob(b, "DigitalProductId", pid3Min, pid3Size)
	p.Length = size
	if err != nil {
		return p, err
	}
	p.ProductID = asciiField(data, pid3ProductID, 24)
	p.EditionRaw = asciiField(data, pid3PartNum, 16)
	p.Key, err = EncodeKeyBytes(data[pid3KeyOff : pid3KeyOff+15])
	if err != nil {
		return p, fmt.Errorf("%w (in DigitalProductId)", err)
	}
	p.KeyPresent = true
	return p, nil
}

// DecodeDigitalProductID4 decodes a DigitalProductId4 value (1272 bytes).
// Length rules and errors are as for DecodeDigitalProductID (minimum: the
// end of the key field at 0x337; maximum 1272). String fields past the
// declared size are left empty.
func DecodeDigitalProductID4(b []byte) (PID4, error) {
	var p PID4
	data, size, err := checkBlob(b, "DigitalProductId4", pid4Min, pid4Size)
	p.Length = size
	if err != nil {
		return p, err
	}
	p.ExtendedPID = utf16Field(data, pid4ExtendedPID, 128)
	p.ActivationID = strings.ToLower(strings.Trim(utf16Field(data, pid4ActivationID, 128), "{}"))
	p.Edition = utf16Field(data, pid4Edition, 520)
	p.PartNumber = utf16Field(data, pid4PartNum, 128)
	p.Channel = utf16Field(data, pid4Channel, 128)
	p.EULA = utf16Field(data, pid4EULA, 128)
	p.Key, err = EncodeKeyBytes(data[pid4KeyOff : pid4KeyOff+15])
	if err != nil {
		return p, fmt.Errorf("%w (in DigitalProductId4)", err)
	}
	p.KeyPresent = true
	return p, nil
}

// checkBlob validates the size header and returns b cut to the declared size.
func checkBlob(b []byte, name string, minSize, maxSize int) ([]byte, uint32, error) {
	zero := true
	for _, c := range b {
		if c != 0 {
			zero = false
			break
		}
	}
	if zero {
		return nil, 0, fmt.Errorf("%w: %s is empty or all zero", ErrNoKey, name)
	}
	if len(b) < 4 {
		return nil, 0, fmt.Errorf("%w: %s has %d bytes, too short for the size field", ErrBadLength, name, len(b))
	}
	size := binary.LittleEndian.Uint32(b)
	switch {
	case uint64(size) > uint64(len(b)):
		return nil, size, fmt.Errorf("%w: %s declares %d bytes but holds %d", ErrBadLength, name, size, len(b))
	case size < uint32(minSize):
		return nil, size, fmt.Errorf("%w: %s declares %d bytes, below the minimum %d", ErrBadLength, name, size, minSize)
	case size > uint32(maxSize):
		return nil, size, fmt.Errorf("%w: %s declares %d bytes, above the maximum %d", ErrBadLength, name, size, maxSize)
	}
	return b[:size], size, nil
}

// window returns data[off:off+n] clipped to len(data).
func window(data []byte, off, n int) []byte {
	if off >= len(data) {
		return nil
	}
	return data[off:min(off+n, len(data))]
}

// asciiField reads a NUL-terminated ASCII field, keeping printable bytes only.
func asciiField(data []byte, off, n int) string {
	f := window(data, off, n)
	var sb strings.Builder
	for _, c := range f {
		if c == 0 {
			break
		}
		if c >= 0x20 && c < 0x7F {
			sb.WriteByte(c)
		}
	}
	return strings.TrimSpace(sb.String())
}

// utf16Field reads a NUL-terminated UTF-16LE field, keeping printable runes only.
func utf16Field(data []byte, off, n int) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, utf16le.DecodeZ(window(data, off, n)))
	return strings.TrimSpace(s)
}
