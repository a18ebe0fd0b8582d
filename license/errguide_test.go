package license

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// requiredGuideCodes is the list the guide must cover (written out here, not
// read from the data, so a dropped entry fails).
var requiredGuideCodes = []string{
	"0x8004FE21", "0x80070005", "0x8007007B", "0x80070490", "0x800706BA",
	"0x8007232A", "0x8007232B", "0x8007251D", "0x80092328", "0xC004B100",
	"0xC004C001", "0xC004C003", "0xC004C008", "0xC004C020", "0xC004C021",
	"0xC004F009", "0xC004F00F", "0xC004F014", "0xC004F02C", "0xC004F035",
	"0xC004F038", "0xC004F039", "0xC004F041", "0xC004F042", "0xC004F050",
	"0xC004F051", "0xC004F064", "0xC004F065", "0xC004F06C", "0xC004F074",
	"0xC004F213", "0xC004F211", "0xC004F034", "0xC004F012", "0xC004E003",
	"0x803F7001",
	"0xC004F210", "0xC004F212", "0x8004E108", "0xC004E002",
	"0xC1900101",
	"0xC1900101-0x20004", "0xC1900101-0x2000C", "0xC1900101-0x20017",
	"0xC1900101-0x30017", "0xC1900101-0x30018", "0xC1900101-0x3000D",
	"0xC1900101-0x4000D", "0xC1900101-0x40017", "0xC1900101-0x50016",
}

func TestGuideEmbeddedDataValid(t *testing.T) {
	g, err := loadGuide()
	if err != nil {
		t.Fatalf("embedded errcodes.json: %v", err)
	}
	if len(g.entries) != len(GuideEntries()) {
		t.Fatalf("GuideEntries returned %d entries, guide has %d", len(GuideEntries()), len(g.entries))
	}
}

func TestGuideRequiredCodes(t *testing.T) {
	have := map[string]bool{}
	for _, e := range GuideEntries() {
		have[e.Code] = true
	}
	for _, c := range requiredGuideCodes {
		if !have[c] {
			t.Errorf("missing required code %s", c)
		}
		e, err := Explain(c)
		if err != nil {
			t.Errorf("Explain(%q): %v", c, err)
			continue
		}
		if e.Code != c {
			t.Errorf("Explain(%q).Code = %q", c, e.Code)
		}
	}
}

func TestGuideEntriesSorted(t *testing.T) {
	es := GuideEntries()
	for i := 1; i < len(es); i++ {
		a1, a2, _ := ParseErrorCode(es[i-1].Code)
		b1, b2, _ := ParseErrorCode(es[i].Code)
		if a1 > b1 || a1 == b1 && a2 >= b2 {
			t.Errorf("entries not sorted: %s before %s", es[i-1].Code, es[i].Code)
		}
	}
}

func TestGuideEntriesComplete(t *testing.T) {
	accents := regexp.MustCompile(`[éèêàâçùûôîëï]`)
	for _, e := range GuideEntries() {
		en, enOK := e.Text["en"]
		fr, frOK := e.Text["fr"]
		if !enOK || !frOK {
			t.Errorf("%s: missing en or fr text", e.Code)
			continue
		}
		for lang, tx := range map[string]GuideText{"en": en, "fr": fr} {
			if strings.TrimSpace(tx.Message) == "" {
				t.Errorf("%s %s: empty message", e.Code, lang)
			}
			if len(tx.Causes) == 0 {
				t.Errorf("%s %s: no cause", e.Code, lang)
			}
			if len(tx.Steps) == 0 {
				t.Errorf("%s %s: no step", e.Code, lang)
			}
			for i, s := range tx.Steps {
				if strings.TrimSpace(s.Text) == "" {
					t.Errorf("%s %s step %d: empty text", e.Code, lang, i+1)
				}
			}
		}
		if len(en.Steps) != len(fr.Steps) {
			t.Errorf("%s: %d en steps, %d fr steps", e.Code, len(en.Steps), len(fr.Steps))
			continue
		}
		for i := range en.Steps {
			if en.Steps[i].Command != fr.Steps[i].Command {
				t.Errorf("%s step %d: command %q (en) vs %q (fr)", e.Code, i+1, en.Steps[i].Command, fr.Steps[i].Command)
			}
			if en.Steps[i].Destructive != fr.Steps[i].Destructive || en.Steps[i].NeedsBackup != fr.Steps[i].NeedsBackup {
				t.Errorf("%s step %d: flags differ between en and fr", e.Code, i+1)
			}
		}
		if en.Message == fr.Message {
			t.Errorf("%s: fr message is not translated: %q", e.Code, fr.Message)
		}
		if !accents.MatchString(allText(fr)) {
			t.Errorf("%s: French text has no accented letter; is it really French?", e.Code)
		}
		switch e.Confidence {
		case "verified", "secondary", "uncertain":
		default:
			t.Errorf("%s: confidence %q", e.Code, e.Confidence)
		}
		if len(e.ActivationTypes) == 0 {
			t.Errorf("%s: no activation types", e.Code)
		}
		for _, a := range e.ActivationTypes {
			if !guideActTypes[a] {
				t.Errorf("%s: unknown activation type %q", e.Code, a)
			}
		}
		isSetup := strings.HasPrefix(e.Code, "0xC1900101")
		hasSetup := false
		for _, a := range e.ActivationTypes {
			hasSetup = hasSetup || a == "setup"
		}
		if isSetup != hasSetup {
			t.Errorf("%s: setup type = %v, want %v", e.Code, hasSetup, isSetup)
		}
	}
}

// French uses the proper terms somewhere in the guide.
func TestGuideFrenchTerms(t *testing.T) {
	var all strings.Builder
	for _, e := range GuideEntries() {
		all.WriteString(allText(e.Text["fr"]))
	}
	for _, term := range []string{"clé de produit", "activation", "hôte KMS", "licence numérique", "invite de commandes élevée", "sauvegard"} {
		if !strings.Contains(all.String(), term) {
			t.Errorf("French text never uses %q", term)
		}
	}
}

// destructiveCommand matches the commands that change or remove licence state.
var destructiveCommand = regexp.MustCompile(`(?i)(/upk\b|/cpky\b|/rearm\b|tokens\.dat|/Initiate-OSUninstall\b)`)

func TestGuideDestructiveStepsNeedBackup(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range GuideEntries() {
		for _, lang := range []string{"en", "fr"} {
			for i, s := range e.Text[lang].Steps {
				if destructiveCommand.MatchString(s.Command) {
					seen[strings.ToLower(destructiveCommand.FindString(s.Command))] = true
					if !s.Destructive {
						t.Errorf("%s %s step %d: %q must be marked destructive", e.Code, lang, i+1, s.Command)
					}
				}
				if s.Destructive && !s.NeedsBackup {
					t.Errorf("%s %s step %d: destructive without needs_backup", e.Code, lang, i+1)
				}
				if !s.Destructive {
					continue
				}
				low := strings.ToLower(s.Text)
				switch lang {
				case "en":
					if !strings.Contains(low, "back up") {
						t.Errorf("%s en step %d: destructive step does not say to back up: %q", e.Code, i+1, s.Text)
					}
				case "fr":
					if !strings.Contains(low, "sauvegard") {
						t.Errorf("%s fr step %d: destructive step does not say to back up (sauvegarder): %q", e.Code, i+1, s.Text)
					}
				}
				if !strings.Contains(s.Text, "actrescue backup") {
					t.Errorf("%s %s step %d: destructive step does not name `actrescue backup`", e.Code, lang, i+1)
				}
			}
		}
	}
	for _, want := range []string{"/upk", "/cpky", "/rearm", "tokens.dat"} {
		if !seen[want] {
			t.Errorf("no step uses %s; the destructive-step rules are not exercised", want)
		}
	}
}

// Only legitimate Microsoft procedures: no circumvention tools, named or not.
func TestGuideNoCircumvention(t *testing.T) {
	forbidden := []*regexp.Regexp{
		regexp.MustCompile(`(?i)kms ?pico`),
		regexp.MustCompile(`\bMAS\b`),
		regexp.MustCompile(`(?i)microsoft activation scripts?`),
		regexp.MustCompile(`(?i)crack`),
		regexp.MustCompile(`(?i)key ?gen`),
		regexp.MustCompile(`(?i)massgrave|tsforge|vlmcsd|kms_vl|kmsauto|hwid ?gen`),
		regexp.MustCompile(`(?i)(kms|activation) ?(emulator|émulateur|server emulator)`),
		regexp.MustCompile(`(?i)\b(bypass|contourn)`),
	}
	for _, e := range GuideEntries() {
		for lang, tx := range e.Text {
			text := allText(tx)
			for _, re := range forbidden {
				if m := re.FindString(text); m != "" {
					t.Errorf("%s %s mentions forbidden %q", e.Code, lang, m)
				}
			}
		}
	}
}

// Every command starts with a Microsoft tool.
func TestGuideCommandsAreMicrosoftTools(t *testing.T) {
	allowed := regexp.MustCompile(`^(slmgr|slui|DISM|nslookup|Test-NetConnection|netsh|w32tm|wevtutil|sfc|net|ren|start|SetupDiag\.exe|ipconfig|msconfig|dir) `)
	single := map[string]bool{"msconfig": true, "SetupDiag.exe": true}
	for _, e := range GuideEntries() {
		for i, s := range e.Text["en"].Steps {
			if s.Command == "" || single[s.Command] {
				continue
			}
			if !allowed.MatchString(s.Command) {
				t.Errorf("%s step %d: unexpected command %q", e.Code, i+1, s.Command)
			}
		}
	}
}

func allText(tx GuideText) string {
	var b strings.Builder
	b.WriteString(tx.Message)
	for _, c := range tx.Causes {
		b.WriteString("\n" + c)
	}
	for _, s := range tx.Steps {
		b.WriteString("\n" + s.Text + "\n" + s.Command)
	}
	return b.String()
}

func TestParseErrorCode(t *testing.T) {
	tests := []struct {
		in        string
		code, ext uint32
	}{
		{"0xc004f213", 0xC004F213, 0},
		{"0xC004F213", 0xC004F213, 0},
		{"0XC004F213", 0xC004F213, 0},
		{"C004F213", 0xC004F213, 0},
		{"c004f213", 0xC004F213, 0},
		{"-1073417709", 0xC004F213, 0}, // SL_E_NO_PRODUCT_KEY_FOUND as a signed int32 (windows-rs, C# bindings)
		{"3221549587", 0xC004F213, 0},
		{"-1073418733", 0xC004EE13, 0}, // not 0xC004F213: see TestParseErrorCodeSignedDecimal
		{"3221548563", 0xC004EE13, 0},
		{"-2147483648", 0x80000000, 0},
		{"4294967295", 0xFFFFFFFF, 0},
		{"  0xC004F213\t", 0xC004F213, 0},
		{"0x 8007 007B", 0x8007007B, 0},
		{"80070005", 0x80070005, 0},
		{"0x803F7001", 0x803F7001, 0},
		{"-2147024891", 0x80070005, 0},
		{"0xC1900101-0x4000D", 0xC1900101, 0x4000D},
		{"0xC1900101 - 0x4000D", 0xC1900101, 0x4000D},
		{"0xC1900101\t-\t0x4000d", 0xC1900101, 0x4000D},
		{"0xC1900101 – 0x4000D", 0xC1900101, 0x4000D}, // en dash, as copied from web pages
		{"C1900101-20017", 0xC1900101, 0x20017},
		{"0xC1900101", 0xC1900101, 0},
		{"0x0", 0, 0},
	}
	for _, tc := range tests {
		code, ext, err := ParseErrorCode(tc.in)
		if err != nil {
			t.Errorf("ParseErrorCode(%q): %v", tc.in, err)
			continue
		}
		if code != tc.code || ext != tc.ext {
			t.Errorf("ParseErrorCode(%q) = %#x, %#x; want %#x, %#x", tc.in, code, ext, tc.code, tc.ext)
		}
	}
}

// The signed decimal form of 0xC004F213 is -1073417709 (3221549587 unsigned).
// -1073418733 / 3221548563, sometimes quoted for it, are 0xC004EE13, which is
// not in the guide.
func TestParseErrorCodeSignedDecimal(t *testing.T) {
	a, _, err1 := ParseErrorCode("-1073417709")
	b, _, err2 := ParseErrorCode("0xC004F213")
	c, _, err3 := ParseErrorCode("3221549587")
	if err1 != nil || err2 != nil || err3 != nil || a != b || c != b {
		t.Fatalf("-1073417709 = %#x (%v), 3221549587 = %#x (%v), 0xC004F213 = %#x (%v)", a, err1, c, err3, b, err2)
	}
	d, _, err := ParseErrorCode("-1073418733")
	if err != nil || d != 0xC004EE13 {
		t.Fatalf("-1073418733 = %#x (%v), want 0xC004EE13", d, err)
	}
}

func TestParseErrorCodeErrors(t *testing.T) {
	for _, in := range []string{
		"", "   ", "hello", "0x", "0xZZ", "0xC004F21G", "0x1C004F2130",
		"12345678901", "4294967296", "-2147483649", "-", "--5", "-0x4000D",
		"0xC1900101-", "0xC1900101--0x4000D", "0xC1900101-0x4000D-1",
		"0xC1900101-0xZZ", "C004F213L", "０xC004F213", "0x-5",
		strings.Repeat("0", 200),
	} {
		code, ext, err := ParseErrorCode(in)
		if err == nil {
			t.Errorf("ParseErrorCode(%q) = %#x, %#x; want an error", in, code, ext)
			continue
		}
		if !strings.Contains(err.Error(), "0xC004F213") {
			t.Errorf("ParseErrorCode(%q) error does not show the expected form: %v", in, err)
		}
	}
}

func TestExplain(t *testing.T) {
	e, err := Explain("-1073417709")
	if err != nil || e.Code != "0xC004F213" || e.Symbol != "SL_E_NO_PRODUCT_KEY_FOUND" {
		t.Fatalf("Explain(-1073417709) = %+v, %v", e, err)
	}
	e, err = Explain("0xC1900101 - 0x4000d")
	if err != nil || e.Code != "0xC1900101-0x4000D" {
		t.Fatalf("Explain(0xC1900101 - 0x4000d) = %+v, %v", e, err)
	}
	e, err = Explain("0xC1900101")
	if err != nil || e.Code != "0xC1900101" {
		t.Fatalf("Explain(0xC1900101) = %+v, %v", e, err)
	}
}

func TestExplainSetupFallback(t *testing.T) {
	for _, in := range []string{"0xC1900101-0x12345", "0xC1900101 - 0x4001E", "C1900101-0x50000"} {
		e, err := Explain(in)
		if err != nil {
			t.Errorf("Explain(%q): %v", in, err)
			continue
		}
		if e.Code != "0xC1900101" {
			t.Errorf("Explain(%q).Code = %q, want the 0xC1900101 family entry", in, e.Code)
		}
	}
	// An extend code on an activation code is not a Setup code: no fallback.
	if _, err := Explain("0xC004F213-0x4000D"); !errors.Is(err, ErrUnknownCode) {
		t.Errorf("Explain(0xC004F213-0x4000D) err = %v, want ErrUnknownCode", err)
	}
}

func TestExplainUnknown(t *testing.T) {
	e, err := Explain("0x12345678")
	if e != nil || !errors.Is(err, ErrUnknownCode) {
		t.Fatalf("Explain(0x12345678) = %v, %v; want ErrUnknownCode", e, err)
	}
	msg := err.Error()
	for _, want := range []string{"0x12345678", "check the code", "0xC004xxxx", "0xC1900101"} {
		if !strings.Contains(msg, want) {
			t.Errorf("unknown-code message %q lacks %q", msg, want)
		}
	}
	if _, err := Explain("garbage"); err == nil || errors.Is(err, ErrUnknownCode) {
		t.Errorf("Explain(garbage) err = %v, want a parse error", err)
	}
}

func TestExplainReturnsCopy(t *testing.T) {
	e, err := Explain("0xC004F074")
	if err != nil {
		t.Fatal(err)
	}
	e.Text["en"].Steps[0].Command = "changed"
	e.ActivationTypes[0] = "changed"
	e.Text["fr"] = GuideText{}
	again, _ := Explain("0xC004F074")
	if again.Text["en"].Steps[0].Command == "changed" || again.ActivationTypes[0] == "changed" || again.Text["fr"].Message == "" {
		t.Fatal("Explain returned an entry sharing memory with the guide")
	}
}

func TestGuideEntryIn(t *testing.T) {
	e, err := Explain("0xC004F074")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.In("fr"); got.Message != e.Text["fr"].Message {
		t.Errorf("In(fr) = %q", got.Message)
	}
	if got := e.In("fr-FR"); got.Message != e.Text["fr"].Message {
		t.Errorf("In(fr-FR) = %q", got.Message)
	}
	for _, l := range []string{"en", "de", "", "EN-us"} {
		if got := e.In(l); got.Message != e.Text["en"].Message {
			t.Errorf("In(%q) = %q, want English", l, got.Message)
		}
	}
	var nilEntry *GuideEntry
	if got := nilEntry.In("fr"); got.Message != "" {
		t.Errorf("nil In = %q", got.Message)
	}
}

// A malformed guide file is an error from parseGuide, never a panic.
func TestParseGuideRejectsMalformed(t *testing.T) {
	step := `{"text":"t","command":"slmgr /dlv","destructive":false,"needs_backup":false}`
	txt := `{"message":"m","causes":["c"],"steps":[` + step + `]}`
	ok := `{"schema":1,"entries":[{"code":"0xC004F213","symbol":"SL_E_X","activation_types":["retail"],"confidence":"verified","en":` + txt + `,"fr":` + txt + `}]}`
	if _, err := parseGuide([]byte(ok)); err != nil {
		t.Fatalf("minimal valid guide rejected: %v", err)
	}
	bad := map[string]string{
		"empty":                 ``,
		"not json":              `{"schema":1,`,
		"array":                 `[]`,
		"trailing":              ok + `{}`,
		"schema":                strings.Replace(ok, `"schema":1`, `"schema":2`, 1),
		"unknown field":         strings.Replace(ok, `"symbol"`, `"sym":"x","symbol"`, 1),
		"no entries":            `{"schema":1,"entries":[]}`,
		"bad code":              strings.Replace(ok, `0xC004F213`, `0xZZ`, 1),
		"non-canonical":         strings.Replace(ok, `0xC004F213`, `0xc004f213`, 1),
		"confidence":            strings.Replace(ok, `"verified"`, `"sure"`, 1),
		"activation type":       strings.Replace(ok, `["retail"]`, `["pirate"]`, 1),
		"no types":              strings.Replace(ok, `["retail"]`, `[]`, 1),
		"missing fr":            strings.Replace(ok, `,"fr":`+txt, ``, 1),
		"empty message":         strings.Replace(ok, `"message":"m"`, `"message":""`, 1),
		"no causes":             strings.Replace(ok, `"causes":["c"]`, `"causes":[]`, 1),
		"no steps":              strings.Replace(ok, `"steps":[`+step+`]`, `"steps":[]`, 1),
		"destructive no backup": strings.Replace(ok, `"destructive":false`, `"destructive":true`, 1),
		"command differs":       strings.Replace(ok, `"command":"slmgr /dlv"`, `"command":"slmgr /dli"`, 1),
		"step count":            strings.Replace(ok, `"steps":[`+step+`]}}`, `"steps":[`+step+`,`+step+`]}}`, 1),
		"duplicate":             strings.Replace(ok, `}]}`, `},{"code":"0xC004F213","symbol":"","activation_types":["retail"],"confidence":"verified","en":`+txt+`,"fr":`+txt+`}]}`, 1),
		"bad symbol":            strings.Replace(ok, `SL_E_X`, `sl e x`, 1),
	}
	for name, data := range bad {
		if data == ok {
			t.Errorf("%s: test case did not change the input", name)
			continue
		}
		if _, err := parseGuide([]byte(data)); err == nil {
			t.Errorf("%s: parseGuide accepted malformed data", name)
		}
	}
}

func FuzzParseErrorCode(f *testing.F) {
	for _, s := range []string{"0xC004F213", "-1073417709", "3221549587", "0xC1900101 - 0x4000D", "C1900101-20017", "--", "0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, ext, err := ParseErrorCode(s)
		if err != nil {
			return
		}
		// A parsed code prints canonically and parses back to itself.
		c2, e2, err := ParseErrorCode(canonicalCode(code, ext))
		if err != nil || c2 != code || e2 != ext {
			t.Fatalf("%q -> %#x,%#x -> %q -> %#x,%#x,%v", s, code, ext, canonicalCode(code, ext), c2, e2, err)
		}
		_, _ = Explain(s)
	})
}
