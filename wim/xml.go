package wim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/actrescue/actrescue/internal/utf16le"
)

// ImageInfo describes one image, from the WIM's XML data. The Windows
// fields (ProductName … SystemRoot, the version numbers) are present only
// for OS images: WIMGAPI and wimlib fill them from the image's own
// registry hives when the image is captured.
type ImageInfo struct {
	Index              int       `json:"index"` // 1-based
	Name               string    `json:"name,omitempty"`
	Description        string    `json:"description,omitempty"`
	DisplayName        string    `json:"display_name,omitempty"`
	DisplayDescription string    `json:"display_description,omitempty"`
	Flags              string    `json:"flags,omitempty"` // usually the EditionID
	Windows            bool      `json:"windows"`         // a <WINDOWS> element is present
	ProductName        string    `json:"product_name,omitempty"`
	EditionID          string    `json:"edition_id,omitempty"`
	InstallationType   string    `json:"installation_type,omitempty"`
	ProductType        string    `json:"product_type,omitempty"` // WinNT, ServerNT, LanmanNT
	ProductSuite       string    `json:"product_suite,omitempty"`
	Arch               string    `json:"arch,omitempty"` // x86, x64, ARM, ARM64, IA64
	Languages          []string  `json:"languages,omitempty"`
	DefaultLanguage    string    `json:"default_language,omitempty"`
	SystemRoot         string    `json:"system_root,omitempty"`
	Major              int       `json:"major,omitempty"`
	Minor              int       `json:"minor,omitempty"`
	Build              int       `json:"build,omitempty"`
	SPBuild            int       `json:"sp_build,omitempty"` // the UBR of the captured system
	SPLevel            int       `json:"sp_level,omitempty"`
	DirCount           int64     `json:"dir_count,omitempty"`
	FileCount          int64     `json:"file_count,omitempty"`
	TotalBytes         int64     `json:"total_bytes,omitempty"`
	Created            time.Time `json:"created,omitzero"`
	Modified           time.Time `json:"modified,omitzero"`
	// Metadata is false when the blob table has no metadata resource for
	// the image (FS then fails).
	Metadata bool `json:"metadata"`
}

// Version is "major.minor.build[.spbuild]", or "" without a build number.
func (i ImageInfo) Version() string {
	if i.Build == 0 {
		return ""
	}
	v := fmt.Sprintf("%d.%d.%d", i.Major, i.Minor, i.Build)
	if i.SPBuild > 0 {
		v += fmt.Sprintf(".%d", i.SPBuild)
	}
	return v
}

type xmlWIM struct {
	Images []xmlImage `xml:"IMAGE"`
}

type xmlTime struct {
	High string `xml:"HIGHPART"`
	Low  string `xml:"LOWPART"`
}

type xmlImage struct {
	Index              string   `xml:"INDEX,attr"`
	Name               string   `xml:"NAME"`
	Description        string   `xml:"DESCRIPTION"`
	DisplayName        string   `xml:"DISPLAYNAME"`
	DisplayDescription string   `xml:"DISPLAYDESCRIPTION"`
	Flags              string   `xml:"FLAGS"`
	DirCount           string   `xml:"DIRCOUNT"`
	FileCount          string   `xml:"FILECOUNT"`
	TotalBytes         string   `xml:"TOTALBYTES"`
	Created            xmlTime  `xml:"CREATIONTIME"`
	Modified           xmlTime  `xml:"LASTMODIFICATIONTIME"`
	Windows            *xmlWinV `xml:"WINDOWS"`
}

type xmlWinV struct {
	Arch             string `xml:"ARCH"`
	ProductName      string `xml:"PRODUCTNAME"`
	EditionID        string `xml:"EDITIONID"`
	InstallationType string `xml:"INSTALLATIONTYPE"`
	ProductType      string `xml:"PRODUCTTYPE"`
	ProductSuite     string `xml:"PRODUCTSUITE"`
	SystemRoot       string `xml:"SYSTEMROOT"`
	Languages        struct {
		Language []string `xml:"LANGUAGE"`
		Default  string   `xml:"DEFAULT"`
	} `xml:"LANGUAGES"`
	Version struct {
		Major   string `xml:"MAJOR"`
		Minor   string `xml:"MINOR"`
		Build   string `xml:"BUILD"`
		SPBuild string `xml:"SPBUILD"`
		SPLevel string `xml:"SPLEVEL"`
	} `xml:"VERSION"`
}

// readXML fills w.images. Problems with the XML data are notes, not
// errors: the images can still be read without their names.
func (w *WIM) readXML(h resHeader) error {
	w.images = make([]ImageInfo, w.hdr.ImageCount)
	for i := range w.images {
		w.images[i].Index = i + 1
		w.images[i].Metadata = i < len(w.meta)
	}
	if h.usize == 0 {
		w.notes = append(w.notes, "no XML data: image names unknown")
		return nil
	}
	if h.usize > w.lim.MaxXMLSize {
		w.notes = append(w.notes, fmt.Sprintf("XML data is %d bytes (limit %d): image names not read", h.usize, w.lim.MaxXMLSize))
		return nil
	}
	res, err := w.resourceFor("XML data", h)
	if err == nil {
		var raw []byte
		if raw, err = res.readAll(w.lim.MaxXMLSize); err == nil {
			err = w.parseXML(raw)
		}
	}
	if err != nil {
		w.notes = append(w.notes, "XML data unreadable: "+err.Error())
	}
	return nil
}

func (w *WIM) parseXML(raw []byte) error {
	text, err := decodeUTF16(raw)
	if err != nil {
		return err
	}
	var doc xmlWIM
	dec := xml.NewDecoder(strings.NewReader(text))
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("%w: XML data: %v", ErrCorrupt, err)
	}
	seen := map[int]bool{}
	for _, x := range doc.Images {
		idx, err := strconv.Atoi(strings.TrimSpace(x.Index))
		if err != nil || idx < 1 || idx > len(w.images) || seen[idx] {
			w.notes = append(w.notes, fmt.Sprintf("XML entry for image %q ignored", clean(x.Index)))
			continue
		}
		seen[idx] = true
		w.images[idx-1] = x.info(idx, w.images[idx-1].Metadata)
	}
	return nil
}

func (x *xmlImage) info(idx int, meta bool) ImageInfo {
	in := ImageInfo{
		Index: idx, Metadata: meta,
		Name: clean(x.Name), Description: clean(x.Description),
		DisplayName: clean(x.DisplayName), DisplayDescription: clean(x.DisplayDescription),
		Flags:    clean(x.Flags),
		DirCount: num64(x.DirCount), FileCount: num64(x.FileCount), TotalBytes: num64(x.TotalBytes),
		Created: x.Created.time(), Modified: x.Modified.time(),
	}
	if v := x.Windows; v != nil {
		in.Windows = true
		in.ProductName = clean(v.ProductName)
		in.EditionID = clean(v.EditionID)
		in.InstallationType = clean(v.InstallationType)
		in.ProductType = clean(v.ProductType)
		in.ProductSuite = clean(v.ProductSuite)
		in.SystemRoot = clean(v.SystemRoot)
		in.Arch = archName(v.Arch)
		for _, l := range v.Languages.Language {
			if l = clean(l); l != "" && len(in.Languages) < 64 {
				in.Languages = append(in.Languages, l)
			}
		}
		sort.Strings(in.Languages)
		in.DefaultLanguage = clean(v.Languages.Default)
		in.Major = int(num64(v.Version.Major))
		in.Minor = int(num64(v.Version.Minor))
		in.Build = int(num64(v.Version.Build))
		in.SPBuild = int(num64(v.Version.SPBuild))
		in.SPLevel = int(num64(v.Version.SPLevel))
	}
	return in
}

func archName(s string) string {
	switch strings.TrimSpace(s) {
	case "":
		return ""
	case "0":
		return "x86"
	case "5":
		return "ARM"
	case "6":
		return "IA64"
	case "9":
		return "x64"
	case "12":
		return "ARM64"
	}
	return clean(s)
}

// num64 parses a decimal or 0x-hex count; junk gives 0.
func num64(s string) int64 {
	s = strings.TrimSpace(s)
	base := 10
	if t, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		s, base = t, 16
	}
	n, err := strconv.ParseInt(s, base, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func (t xmlTime) time() time.Time {
	hi, lo := num64(t.High), num64(t.Low)
	if hi == 0 && lo == 0 || hi > 0xffffffff || lo > 0xffffffff {
		return time.Time{}
	}
	return filetime(uint64(hi)<<32 | uint64(lo))
}

// filetime converts 100 ns ticks since 1601 to UTC; 0 or absurd values
// give the zero time.
func filetime(ft uint64) time.Time {
	const epochDiff = 116444736000000000 // 1601 → 1970 in 100 ns ticks
	const maxSec = 253402300799          // 9999-12-31T23:59:59Z
	if ft <= epochDiff {
		return time.Time{}
	}
	d := ft - epochDiff
	if d/1e7 > maxSec {
		return time.Time{}
	}
	return time.Unix(int64(d/1e7), int64(d%1e7)*100).UTC()
}

// clean trims and drops control characters so names cannot drive a
// terminal.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// decodeUTF16 converts the XML data (UTF-16LE, usually with a BOM) to a
// UTF-8 string. Data without a UTF-16 BOM that looks like UTF-8 is taken as
// is.
func decodeUTF16(b []byte) (string, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		b = b[2:]
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		return string(b[3:]), nil
	case len(b) > 0 && b[0] == '<' && (len(b) < 2 || b[1] != 0):
		return string(b), nil
	}
	if len(b)%2 == 1 {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", errors.New("empty XML data")
	}
	return strings.TrimRight(utf16le.Decode(b), "\x00"), nil
}
