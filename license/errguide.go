package license

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The activation-error guide: what an activation (or Windows Setup rollback)
// error code means and the legitimate Microsoft procedures that fix it, in
// English and French. Sources: docs/reference/formats-spp-firmware-hives.md
// §7 (codes), §1.6 (slmgr /rilc, rebuilding tokens.dat) and §3.2 (rollback),
// the Windows SDK header slerror.h, and Microsoft's "Resolving common
// activation error codes". The data lives in errcodes.json.

//go:embed errcodes.json
var errcodesJSON []byte

// GuideStep is one step of a resolution. Command, when set, is the exact
// command line (never translated); Destructive steps change or remove
// licence state and NeedsBackup says to run `actrescue backup` first.
type GuideStep struct {
	Text, Command string
	Destructive   bool
	NeedsBackup   bool
}

// GuideText is the text of a guide entry in one language.
type GuideText struct {
	Message string
	Causes  []string
	Steps   []GuideStep
}

// GuideEntry explains one error code.
type GuideEntry struct {
	// Code is canonical: "0xC004F213", or "0xC1900101-0x4000D" for a
	// Windows Setup result code with its extend code.
	Code string
	// Symbol is the SDK name (slerror.h, winerror.h), empty when none is known.
	Symbol string
	// ActivationTypes lists where the code occurs: "mak", "kms-client",
	// "kms-host", "retail", "oem", "digital-license", "setup".
	ActivationTypes []string
	// Confidence is "verified" (two sources agree, resolution documented by
	// Microsoft), "secondary" (one source or secondary sites) or "uncertain".
	Confidence string
	// Text holds the "en" and "fr" texts.
	Text map[string]GuideText
}

// ErrUnknownCode is returned (wrapped) by Explain for a well-formed code
// that the guide does not cover.
var ErrUnknownCode = errors.New("license: error code not in the activation-error guide")

// Known values, checked when the embedded data is loaded.
var (
	guideLanguages   = []string{"en", "fr"}
	guideConfidences = map[string]bool{"verified": true, "secondary": true, "uncertain": true}
	guideActTypes    = map[string]bool{
		"mak": true, "kms-client": true, "kms-host": true, "retail": true,
		"oem": true, "digital-license": true, "setup": true,
	}
)

// maxCodeInput bounds the text ParseErrorCode looks at; real codes are short.
const maxCodeInput = 128

// ParseErrorCode reads an error code as users copy it: "0xC004F213",
// "C004F213", "c004f213", a signed decimal HRESULT ("-1073417709"), an
// unsigned decimal ("3221549587"), or a Windows Setup result code with its
// extend code ("0xC1900101-0x4000D", "0xC1900101 - 0x4000D", en or em dash
// accepted). Spaces and tabs are ignored. ext is 0 when there is no extend
// code.
//
// Without a 0x prefix, a string of up to 8 characters is read as hex (error
// codes are written that way: "80070005"), and a string of 9 or 10 decimal
// digits as an unsigned decimal HRESULT.
func ParseErrorCode(s string) (code uint32, ext uint32, err error) {
	if len(s) > maxCodeInput {
		return 0, 0, fmt.Errorf("license: error code too long (%d bytes); expected something like 0xC004F213", len(s))
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '\u00a0':
			continue
		case '\u2013', '\u2014', '\u2212': // en dash, em dash, minus sign
			r = '-'
		}
		b.WriteRune(r)
	}
	t := b.String()
	bad := func(why string) error {
		return fmt.Errorf("license: cannot read error code %q: %s; expected hex like 0xC004F213, a decimal HRESULT like -1073417709, or a Windows Setup code like 0xC1900101-0x4000D", s, why)
	}
	if t == "" {
		return 0, 0, bad("empty")
	}

	// Signed decimal HRESULT.
	if t[0] == '-' {
		if len(t) == 1 || !allDigits(t[1:]) {
			return 0, 0, bad("a leading minus sign must be followed by decimal digits")
		}
		v, perr := strconv.ParseInt(t, 10, 32)
		if perr != nil {
			return 0, 0, bad("out of the 32-bit range")
		}
		return uint32(int32(v)), 0, nil
	}

	head, extPart, hasExt := strings.Cut(t, "-")
	code, err = parseCodePart(head, false)
	if err != nil {
		return 0, 0, bad(err.Error())
	}
	if hasExt {
		if extPart == "" {
			return 0, 0, bad("missing extend code after the dash")
		}
		ext, err = parseCodePart(extPart, true)
		if err != nil {
			return 0, 0, bad("extend code: " + err.Error())
		}
	}
	return code, ext, nil
}

// parseCodePart reads one hex or decimal part. Extend codes are always hex.
func parseCodePart(p string, extPart bool) (uint32, error) {
	if p == "" {
		return 0, errors.New("empty")
	}
	hexDigits := p
	prefixed := false
	if len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') {
		hexDigits = p[2:]
		prefixed = true
		if hexDigits == "" {
			return 0, errors.New("no digits after 0x")
		}
	}
	if !prefixed && !extPart && allDigits(p) && len(p) > 8 {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return 0, errors.New("decimal value out of the 32-bit range")
		}
		return uint32(v), nil
	}
	if !allHex(hexDigits) {
		return 0, errors.New("not a hexadecimal or decimal number")
	}
	v, err := strconv.ParseUint(hexDigits, 16, 32)
	if err != nil {
		return 0, errors.New("hex value longer than 32 bits")
	}
	return uint32(v), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// canonicalCode formats a code the way GuideEntry.Code holds it.
func canonicalCode(code, ext uint32) string {
	if ext == 0 {
		return fmt.Sprintf("0x%08X", code)
	}
	return fmt.Sprintf("0x%08X-0x%X", code, ext)
}

// Explain parses s (see ParseErrorCode) and returns its guide entry. A Windows
// Setup code whose extend code is not covered falls back to the entry of its
// result code (0xC1900101-0x12345 gives the 0xC1900101 family entry). A code
// that is not covered gives an error wrapping ErrUnknownCode. The entry is a
// copy: changing it does not change the guide.
func Explain(s string) (*GuideEntry, error) {
	code, ext, err := ParseErrorCode(s)
	if err != nil {
		return nil, err
	}
	g, err := loadGuide()
	if err != nil {
		return nil, err
	}
	key := canonicalCode(code, ext)
	if e, ok := g.byCode[key]; ok {
		c := e.clone()
		return &c, nil
	}
	if ext != 0 {
		if e, ok := g.byCode[canonicalCode(code, 0)]; ok && e.hasType("setup") {
			c := e.clone()
			return &c, nil
		}
	}
	return nil, fmt.Errorf("%w: %s; check the code as shown by slmgr, the Activation page or the setup logs (for Windows Setup, include the extend code, e.g. 0xC1900101-0x4000D). Covered: %s",
		ErrUnknownCode, key, g.families)
}

// GuideEntries returns a copy of every entry, sorted by code then extend
// code. It returns nil only if the embedded data is invalid, which the
// package tests rule out.
func GuideEntries() []GuideEntry {
	g, err := loadGuide()
	if err != nil {
		return nil
	}
	out := make([]GuideEntry, len(g.entries))
	for i := range g.entries {
		out[i] = g.entries[i].clone()
	}
	return out
}

// In returns the text in lang ("fr", "fr-FR", "en", …), falling back to
// English when the language is not available.
func (e *GuideEntry) In(lang string) GuideText {
	if e == nil {
		return GuideText{}
	}
	l := strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if t, ok := e.Text[l]; ok {
		return t
	}
	return e.Text["en"]
}

func (e *GuideEntry) hasType(t string) bool {
	for _, a := range e.ActivationTypes {
		if a == t {
			return true
		}
	}
	return false
}

func (e *GuideEntry) clone() GuideEntry {
	c := *e
	c.ActivationTypes = append([]string(nil), e.ActivationTypes...)
	c.Text = make(map[string]GuideText, len(e.Text))
	for k, t := range e.Text {
		c.Text[k] = GuideText{
			Message: t.Message,
			Causes:  append([]string(nil), t.Causes...),
			Steps:   append([]GuideStep(nil), t.Steps...),
		}
	}
	return c
}

// ---- embedded data ----------------------------------------------------------

type guideFile struct {
	Schema           int               `json:"schema"`
	Sources          []string          `json:"sources"`
	ConfidenceLevels map[string]string `json:"confidence_levels"`
	Entries          []guideFileEntry  `json:"entries"`
}

type guideFileEntry struct {
	Code            string         `json:"code"`
	Symbol          string         `json:"symbol"`
	ActivationTypes []string       `json:"activation_types"`
	Confidence      string         `json:"confidence"`
	En              *guideFileText `json:"en"`
	Fr              *guideFileText `json:"fr"`
}

type guideFileText struct {
	Message string          `json:"message"`
	Causes  []string        `json:"causes"`
	Steps   []guideFileStep `json:"steps"`
}

type guideFileStep struct {
	Text        string `json:"text"`
	Command     string `json:"command"`
	Destructive bool   `json:"destructive"`
	NeedsBackup bool   `json:"needs_backup"`
}

type guide struct {
	entries  []GuideEntry // sorted
	byCode   map[string]*GuideEntry
	families string // for the ErrUnknownCode message
}

var (
	guideOnce   sync.Once
	guideLoaded *guide
	guideErr    error
)

func loadGuide() (*guide, error) {
	guideOnce.Do(func() {
		guideLoaded, guideErr = parseGuide(errcodesJSON)
		if guideErr != nil {
			guideErr = fmt.Errorf("license: embedded activation-error guide is invalid: %w", guideErr)
		}
	})
	return guideLoaded, guideErr
}

var symbolRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// parseGuide decodes and checks the guide data. Any problem is an error,
// never a panic.
func parseGuide(data []byte) (*guide, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f guideFile
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if f.Schema != 1 {
		return nil, fmt.Errorf("unsupported schema %d", f.Schema)
	}
	if len(f.Entries) == 0 {
		return nil, errors.New("no entries")
	}
	type sortKey struct{ code, ext uint32 }
	keys := make(map[string]sortKey, len(f.Entries))
	g := &guide{byCode: make(map[string]*GuideEntry, len(f.Entries))}
	for i, fe := range f.Entries {
		code, ext, err := ParseErrorCode(fe.Code)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if canon := canonicalCode(code, ext); canon != fe.Code {
			return nil, fmt.Errorf("entry %d: code %q is not canonical (want %q)", i, fe.Code, canon)
		}
		if _, dup := keys[fe.Code]; dup {
			return nil, fmt.Errorf("entry %d: duplicate code %s", i, fe.Code)
		}
		keys[fe.Code] = sortKey{code, ext}
		if fe.Symbol != "" && !symbolRE.MatchString(fe.Symbol) {
			return nil, fmt.Errorf("%s: bad symbol %q", fe.Code, fe.Symbol)
		}
		if !guideConfidences[fe.Confidence] {
			return nil, fmt.Errorf("%s: unknown confidence %q", fe.Code, fe.Confidence)
		}
		if len(fe.ActivationTypes) == 0 {
			return nil, fmt.Errorf("%s: no activation types", fe.Code)
		}
		for _, a := range fe.ActivationTypes {
			if !guideActTypes[a] {
				return nil, fmt.Errorf("%s: unknown activation type %q", fe.Code, a)
			}
		}
		e := GuideEntry{
			Code:            fe.Code,
			Symbol:          fe.Symbol,
			ActivationTypes: fe.ActivationTypes,
			Confidence:      fe.Confidence,
			Text:            make(map[string]GuideText, len(guideLanguages)),
		}
		for _, lang := range guideLanguages {
			ft := fe.En
			if lang == "fr" {
				ft = fe.Fr
			}
			t, err := convertGuideText(ft)
			if err != nil {
				return nil, fmt.Errorf("%s (%s): %w", fe.Code, lang, err)
			}
			e.Text[lang] = t
		}
		if err := checkLanguagesAgree(e); err != nil {
			return nil, fmt.Errorf("%s: %w", fe.Code, err)
		}
		g.entries = append(g.entries, e)
	}
	sort.Slice(g.entries, func(i, j int) bool {
		a, b := keys[g.entries[i].Code], keys[g.entries[j].Code]
		if a.code != b.code {
			return a.code < b.code
		}
		return a.ext < b.ext
	})
	fam := map[string]bool{}
	var famList []string
	for i := range g.entries {
		e := &g.entries[i]
		g.byCode[e.Code] = e
		k := keys[e.Code]
		name := fmt.Sprintf("0x%04Xxxxx", k.code>>16)
		if e.hasType("setup") {
			name = fmt.Sprintf("0x%08X[-extend code] (Windows Setup rollback)", k.code)
		}
		if !fam[name] {
			fam[name] = true
			famList = append(famList, name)
		}
	}
	g.families = strings.Join(famList, ", ")
	return g, nil
}

func convertGuideText(ft *guideFileText) (GuideText, error) {
	if ft == nil {
		return GuideText{}, errors.New("missing text")
	}
	if strings.TrimSpace(ft.Message) == "" {
		return GuideText{}, errors.New("empty message")
	}
	if len(ft.Causes) == 0 {
		return GuideText{}, errors.New("no causes")
	}
	for _, c := range ft.Causes {
		if strings.TrimSpace(c) == "" {
			return GuideText{}, errors.New("empty cause")
		}
	}
	if len(ft.Steps) == 0 {
		return GuideText{}, errors.New("no steps")
	}
	t := GuideText{Message: ft.Message, Causes: ft.Causes, Steps: make([]GuideStep, len(ft.Steps))}
	for i, s := range ft.Steps {
		if strings.TrimSpace(s.Text) == "" {
			return GuideText{}, fmt.Errorf("step %d: empty text", i+1)
		}
		if s.Destructive && !s.NeedsBackup {
			return GuideText{}, fmt.Errorf("step %d: destructive step without needs_backup", i+1)
		}
		t.Steps[i] = GuideStep{Text: s.Text, Command: s.Command, Destructive: s.Destructive, NeedsBackup: s.NeedsBackup}
	}
	return t, nil
}

// checkLanguagesAgree: the languages have the same steps, with identical
// commands and flags (commands are never translated).
func checkLanguagesAgree(e GuideEntry) error {
	en := e.Text["en"]
	for _, lang := range guideLanguages[1:] {
		t := e.Text[lang]
		if len(t.Steps) != len(en.Steps) {
			return fmt.Errorf("%s has %d steps, en has %d", lang, len(t.Steps), len(en.Steps))
		}
		for i := range t.Steps {
			a, b := en.Steps[i], t.Steps[i]
			if a.Command != b.Command || a.Destructive != b.Destructive || a.NeedsBackup != b.NeedsBackup {
				return fmt.Errorf("step %d differs between en and %s", i+1, lang)
			}
		}
	}
	return nil
}
