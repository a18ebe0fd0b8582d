package license

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNotPkeyConfig: the bytes are not an XrML pkeyconfig file (not XML, or
// no tm:infoBin name="pkeyConfigData").
var ErrNotPkeyConfig = errors.New("license: not an XrML pkeyconfig file")

var (
	// errPkeyCorrupt: a pkeyconfig file whose payload cannot be read.
	errPkeyCorrupt = errors.New("license: corrupt pkeyconfig")
	// errPkeyLimit: a pkeyconfig file over a size or count limit.
	errPkeyLimit = errors.New("license: pkeyconfig over limit")
	// errLegacyKey: a pre-Windows 8 key (no N), which cannot be decoded.
	errLegacyKey = errors.New("license: pre-Windows 8 key")
)

// Limits on untrusted pkeyconfig input.
const (
	maxPkeyFile    = 32 << 20 // whole .xrm-ms file
	maxPkeyPayload = 64 << 20 // decoded (and gunzipped) payload
	maxPkeyItems   = 100000   // configurations, ranges, public keys (each)
	maxPkeyDepth   = 256      // XML element nesting
	maxPkeyText    = 512      // bytes kept per text field
)

// PkeyConfig is one parsed pkeyconfig*.xrm-ms file (formats-keys.md §4).
type PkeyConfig struct {
	Source         string // caller's name for the file
	Configurations []PkeyConfiguration
	Ranges         []PkeyRange
	PublicKeys     []PkeyPublicKey
}

// PkeyConfiguration is a Configuration element.
type PkeyConfiguration struct {
	ActConfigID string // lowercase, no braces
	GroupID     uint32 // RefGroupId
	EditionID   string
	Description string // ProductDescription
	KeyType     string // ProductKeyType, the channel (Retail, OEM:DM, Volume:GVLK…)
	Randomized  bool   // IsRandomized
}

// PkeyRange is a KeyRange element; Start and End are inclusive serials.
type PkeyRange struct {
	ActConfigID string // RefActConfigId, lowercase, no braces
	PartNumber  string
	EulaType    string
	Valid       bool // IsValid
	Start, End  uint64
}

// PkeyPublicKey is a PublicKey element (the value itself is not kept).
type PkeyPublicKey struct {
	GroupID   uint32
	Algorithm string // AlgorithmId, e.g. msft:rm/algorithm/pkey/2009
}

// ParsePkeyConfig parses the bytes of a whole pkeyconfig .xrm-ms file:
// the XrML wrapper, its base64 pkeyConfigData payload (gunzipped if it
// starts with 1F 8B) and the ProductKeyConfiguration inside. Element names
// match by local name, so prefixed (Windows 7 "pkc:") and default-namespace
// payloads both parse. The signature is not checked. KeyRanges with
// Start > End are dropped.
func ParsePkeyConfig(b []byte, source string) (*PkeyConfig, error) {
	c, err := parsePkeyConfig(b)
	if err != nil {
		if source != "" {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		return nil, err
	}
	c.Source = source
	return c, nil
}

func parsePkeyConfig(b []byte) (*PkeyConfig, error) {
	if len(b) > maxPkeyFile {
		return nil, fmt.Errorf("%w: file is %d bytes, limit %d", errPkeyLimit, len(b), maxPkeyFile)
	}
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '<' {
		return nil, fmt.Errorf("%w: does not start with '<'", ErrNotPkeyConfig)
	}
	text, off, err := findPkeyConfigData(b)
	if err != nil {
		return nil, err
	}
	payload, err := decodePkeyPayload(text, off)
	if err != nil {
		return nil, err
	}
	return parsePkeyPayload(payload)
}

// findPkeyConfigData returns the text of the first element with local name
// infoBin and attribute name="pkeyConfigData", and its offset.
func findPkeyConfigData(b []byte) ([]byte, int64, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, 0, fmt.Errorf("%w: no infoBin name=\"pkeyConfigData\" element", ErrNotPkeyConfig)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%w: XML error near offset %d: %w", ErrNotPkeyConfig, d.InputOffset(), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxPkeyDepth {
				return nil, 0, fmt.Errorf("%w: XML nested deeper than %d at offset %d", errPkeyLimit, maxPkeyDepth, d.InputOffset())
			}
			if t.Name.Local == "infoBin" && pkeyAttr(t, "name") == "pkeyConfigData" {
				off := d.InputOffset()
				text, err := pkeyElementText(d)
				if err != nil {
					return nil, 0, fmt.Errorf("%w: pkeyConfigData at offset %d: %w", errPkeyCorrupt, off, err)
				}
				return text, off, nil
			}
		case xml.EndElement:
			depth--
		}
	}
}

// pkeyAttr returns the value of the attribute with the given local name.
func pkeyAttr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// pkeyElementText reads character data up to the end of the current element;
// child elements are an error.
func pkeyElementText(d *xml.Decoder) ([]byte, error) {
	var text []byte
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text = append(text, t...)
		case xml.StartElement:
			return nil, fmt.Errorf("unexpected element <%s>", pkeyShort(t.Name.Local))
		case xml.EndElement:
			return text, nil
		}
	}
}

// decodePkeyPayload base64-decodes the payload text (ASCII whitespace
// ignored) and gunzips it if it is gzip, within maxPkeyPayload.
func decodePkeyPayload(text []byte, off int64) ([]byte, error) {
	s := bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, text)
	if n := base64.StdEncoding.DecodedLen(len(s)); n > maxPkeyPayload {
		return nil, fmt.Errorf("%w: pkeyConfigData at offset %d decodes to up to %d bytes, limit %d",
			errPkeyLimit, off, n, maxPkeyPayload)
	}
	p := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(p, s)
	if err != nil {
		return nil, fmt.Errorf("%w: pkeyConfigData at offset %d: bad base64: %w", errPkeyCorrupt, off, err)
	}
	p = p[:n]
	if len(p) == 0 {
		return nil, fmt.Errorf("%w: pkeyConfigData at offset %d is empty", errPkeyCorrupt, off)
	}
	if len(p) < 2 || p[0] != 0x1F || p[1] != 0x8B {
		return p, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(p))
	if err != nil {
		return nil, fmt.Errorf("%w: pkeyConfigData gzip header: %w", errPkeyCorrupt, err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxPkeyPayload+1))
	if err != nil {
		return nil, fmt.Errorf("%w: pkeyConfigData gunzip after %d bytes: %w", errPkeyCorrupt, len(out), err)
	}
	if len(out) > maxPkeyPayload {
		return nil, fmt.Errorf("%w: pkeyConfigData gunzips to more than %d bytes", errPkeyLimit, maxPkeyPayload)
	}
	return out, nil
}

// parsePkeyPayload parses the inner ProductKeyConfiguration XML.
func parsePkeyPayload(p []byte) (*PkeyConfig, error) {
	p = bytes.TrimPrefix(p, []byte("\xEF\xBB\xBF"))
	d := xml.NewDecoder(bytes.NewReader(p))
	c := &PkeyConfig{}
	var stack []string // local names of open elements
	var nConf, nRange, nPub int
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if len(stack) == 0 {
				return nil, fmt.Errorf("%w: payload has no ProductKeyConfiguration element", errPkeyCorrupt)
			}
			return nil, fmt.Errorf("%w: payload ends inside <%s>", errPkeyCorrupt, pkeyShort(stack[len(stack)-1]))
		}
		if err != nil {
			return nil, fmt.Errorf("%w: payload XML error near offset %d: %w", errPkeyCorrupt, d.InputOffset(), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			off := d.InputOffset()
			local := t.Name.Local
			if len(stack) == 0 && local != "ProductKeyConfiguration" {
				return nil, fmt.Errorf("%w: payload root is <%s>, want <ProductKeyConfiguration>", errPkeyCorrupt, pkeyShort(local))
			}
			if len(stack) >= maxPkeyDepth {
				return nil, fmt.Errorf("%w: payload nested deeper than %d at payload offset %d", errPkeyLimit, maxPkeyDepth, off)
			}
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			var item func(map[string]string, string) error
			var count *int
			switch {
			case local == "Configuration" && parent == "Configurations":
				item, count = c.addConfiguration, &nConf
			case local == "KeyRange" && parent == "KeyRanges":
				item, count = c.addRange, &nRange
			case local == "PublicKey" && parent == "PublicKeys":
				item, count = c.addPublicKey, &nPub
			}
			if item == nil {
				stack = append(stack, local)
				continue
			}
			if *count++; *count > maxPkeyItems {
				return nil, fmt.Errorf("%w: more than %d %s elements (payload offset %d)", errPkeyLimit, maxPkeyItems, local, off)
			}
			where := fmt.Sprintf("%s %d at payload offset %d", local, *count, off)
			f, err := pkeyChildFields(d, len(stack)+1, where)
			if err != nil {
				return nil, err
			}
			if err := item(f, where); err != nil {
				return nil, err
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return c, nil
			}
		}
	}
}

// pkeyChildFields reads the current element to its end and returns the text of
// its direct children by local name (deeper text is ignored). depth is the
// nesting depth of the current element; where names it in errors.
func pkeyChildFields(d *xml.Decoder, depth int, where string) (map[string]string, error) {
	f := make(map[string]string, 6)
	rel := 0 // 0: in the element, 1: in a child, 2+: deeper
	var name string
	var text []byte
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("%w: %s: XML error near payload offset %d: %w", errPkeyCorrupt, where, d.InputOffset(), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rel++; depth+rel > maxPkeyDepth {
				return nil, fmt.Errorf("%w: %s: nested deeper than %d at payload offset %d", errPkeyLimit, where, maxPkeyDepth, d.InputOffset())
			}
			if rel == 1 {
				name, text = t.Name.Local, text[:0]
			}
		case xml.CharData:
			if rel == 1 && len(text) <= 4*maxPkeyText {
				text = append(text, t[:min(len(t), 4*maxPkeyText+1-len(text))]...)
			}
		case xml.EndElement:
			if rel == 0 {
				return f, nil
			}
			if rel == 1 {
				f[name] = string(text)
			}
			rel--
		}
	}
}

func (c *PkeyConfig) addConfiguration(f map[string]string, where string) error {
	id := pkeyGUID(pkeyClean(f["ActConfigId"]))
	if id == "" {
		return fmt.Errorf("%w: %s: no ActConfigId", errPkeyCorrupt, where)
	}
	g, err := pkeyDec(f, "RefGroupId", 32, where)
	if err != nil {
		return err
	}
	c.Configurations = append(c.Configurations, PkeyConfiguration{
		ActConfigID: id,
		GroupID:     uint32(g),
		EditionID:   pkeyClean(f["EditionId"]),
		Description: pkeyClean(f["ProductDescription"]),
		KeyType:     pkeyClean(f["ProductKeyType"]),
		Randomized:  pkeyBool(f["IsRandomized"]),
	})
	return nil
}

func (c *PkeyConfig) addRange(f map[string]string, where string) error {
	id := pkeyGUID(pkeyClean(f["RefActConfigId"]))
	if id == "" {
		return fmt.Errorf("%w: %s: no RefActConfigId", errPkeyCorrupt, where)
	}
	start, err := pkeyDec(f, "Start", 64, where)
	if err != nil {
		return err
	}
	end, err := pkeyDec(f, "End", 64, where)
	if err != nil {
		return err
	}
	if start > end { // an empty range matches nothing: drop it
		return nil
	}
	c.Ranges = append(c.Ranges, PkeyRange{
		ActConfigID: id,
		PartNumber:  pkeyClean(f["PartNumber"]),
		EulaType:    pkeyClean(f["EulaType"]),
		Valid:       pkeyBool(f["IsValid"]),
		Start:       start,
		End:         end,
	})
	return nil
}

func (c *PkeyConfig) addPublicKey(f map[string]string, where string) error {
	g, err := pkeyDec(f, "GroupId", 32, where)
	if err != nil {
		return err
	}
	c.PublicKeys = append(c.PublicKeys, PkeyPublicKey{GroupID: uint32(g), Algorithm: pkeyClean(f["AlgorithmId"])})
	return nil
}

// pkeyDec parses field name of f as an unsigned decimal of the given size.
func pkeyDec(f map[string]string, name string, bitSize int, where string) (uint64, error) {
	s, ok := f[name]
	if !ok {
		return 0, fmt.Errorf("%w: %s: no %s", errPkeyCorrupt, where, name)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, bitSize)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %s %q is not a %d-bit decimal", errPkeyCorrupt, where, name, pkeyShort(s), bitSize)
	}
	return v, nil
}

func pkeyBool(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

// pkeyGUID lowercases a GUID and strips surrounding braces.
func pkeyGUID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "{")
	s = strings.TrimSuffix(s, "}")
	return strings.ToLower(strings.TrimSpace(s))
}

// pkeyClean keeps printable runes, trims spaces and caps the length.
func pkeyClean(s string) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			if unicode.IsSpace(r) {
				return ' '
			}
			return -1
		}
		return r
	}, s))
	if len(s) > maxPkeyText {
		s = s[:maxPkeyText]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// pkeyShort cleans and shortens input text for error messages.
func pkeyShort(s string) string {
	s = pkeyClean(s)
	if len(s) > 40 {
		s = s[:40]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// PkeyMatch is one configuration that a (group, serial) maps to.
type PkeyMatch struct {
	Source      string // PkeyConfig.Source
	ActConfigID string // lowercase, no braces
	EditionID   string
	Description string
	KeyType     string // channel
	EulaType    string // of the first matching valid range, else the first
	Algorithm   string // AlgorithmId of the group's PublicKey, if any
	PartNumbers []string
	Valid       bool // some matching range has IsValid=true
}

// PkeyConfigs is a set of loaded files (main, csvlk, downlevel, office).
type PkeyConfigs []*PkeyConfig

// Lookup maps a key's group and serial to configurations (§4.4): each
// Configuration with RefGroupId == group that has a KeyRange (same
// ActConfigId, braces and case ignored) with Start <= serial <= End. One
// match per configuration per file, with the part numbers of all its
// matching ranges; order is file order, then configuration order.
func (cs PkeyConfigs) Lookup(group, serial uint32) []PkeyMatch {
	var out []PkeyMatch
	for _, c := range cs {
		if c == nil {
			continue
		}
		type pending struct {
			m         PkeyMatch
			hit, vEul bool
		}
		var ps []pending
		idx := make(map[string]int)
		for _, conf := range c.Configurations {
			id := pkeyGUID(conf.ActConfigID)
			if conf.GroupID != group {
				continue
			}
			if _, dup := idx[id]; dup {
				continue
			}
			idx[id] = len(ps)
			ps = append(ps, pending{m: PkeyMatch{
				Source: c.Source, ActConfigID: id, EditionID: conf.EditionID,
				Description: conf.Description, KeyType: conf.KeyType,
			}})
		}
		if len(ps) == 0 {
			continue
		}
		s := uint64(serial)
		for _, r := range c.Ranges {
			if s < r.Start || s > r.End {
				continue
			}
			i, ok := idx[pkeyGUID(r.ActConfigID)]
			if !ok {
				continue
			}
			p := &ps[i]
			if !p.hit || (r.Valid && !p.vEul) {
				p.m.EulaType, p.vEul = r.EulaType, r.Valid
			}
			p.hit = true
			p.m.Valid = p.m.Valid || r.Valid
			if r.PartNumber != "" && !slices.Contains(p.m.PartNumbers, r.PartNumber) {
				p.m.PartNumbers = append(p.m.PartNumbers, r.PartNumber)
			}
		}
		for _, p := range ps {
			if p.hit {
				p.m.Algorithm = cs.algorithm(c, group)
				out = append(out, p.m)
			}
		}
	}
	return out
}

// algorithm returns the group's AlgorithmId, from file c first.
func (cs PkeyConfigs) algorithm(c *PkeyConfig, group uint32) string {
	for _, f := range append(PkeyConfigs{c}, cs...) {
		if f == nil {
			continue
		}
		for _, k := range f.PublicKeys {
			if k.GroupID == group {
				return k.Algorithm
			}
		}
	}
	return ""
}

// LookupKey decodes a Windows 8+ key and calls Lookup. Pre-Windows 8 keys
// (no N) give an error: they cannot be decoded offline, so use the group
// and serial from DigitalProductId instead.
func (cs PkeyConfigs) LookupKey(key string) ([]PkeyMatch, error) {
	norm, err := NormalizeKey(key)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(norm, "N") {
		return nil, fmt.Errorf("%w: %s has no N; pre-Windows 8 (PKEY2005) keys cannot be decoded offline, "+
			"use the group and serial from DigitalProductId instead", errLegacyKey, MaskKey(norm))
	}
	k, err := ParseKey(norm)
	if err != nil {
		return nil, err
	}
	return cs.Lookup(k.Group(), k.Serial()), nil
}
