package rescue

import (
	"strings"
	"testing"
)

func keyRec(key, class, edition string, kinds ...string) *KeyRecord {
	valid := true
	k := &KeyRecord{Key: key, Class: class, Edition: edition, ChecksumValid: &valid, Format: "pkey2009"}
	for _, kind := range kinds {
		k.Sources = append(k.Sources, KeySource{Kind: kind, Path: "SOFTWARE"})
	}
	return k
}

func hostFW(edition string) *FirmwareReport {
	fr := &FirmwareReport{Host: true, Source: "sysfs"}
	if edition != "" {
		fr.MSDM = &MSDMReport{Key: keyRec("XXXXX-XXXXX-XXXXX-XXXXX-FWKEY", "unknown", edition, "firmware MSDM"), TableChecksumOK: true}
	}
	return fr
}

const proGeneric = "VK7JG-NPHTM-C97JM-9MPGT-3V66T"

func TestDiagnose(t *testing.T) {
	previous := map[string][]*KeyRecord{
		"real key in Windows.old": {keyRec("ABCDE-ABCDE-ABCDE-ABCDE-ABCDE", "unknown", "Professional", `\Windows.old\DigitalProductId`)},
	}
	cases := []struct {
		name   string
		in     *Installation
		fw     *FirmwareReport
		want   []string
		params map[string]string // expected params of the first finding
	}{
		{"clean retail", &Installation{EditionID: "Professional", Keys: []*KeyRecord{keyRec("ABCDE-ABCDE-ABCDE-ABCDE-ABCDE", "unknown", "Professional", "DigitalProductId4")}},
			nil, nil, nil},
		{"firmware Home, Pro installed, generic Pro key", &Installation{EditionID: "Professional", Keys: []*KeyRecord{keyRec(proGeneric, "generic", "Professional", "DigitalProductId4")}},
			hostFW("Core"), []string{FindFirmwareEdition, FindGenericOnly}, map[string]string{"firmware_edition": "Core", "edition": "Professional"}},
		{"firmware Pro activates generic Pro", &Installation{EditionID: "Professional", Keys: []*KeyRecord{keyRec(proGeneric, "generic", "Professional", "DigitalProductId")}},
			hostFW("Professional"), []string{FindGenericOnly}, map[string]string{"basis": "firmware"}},
		{"no firmware key on the host: digital license", &Installation{EditionID: "Professional", Keys: []*KeyRecord{keyRec(proGeneric, "generic", "Professional", "DigitalProductId")}},
			hostFW(""), []string{FindGenericOnly}, map[string]string{"basis": "digital-license"}},
		{"real key in history", &Installation{EditionID: "Professional", KMS: &KMSConfig{Name: "x"}, Keys: []*KeyRecord{
			keyRec(proGeneric, "generic", "Professional", "DigitalProductId"),
			keyRec("ABCDE-ABCDE-ABCDE-ABCDE-ABCDE", "unknown", "Professional", `Source OS (Updated on 1/1/2024 00:00:00)\DigitalProductId4`)}},
			nil, []string{FindGenericOnly, FindRealKeyHistory}, nil},
		{"Datacenter key on Standard", &Installation{EditionID: "ServerStandard", KMS: &KMSConfig{Name: "kms"}, Keys: []*KeyRecord{keyRec("WX4NM-KYWYW-QJJR4-XV3QB-6VM33", "kms-client", "ServerDatacenter", "DigitalProductId4")}},
			nil, []string{FindKeyEdition}, map[string]string{"key_edition": "ServerDatacenter", "edition": "ServerStandard"}},
		{"client Enterprise evaluation", &Installation{EditionID: "EnterpriseEval", Keys: []*KeyRecord{keyRec("ABCDE-ABCDE-ABCDE-ABCDE-ABCDE", "unknown", "EnterpriseEval", "DigitalProductId4")}},
			nil, []string{FindEvaluation}, map[string]string{"target": "Enterprise"}},
		{"real key in Windows.old", &Installation{EditionID: "Professional", KMS: &KMSConfig{Name: "x"}, Keys: []*KeyRecord{
			keyRec(proGeneric, "generic", "Professional", "DigitalProductId")}},
			nil, []string{FindGenericOnly, FindRealKeyHistory}, nil},
		{"nothing anywhere", &Installation{EditionID: "Core"}, hostFW(""), []string{FindNoKey}, nil},
		{"KMS host configured: silent", &Installation{EditionID: "Enterprise", KMS: &KMSConfig{Name: "kms.corp"}, Keys: []*KeyRecord{keyRec("NPPR9-FWDCX-D2C8J-H872K-2YT43", "kms-client", "Enterprise", "DigitalProductId4")}},
			nil, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diagnose(c.in, c.fw, previous[c.name])
			var got []string
			for _, f := range c.in.Findings {
				got = append(got, f.Code)
				for _, lang := range []string{"en", "fr"} {
					if m := FindingMessage(lang, f.Code, f.Params); m == "" || strings.Contains(m, "{") || m == f.Code+"/"+f.Params["basis"] {
						t.Errorf("%s %s: bad text %q", f.Code, lang, m)
					}
					for _, s := range f.Steps {
						if txt := StepText(lang, s.Code, f.Params); txt == s.Code || strings.Contains(txt, "{") {
							t.Errorf("%s step %s %s: no text", f.Code, s.Code, lang)
						}
					}
				}
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("findings %v, want %v", got, c.want)
			}
			for k, v := range c.params {
				if c.in.Findings[0].Params[k] != v {
					t.Errorf("param %s = %q, want %q", k, c.in.Findings[0].Params[k], v)
				}
			}
		})
	}
}

func TestMaskFinding(t *testing.T) {
	in := &Installation{EditionID: "Professional", KMS: &KMSConfig{Name: "x"}, Keys: []*KeyRecord{
		keyRec(proGeneric, "generic", "Professional", "DigitalProductId"),
		keyRec("ABCDE-ABCDE-ABCDE-ABCDE-ABCDE", "unknown", "Professional", `Source OS (x)\DigitalProductId4`)}}
	rep := &Report{Masked: true, Targets: []*TargetReport{{Installations: []*Installation{in}}}}
	rep.finish()
	for _, f := range in.Findings {
		all := f.Message + f.Params["key"]
		for _, s := range f.Steps {
			all += s.Command + s.Text
		}
		if strings.Contains(all, "ABCDE-ABCDE") || strings.Contains(all, "VK7JG") {
			t.Errorf("finding %s leaks a key: %s", f.Code, all)
		}
	}
}

// A value from the disk that looks like a placeholder is not expanded.
func TestMessageSinglePass(t *testing.T) {
	got := Message("en", CodeHiveUnreadable, map[string]string{"path": "{error}", "error": "boom"})
	if !strings.Contains(got, "hive {error} could not be read: boom") {
		t.Errorf("placeholder in a value was expanded: %q", got)
	}
}
