package license

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	pkeyAlg2009 = "msft:rm/algorithm/pkey/2009"
	pkeyAlg2005 = "msft:rm/algorithm/pkey/2005"
)

var pkeyFixtureFiles = []string{"pkeyconfig.xrm-ms", "pkeyconfig-csvlk.xrm-ms", "pkeyconfig-downlevel.xrm-ms"}

func readPkeyFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pkeyconfig", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadPkeyFixtures parses the three fixture files in the order main, csvlk, downlevel.
func loadPkeyFixtures(t testing.TB) PkeyConfigs {
	t.Helper()
	var cs PkeyConfigs
	for _, n := range pkeyFixtureFiles {
		c, err := ParsePkeyConfig(readPkeyFixture(t, n), n)
		if err != nil {
			t.Fatalf("ParsePkeyConfig(%s): %v", n, err)
		}
		cs = append(cs, c)
	}
	return cs
}

// pkeyFixtureKeys: formats-keys.md §5 (group/serial, edition, channel,
// ActConfigId; part and description where §5/§8 give them).
var pkeyFixtureKeys = []struct {
	key           string
	group, serial uint32
	acid, edition string
	channel       string
	part, desc    string
}{
	// §5.1 GVLKs.
	{"W269N-WFGWX-YVC9B-4J6C9-T83GX", 3311, 1, "2de67392-b7a7-462a-b1ca-108dd189f588", "Professional", "Volume:GVLK", "[TH]X19-98795", "Win 10 RTM Professional Volume:GVLK"},
	{"MH37W-N47XK-V7XM9-C7227-GCQG9", 3319, 1, "a80b5abf-76ad-428b-b05d-a47d2dffeebf", "ProfessionalN", "Volume:GVLK", "", ""},
	{"NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J", 3918, 1, "82bbc092-bc50-4e16-8e18-b74fc486aec3", "ProfessionalWorkstation", "Volume:GVLK", "", ""},
	{"9FNHH-K3HBT-3W4TD-6383H-6XYWF", 3923, 1, "4b1571d3-bafb-4b40-8087-a961be2caf65", "ProfessionalWorkstationN", "Volume:GVLK", "", ""},
	{"6TP4R-GNPTD-KYYHQ-7B7DP-J447Y", 3784, 1, "3f1afc82-f8ac-4f6c-8005-1d233e606eee", "ProfessionalEducation", "Volume:GVLK", "", ""},
	{"YVWGF-BXNMC-HTQYQ-CPQ99-66QFC", 3785, 1, "5300b18c-2e33-4dc2-8291-47ffcec746dd", "ProfessionalEducationN", "Volume:GVLK", "", ""},
	{"NW6C2-QMPVW-D7KKK-3GKT6-VCFB2", 3281, 1, "e0c42288-980c-4788-a014-c080d2e1926e", "Education", "Volume:GVLK", "", ""},
	{"2WH4N-8QGBV-H22JP-CT43Q-MDWWJ", 3286, 1, "3c102355-d027-42c6-ad23-2e7ef8a02585", "EducationN", "Volume:GVLK", "", ""},
	{"NPPR9-FWDCX-D2C8J-H872K-2YT43", 3290, 3, "73111121-5638-40f6-bc11-f1d7b0d64300", "Enterprise", "Volume:GVLK", "[TH]X19-98698", ""},
	{"DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4", 3299, 1, "e272e3e2-732f-4c65-a8f0-484747d0d947", "EnterpriseN", "Volume:GVLK", "", ""},
	{"YYVX9-NTFWV-6MDM3-9PT4T-4M68B", 3856, 0, "e0b2d383-d112-413f-8a80-97f373a5820c", "EnterpriseG", "Volume:GVLK", "", ""},
	{"44RPN-FTY23-9VTTB-MP9BX-T84FV", 3861, 0, "e38454fb-41a4-4f59-a5dc-25080e354730", "EnterpriseGN", "Volume:GVLK", "", ""},
	{"M7XTQ-FN8P6-TTKYV-9D4CC-J462D", 4250, 2, "32d2fab3-e4a8-42c2-923b-4bf4fd13e6ee", "EnterpriseS", "Volume:GVLK", "", ""},
	{"92NFX-8DJQP-P6BBQ-THF9C-7CG2H", 4253, 0, "7103a333-b8c8-49cc-93ce-d37c09687f92", "EnterpriseSN", "Volume:GVLK", "", ""},
	{"KBN8V-HFGQ4-MGXVD-347P6-PDQGT", 4844, 1, "59eb965c-9150-42b7-a0ec-22151b9897c5", "IoTEnterpriseS", "Volume:GVLK", "", ""},
	{"DCPHK-NFMTC-H88MJ-PFHPY-QJ4BJ", 3782, 3, "2d5a5a60-3040-48bf-beb0-fcd770c20ce0", "EnterpriseS", "Volume:GVLK", "", ""},
	{"QFFDN-GRT3P-VKWWX-X7T3R-8B639", 3783, 3, "9f776d83-7156-45b2-8a5c-359b9c9f22a3", "EnterpriseSN", "Volume:GVLK", "", ""},
	{"WNMTR-4C88C-JK8YV-HQ7T2-76DF9", 3295, 1, "7b51a46c-0c04-4e8f-9af4-8496cca90d5e", "EnterpriseS", "Volume:GVLK", "", ""},
	{"2F77B-TNFGY-69QQF-B8YKP-D69TJ", 3302, 1, "87b838b7-41b6-4590-8318-5797951d8529", "EnterpriseSN", "Volume:GVLK", "", ""},
	{"VDYBN-27WPP-V4HQT-9VMD4-VMK7H", 4541, 1, "9bd77860-9b31-4b7b-96ad-2564017315bf", "ServerStandard", "Volume:GVLK", "", "Windows Server 2021 RTM ServerStandard Volume:GVLK"},
	{"WX4NM-KYWYW-QJJR4-XV3QB-6VM33", 4546, 1, "ef6cfc9f-8c5d-44ac-9aad-de6a2ea0ae03", "ServerDatacenter", "Volume:GVLK", "", ""},
	{"NTBV8-9K7Q8-V27C6-M2BTV-KHMXV", 4469, 0, "19b5e0fb-4431-46bc-bac1-2f1873e4ae73", "ServerTurbine", "Volume:GVLK", "", ""},
	{"N69G4-B89J2-4G8F4-WWYCC-J464C", 4297, 0, "de32eafd-aaee-4662-9444-c1befb41bde2", "ServerStandard", "Volume:GVLK", "", ""},
	{"WMDGN-G9PQG-XVVXX-R3X43-63DFG", 4300, 0, "34e1ae55-27f8-4950-8877-7a03be5fb181", "ServerDatacenter", "Volume:GVLK", "", ""},
	{"WVDHN-86M7X-466P6-VHXV7-YY726", 4332, 0, "034d3cbb-5d4b-4245-b3f8-f84571314078", "ServerSolution", "Volume:GVLK", "", ""},
	{"WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY", 3776, 0, "8c1c5410-9f39-4805-8c9d-63a07706358f", "ServerStandard", "Volume:GVLK", "", ""},
	{"CB7KF-BWN84-R7R2Y-793K2-8XDDG", 3764, 0, "21c56779-b449-4d20-adfc-eece0e1ad74b", "ServerDatacenter", "Volume:GVLK", "", ""},
	{"JCKRF-N37P4-C2D82-9YXRT-4M63B", 3760, 0, "2b5a1b0f-a5ab-4c54-ac2f-a6d94824a283", "ServerSolution", "Volume:GVLK", "", ""},
	{"N2KJX-J94YW-TQVFB-DG9YT-724CC", 4313, 0, "73e3957c-fc0c-400d-9184-5f7b6f2eb409", "ServerStandardACor", "Volume:GVLK", "", ""},
	{"6NMRW-2C8FM-D24W7-TQWMY-CWH2D", 4314, 0, "90c362e5-0da1-4bfd-b53b-b87d309ade43", "ServerDatacenterACor", "Volume:GVLK", "", ""},
	{"TX9XD-98N7V-6WMQ6-BX7FG-H8Q99", 3263, 1, "58e97c99-f377-4ef1-81d5-4ad5522b5fd8", "Core", "Volume:GVLK", "", ""},
	{"3KHY7-WNT83-DGQKR-F7HPR-844BM", 3272, 1, "7b9e1751-a8da-4f75-9560-5fadfe3d8e38", "CoreN", "Volume:GVLK", "", ""},
	{"7HNRX-D7KGG-3K4RQ-4WPJ4-YTDFH", 3277, 1, "cd918a57-a41b-4c82-8dce-1a538e221a83", "CoreSingleLanguage", "Volume:GVLK", "", ""},
	{"PVMJN-6DFY6-9CCP6-7BKTT-D3WVR", 3267, 1, "a9107544-f4a0-4053-a96a-1479abdef912", "CoreCountrySpecific", "Volume:GVLK", "", ""},
	// §5.2 generic keys.
	{"YTMG3-N6DKC-DKB77-7M9GH-8HVX7", 3261, 0, "2b1f36bb-c1cd-4306-bf5c-a0367c2d97d8", "Core", "Retail", "[TH]X19-98868", ""},
	{"4CPRK-NM3K3-X6XXQ-RXX86-WXCHW", 3270, 0, "f742e4ff-909d-4fe9-aacb-3231d24a0c58", "CoreN", "Retail", "X19-98877", ""},
	{"BT79Q-G7N6G-PGBYW-4YWX6-6F4BT", 3276, 0, "3ae2cc14-ab2d-41f4-972f-5e20142771dc", "CoreSingleLanguage", "Retail", "X19-99661", ""},
	{"N2434-X9D7W-8PF6X-8DV9T-8TYMD", 3266, 0, "1d1bac85-7365-4fea-949a-96978ec91ae0", "CoreCountrySpecific", "Retail", "X19-99652", ""},
	{"VK7JG-NPHTM-C97JM-9MPGT-3V66T", 3308, 0, "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c", "Professional", "Retail", "[TH]X19-98841", "Win 10 RTM Professional Retail"},
	{"2B87N-8KFHP-DKV6R-Y2C8J-PKCKT", 3316, 0, "9fbaf5d6-4d83-4422-870d-fdda6e5858aa", "ProfessionalN", "Retail", "X19-98859", ""},
	{"DXG7C-N36C4-C4HTG-X4T3X-2YV77", 3917, 0, "eb6d346f-1c60-4643-b960-40ec31596c45", "ProfessionalWorkstation", "Retail", "[RS3]X21-43626", ""},
	{"WYPNQ-8C467-V2W6J-TX4WX-WT2RQ", 3922, 0, "89e87510-ba92-45f6-8329-3afa905e3e83", "ProfessionalWorkstationN", "Retail", "X21-43644", ""},
	{"8PTT6-RNW4C-6V7J2-C2D3X-MHBPB", 3800, 1, "62f0c100-9c53-4e02-b886-a3528ddfe7f6", "ProfessionalEducation", "Retail", "[RS1]X21-04955", ""},
	{"GJTYN-HDMQY-FRR76-HVGC7-QPF8P", 3801, 1, "13a38698-4a49-4b9e-8e83-98fe51110953", "ProfessionalEducationN", "Retail", "X21-04956", ""},
	{"YNMGQ-8RYV3-4PGQ3-C8XTP-7CFBY", 3280, 0, "e558417a-5123-4f6f-91e7-385c1c7ca9d4", "Education", "Retail", "[TH]X19-98886", ""},
	{"84NGF-MHBT6-FXBX8-QWJK7-DRR8H", 3285, 0, "c5198a66-e435-4432-89cf-ec777c9d0352", "EducationN", "Retail", "X19-98892", ""},
	{"XGVPP-NMH47-7TTHJ-W3FW7-8HV2C", 3289, 0, "8b351c9c-f398-4515-9900-09df49427262", "Enterprise", "OEM:NONSLP", "X19-99683", ""},
	{"WGGHN-J84D6-QYCPR-T7PJ7-X766F", 3299, 0, "e272e3e2-732f-4c65-a8f0-484747d0d947", "EnterpriseN", "Volume:GVLK", "X19-98747", ""},
	{"FW7NV-4T673-HF4VX-9X4MM-B4H4T", 3860, 1, "8d6f6ffe-0c30-40ec-9db2-aad7b23bb6e3", "EnterpriseGN", "OEM:NONSLP", "[RS2]X21-24709", ""},
}

func TestPkeyConfigFixtureKeys(t *testing.T) {
	cs := loadPkeyFixtures(t)
	for _, tc := range pkeyFixtureKeys {
		t.Run(tc.key, func(t *testing.T) {
			k, err := ParseKey(tc.key)
			if err != nil {
				t.Fatal(err)
			}
			if k.Group() != tc.group || k.Serial() != tc.serial || !k.ChecksumValid() {
				t.Fatalf("decode: group %d serial %d checksum %v, want %d/%d valid", k.Group(), k.Serial(), k.ChecksumValid(), tc.group, tc.serial)
			}
			// Cross-check with the published-key tables.
			info := Classify(tc.key)
			wantClass := ClassGeneric
			if tc.channel == "Volume:GVLK" {
				wantClass = ClassKMSClient
			}
			if info.Edition != tc.edition || info.Class != wantClass {
				t.Errorf("Classify = %+v, want edition %s class %s", info, tc.edition, wantClass)
			}
			ms, err := cs.LookupKey(strings.ToLower(tc.key))
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 1 {
				t.Fatalf("LookupKey: %d matches, want 1: %+v", len(ms), ms)
			}
			m := ms[0]
			if m.Source != "pkeyconfig.xrm-ms" || m.ActConfigID != tc.acid || m.EditionID != tc.edition ||
				m.KeyType != tc.channel || !m.Valid || m.Algorithm != pkeyAlg2009 || len(m.PartNumbers) == 0 {
				t.Errorf("match = %+v, want %s %s %s valid", m, tc.acid, tc.edition, tc.channel)
			}
			if tc.part != "" && m.PartNumbers[0] != tc.part {
				t.Errorf("part numbers %q, want first %q", m.PartNumbers, tc.part)
			}
			if tc.desc != "" && m.Description != tc.desc {
				t.Errorf("description %q, want %q", m.Description, tc.desc)
			}
			if got := cs.Lookup(k.Group(), k.Serial()); !reflect.DeepEqual(got, ms) {
				t.Errorf("Lookup = %+v, LookupKey = %+v", got, ms)
			}
		})
	}
}

func TestPkeyConfigFixtureFiles(t *testing.T) {
	cs := loadPkeyFixtures(t)
	main, csvlk, down := cs[0], cs[1], cs[2]
	if len(main.Configurations) != 50 || len(main.Ranges) != 52 || len(main.PublicKeys) != 49 {
		t.Errorf("main: %d configurations, %d ranges, %d public keys; want 50, 52, 49",
			len(main.Configurations), len(main.Ranges), len(main.PublicKeys))
	}
	for _, c := range main.Configurations {
		if c.ActConfigID != strings.ToLower(c.ActConfigID) || strings.ContainsAny(c.ActConfigID, "{}") || len(c.ActConfigID) != 36 {
			t.Errorf("ActConfigID %q not normalized", c.ActConfigID)
		}
	}
	for _, k := range main.PublicKeys {
		if k.Algorithm != pkeyAlg2009 {
			t.Errorf("public key %+v", k)
		}
	}
	d1 := main.Configurations[len(main.Configurations)-2]
	want := PkeyConfiguration{ActConfigID: "00000000-0000-4000-8000-0000000000d1", GroupID: 99999, EditionID: "Core",
		Description: "Win 10 RTM Core OEM:DM", KeyType: "OEM:DM", Randomized: true}
	if d1 != want {
		t.Errorf("OEM:DM configuration = %+v, want %+v", d1, want)
	}

	// Windows 7 style: pkc: prefixes, PKEY2005.
	wantDown := &PkeyConfig{
		Source: "pkeyconfig-downlevel.xrm-ms",
		Configurations: []PkeyConfiguration{{ActConfigID: "00000000-0000-4000-8000-000000000007", GroupID: 178,
			EditionID: "Professional", Description: "Windows 7 Professional OEM:SLP", KeyType: "OEM:SLP"}},
		Ranges: []PkeyRange{{ActConfigID: "00000000-0000-4000-8000-000000000007", PartNumber: "X15-37377",
			EulaType: "OEM", Valid: true, Start: 926000000, End: 926999999}},
		PublicKeys: []PkeyPublicKey{{GroupID: 178, Algorithm: pkeyAlg2005}},
	}
	if !reflect.DeepEqual(down, wantDown) {
		t.Errorf("downlevel = %+v\nwant %+v", down, wantDown)
	}

	// gzip payload.
	if len(csvlk.Configurations) != 1 || csvlk.Configurations[0].KeyType != "Volume:CSVLK" || len(csvlk.Ranges) != 1 {
		t.Errorf("csvlk = %+v", csvlk)
	}
}

func TestPkeyConfigLookup(t *testing.T) {
	cs := loadPkeyFixtures(t)
	type want struct {
		source, acid, edition, channel, eula, alg string
		parts                                     []string
		valid                                     bool
	}
	const main, down, csv = "pkeyconfig.xrm-ms", "pkeyconfig-downlevel.xrm-ms", "pkeyconfig-csvlk.xrm-ms"
	tests := []struct {
		name          string
		group, serial uint32
		want          []want
	}{
		{"overlap merges part numbers", 3308, 10, []want{{main, "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c", "Professional", "Retail", "Retail", pkeyAlg2009,
			[]string{"[TH]X19-98841", "[SYN]X00-00098"}, true}}},
		{"outside the overlap", 3308, 60, []want{{main, "4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c", "Professional", "Retail", "Retail", pkeyAlg2009,
			[]string{"[TH]X19-98841"}, true}}},
		{"invalid range", 3311, 1500, []want{{main, "2de67392-b7a7-462a-b1ca-108dd189f588", "Professional", "Volume:GVLK", "Volume", pkeyAlg2009,
			[]string{"[SYN]X00-00099"}, false}}},
		{"serial between ranges", 3311, 500, nil},
		{"serial below range", 3290, 2, nil},
		{"serial past range", 3308, 100, nil},
		{"unknown group", 12345, 0, nil},
		{"OEM:DM Core by serial", 99999, 5, []want{{main, "00000000-0000-4000-8000-0000000000d1", "Core", "OEM:DM", "OEM", pkeyAlg2009,
			[]string{"[SYN]X00-000D1"}, true}}},
		{"OEM:DM Pro by serial", 99999, 1500000, []want{{main, "00000000-0000-4000-8000-0000000000d2", "Professional", "OEM:DM", "OEM", pkeyAlg2009,
			[]string{"[SYN]X00-000D2"}, true}}},
		{"OEM:DM past ranges", 99999, 2000000, nil},
		{"Windows 7 PKEY2005 (TV7)", 178, 926700437, []want{{down, "00000000-0000-4000-8000-000000000007", "Professional", "OEM:SLP", "OEM", pkeyAlg2005,
			[]string{"X15-37377"}, true}}},
		{"CSVLK from gzip payload", 99100, 5, []want{{csv, "00000000-0000-4000-8000-0000000000c1", "ServerDatacenter", "Volume:CSVLK", "Volume", pkeyAlg2009,
			[]string{"[SYN]X00-000C1"}, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cs.Lookup(tc.group, tc.serial)
			if len(got) != len(tc.want) {
				t.Fatalf("Lookup(%d, %d) = %+v, want %d matches", tc.group, tc.serial, got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Source != w.source || g.ActConfigID != w.acid || g.EditionID != w.edition || g.KeyType != w.channel ||
					g.EulaType != w.eula || g.Algorithm != w.alg || !reflect.DeepEqual(g.PartNumbers, w.parts) || g.Valid != w.valid {
					t.Errorf("match %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestPkeyConfigLookupOrderAndCase(t *testing.T) {
	a := &PkeyConfig{
		Source: "a",
		Configurations: []PkeyConfiguration{
			{ActConfigID: "{AAAAAAAA-0000-4000-8000-000000000001}", GroupID: 7, EditionID: "One"},
			{ActConfigID: "aaaaaaaa-0000-4000-8000-000000000002", GroupID: 7, EditionID: "Two"},
			{ActConfigID: "aaaaaaaa-0000-4000-8000-000000000001", GroupID: 7, EditionID: "Dup"}, // same ID: ignored
			{ActConfigID: "aaaaaaaa-0000-4000-8000-000000000003", GroupID: 8, EditionID: "Other group"},
		},
		Ranges: []PkeyRange{
			{ActConfigID: "aaaaaaaa-0000-4000-8000-000000000003", PartNumber: "P3", Valid: true, Start: 0, End: 9},
			{ActConfigID: "aaaaaaaa-0000-4000-8000-000000000002", PartNumber: "P2", EulaType: "E2", Valid: true, Start: 0, End: 9},
			{ActConfigID: "{aaaaaaaa-0000-4000-8000-000000000001}", PartNumber: "P1a", EulaType: "bad", Valid: false, Start: 0, End: 9},
			{ActConfigID: "AAAAAAAA-0000-4000-8000-000000000001", PartNumber: "P1b", EulaType: "good", Valid: true, Start: 5, End: 5},
			{ActConfigID: "aaaaaaaa-0000-4000-8000-000000000001", PartNumber: "P1a", Valid: true, Start: 5, End: 5},
		},
		PublicKeys: []PkeyPublicKey{{GroupID: 8, Algorithm: "eight"}},
	}
	b := &PkeyConfig{Source: "b", PublicKeys: []PkeyPublicKey{{GroupID: 7, Algorithm: "seven"}},
		Configurations: []PkeyConfiguration{{ActConfigID: "aaaaaaaa-0000-4000-8000-000000000001", GroupID: 7, EditionID: "B"}},
		Ranges:         []PkeyRange{{ActConfigID: "aaaaaaaa-0000-4000-8000-000000000001", Start: 5, End: 5}}}
	got := PkeyConfigs{nil, a, b}.Lookup(7, 5)
	want := []PkeyMatch{
		{Source: "a", ActConfigID: "aaaaaaaa-0000-4000-8000-000000000001", EditionID: "One", EulaType: "good", Algorithm: "seven",
			PartNumbers: []string{"P1a", "P1b"}, Valid: true},
		{Source: "a", ActConfigID: "aaaaaaaa-0000-4000-8000-000000000002", EditionID: "Two", EulaType: "E2", Algorithm: "seven",
			PartNumbers: []string{"P2"}, Valid: true},
		{Source: "b", ActConfigID: "aaaaaaaa-0000-4000-8000-000000000001", EditionID: "B", Algorithm: "seven", Valid: false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Lookup =\n%+v\nwant\n%+v", got, want)
	}
	if got := (PkeyConfigs{a}).Lookup(7, 1); len(got) != 2 || got[0].Valid || got[0].EulaType != "bad" || got[0].Algorithm != "" {
		t.Errorf("Lookup(7, 1) = %+v", got)
	}
	if got := (PkeyConfigs{}).Lookup(7, 5); got != nil {
		t.Errorf("empty set: %+v", got)
	}
}

func TestPkeyConfigLookupKeyErrors(t *testing.T) {
	cs := loadPkeyFixtures(t)
	_, err := cs.LookupKey("FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4") // Windows 7 Pro GVLK, PKEY2005
	if !errors.Is(err, errLegacyKey) || !strings.Contains(err.Error(), "DigitalProductId") || strings.Contains(err.Error(), "FJ82H") {
		t.Errorf("legacy key: %v", err)
	}
	if _, err := cs.LookupKey("VK7JG-NPHTM-C97JM-9MPGT-3V66"); !errors.Is(err, ErrMalformedKey) {
		t.Errorf("short key: %v", err)
	}
	// Well-formed key, group not in the fixtures (ServerRdsh, §8 TV3).
	if ms, err := cs.LookupKey("NJCF7-PW8QT-3324D-688JX-2YV66"); err != nil || ms != nil {
		t.Errorf("unknown group: %+v, %v", ms, err)
	}
}

// pkeyOuter wraps payload text (already base64 or not) in a minimal XrML file.
func pkeyOuter(infoBin string) []byte {
	return []byte("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?><rg:licenseGroup xmlns:rg=\"urn:mpeg:mpeg21:2003:01-REL-R-NS\">" +
		"<r:license xmlns:r=\"urn:mpeg:mpeg21:2003:01-REL-R-NS\"><r:otherInfo><tm:infoTables xmlns:tm=\"http://www.microsoft.com/DRM/XrML2/TM/v2\">" +
		"<tm:infoList tag=\"#global\"><tm:infoStr name=\"licenseType\">msft:sl/PKEYCONFIG/SIGNED</tm:infoStr>" + infoBin +
		"</tm:infoList></tm:infoTables></r:otherInfo></r:license></rg:licenseGroup>")
}

func pkeyFile(payload []byte) []byte {
	return pkeyOuter(`<tm:infoBin name="pkeyConfigData">` + base64.StdEncoding.EncodeToString(payload) + `</tm:infoBin>`)
}

const pkeyNS = `xmlns="http://www.microsoft.com/DRM/PKEY/Configuration/2.0"`

func pkeyInner(confs, ranges string) []byte {
	return []byte(`<?xml version="1.0" encoding="utf-8"?><ProductKeyConfiguration ` + pkeyNS + `><Configurations>` + confs +
		`</Configurations><KeyRanges>` + ranges + `</KeyRanges><PublicKeys/></ProductKeyConfiguration>`)
}

const (
	pkeyConf1  = `<Configuration><ActConfigId>{AB000000-0000-4000-8000-000000000001}</ActConfigId><RefGroupId>5</RefGroupId><EditionId>X</EditionId><ProductKeyType>Retail</ProductKeyType><IsRandomized>TRUE</IsRandomized></Configuration>`
	pkeyRange1 = `<KeyRange><RefActConfigId>{ab000000-0000-4000-8000-000000000001}</RefActConfigId><PartNumber>P</PartNumber><IsValid>true</IsValid><Start>0</Start><End>9</End></KeyRange>`
)

func pkeyGzip(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParsePkeyConfigVariants(t *testing.T) {
	inner := pkeyInner(pkeyConf1, pkeyRange1)
	b64 := base64.StdEncoding.EncodeToString(inner)
	var wrapped strings.Builder // base64 with CRLF every 76 chars and spaces
	for i := 0; i < len(b64); i += 76 {
		wrapped.WriteString(b64[i:min(i+76, len(b64))] + "\r\n ")
	}
	prefixed := strings.NewReplacer("<?xml", "<?xml", "</", "</p:", "<", "<p:", "xmlns=", "xmlns:p=").Replace(string(inner))
	tests := []struct {
		name string
		file []byte
	}{
		{"plain", pkeyFile(inner)},
		{"no BOM", bytes.TrimPrefix(pkeyFile(inner), []byte("\xEF\xBB\xBF"))},
		{"wrapped base64", pkeyOuter(`<tm:infoBin name="pkeyConfigData">` + wrapped.String() + `</tm:infoBin>`)},
		{"gzip", pkeyFile(pkeyGzip(t, inner))},
		{"prefixed", pkeyFile([]byte(prefixed))},
		{"undeclared prefix", pkeyFile([]byte(strings.ReplaceAll(prefixed, "xmlns:p=", "xmlns:q=")))},
		{"payload BOM", pkeyFile(append([]byte("\xEF\xBB\xBF"), inner...))},
		{"other infoBin first", pkeyOuter(`<tm:infoBin name="other">AAAA</tm:infoBin><tm:infoBin name="pkeyConfigData">` + b64 + `</tm:infoBin>`)},
	}
	want := &PkeyConfig{
		Source: "s",
		Configurations: []PkeyConfiguration{{ActConfigID: "ab000000-0000-4000-8000-000000000001", GroupID: 5,
			EditionID: "X", KeyType: "Retail", Randomized: true}},
		Ranges: []PkeyRange{{ActConfigID: "ab000000-0000-4000-8000-000000000001", PartNumber: "P", Valid: true, End: 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePkeyConfig(tc.file, "s")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParsePkeyConfigErrors(t *testing.T) {
	// 70 MiB of zeros, gzip-compressed (about 70 KiB).
	bomb := pkeyGzip(t, make([]byte, 70<<20))
	// maxPkeyItems+1 small valid elements.
	many := strings.Repeat(`<KeyRange><RefActConfigId>a</RefActConfigId><Start>0</Start><End>0</End></KeyRange>`, maxPkeyItems+1)
	manyConf := strings.Repeat(`<Configuration><ActConfigId>a</ActConfigId><RefGroupId>1</RefGroupId></Configuration>`, maxPkeyItems+1)
	deep := strings.Repeat("<a>", maxPkeyDepth+1)
	inner := pkeyInner(pkeyConf1, pkeyRange1)
	truncIn := pkeyFile(inner)
	truncIn = truncIn[:bytes.Index(truncIn, []byte(`"pkeyConfigData">`))+40]

	var syntaxErr *xml.SyntaxError
	var b64Err base64.CorruptInputError
	tests := []struct {
		name     string
		file     []byte
		sentinel error
		as       any    // optional errors.As target
		contains string // in the message
	}{
		{"empty", nil, ErrNotPkeyConfig, nil, "'<'"},
		{"not XML", []byte("this is not XML"), ErrNotPkeyConfig, nil, "'<'"},
		{"binary", []byte{0xEF, 0xBB, 0xBF, 0, 1, 2, 0xFF}, ErrNotPkeyConfig, nil, ""},
		{"broken outer XML", []byte("<a><b></a>"), ErrNotPkeyConfig, &syntaxErr, "offset"},
		{"unrelated XML", []byte("<html><body>hi</body></html>"), ErrNotPkeyConfig, nil, "pkeyConfigData"},
		{"no pkeyConfigData", pkeyOuter(`<tm:infoBin name="other">AAAA</tm:infoBin>`), ErrNotPkeyConfig, nil, "pkeyConfigData"},
		{"truncated outer", pkeyFile(inner)[:200], ErrNotPkeyConfig, nil, "unexpected EOF"},
		{"truncated in pkeyConfigData", truncIn, errPkeyCorrupt, nil, "unexpected EOF"},
		{"element inside pkeyConfigData", pkeyOuter(`<tm:infoBin name="pkeyConfigData">AA<x/>AA</tm:infoBin>`), errPkeyCorrupt, nil, "<x>"},
		{"bad base64", pkeyOuter(`<tm:infoBin name="pkeyConfigData">PFByb2R1Y3!!</tm:infoBin>`), errPkeyCorrupt, &b64Err, "base64"},
		{"empty payload", pkeyOuter(`<tm:infoBin name="pkeyConfigData"></tm:infoBin>`), errPkeyCorrupt, nil, "empty"},
		{"payload not XML", pkeyFile([]byte("hello, world")), errPkeyCorrupt, nil, "no ProductKeyConfiguration"},
		{"payload wrong root", pkeyFile([]byte("<Foo/>")), errPkeyCorrupt, nil, "<Foo>"},
		{"payload broken XML", pkeyFile([]byte("<ProductKeyConfiguration><Configurations></KeyRanges>")), errPkeyCorrupt, &syntaxErr, "payload XML"},
		{"payload truncated", pkeyFile(inner[:250]), errPkeyCorrupt, nil, "Configuration 1"},
		{"bad gzip", pkeyFile([]byte{0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 1, 2, 3}), errPkeyCorrupt, nil, "gunzip"},
		{"gzip bomb", pkeyFile(bomb), errPkeyLimit, nil, "gunzips"},
		{"too many ranges", pkeyFile(pkeyInner(pkeyConf1, many)), errPkeyLimit, nil, "KeyRange"},
		{"too many configurations", pkeyFile(pkeyInner(manyConf, "")), errPkeyLimit, nil, "Configuration"},
		{"file too large", make([]byte, maxPkeyFile+1), errPkeyLimit, nil, "limit"},
		{"deep outer", pkeyOuter(deep), errPkeyLimit, nil, "deeper"},
		{"deep payload", pkeyFile([]byte("<ProductKeyConfiguration>" + deep)), errPkeyLimit, nil, "deeper"},
		{"deep in item", pkeyFile(pkeyInner(`<Configuration>`+deep, "")), errPkeyLimit, nil, "Configuration 1 at payload offset"},
		{"bad group", pkeyFile(pkeyInner(strings.Replace(pkeyConf1, ">5<", ">five<", 1), "")), errPkeyCorrupt, nil, "Configuration 1 at payload offset"},
		{"group over 32 bits", pkeyFile(pkeyInner(strings.Replace(pkeyConf1, ">5<", ">4294967296<", 1), "")), errPkeyCorrupt, nil, "RefGroupId"},
		{"no ActConfigId", pkeyFile(pkeyInner(`<Configuration><RefGroupId>1</RefGroupId></Configuration>`, "")), errPkeyCorrupt, nil, "ActConfigId"},
		{"no Start", pkeyFile(pkeyInner("", strings.Replace(pkeyRange1, "<Start>0</Start>", "", 1))), errPkeyCorrupt, nil, "KeyRange 1"},
		{"negative End", pkeyFile(pkeyInner("", strings.Replace(pkeyRange1, ">9<", ">-9<", 1))), errPkeyCorrupt, nil, "End"},
		{"no RefActConfigId", pkeyFile(pkeyInner("", `<KeyRange><Start>0</Start><End>1</End></KeyRange>`)), errPkeyCorrupt, nil, "RefActConfigId"},
		{"bad public key", pkeyFile([]byte(`<ProductKeyConfiguration><PublicKeys><PublicKey><GroupId>x</GroupId></PublicKey></PublicKeys></ProductKeyConfiguration>`)), errPkeyCorrupt, nil, "PublicKey 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParsePkeyConfig(tc.file, "f.xrm-ms")
			if err == nil {
				t.Fatalf("no error; got %+v", c)
			}
			if c != nil {
				t.Errorf("non-nil result with error")
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("error %q does not wrap %v", err, tc.sentinel)
			}
			if tc.as != nil && !errors.As(err, tc.as) {
				t.Errorf("error %q: errors.As(%T) false", err, tc.as)
			}
			if !strings.Contains(err.Error(), tc.contains) || !strings.HasPrefix(err.Error(), "f.xrm-ms: ") {
				t.Errorf("error %q: want source prefix and %q", err, tc.contains)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error message is %d bytes long", len(err.Error()))
			}
		})
	}
}

func TestParsePkeyConfigStartAfterEnd(t *testing.T) {
	bad := strings.NewReplacer("<Start>0</Start>", "<Start>10</Start>", "<End>9</End>", "<End>3</End>").Replace(pkeyRange1)
	c, err := ParsePkeyConfig(pkeyFile(pkeyInner(pkeyConf1, bad+pkeyRange1)), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Ranges) != 1 || c.Ranges[0].Start != 0 || c.Ranges[0].End != 9 {
		t.Errorf("ranges = %+v, want only 0..9", c.Ranges)
	}
	for _, s := range []uint32{3, 5, 10} {
		ms := PkeyConfigs{c}.Lookup(5, s)
		if want := s <= 9; (len(ms) == 1) != want {
			t.Errorf("Lookup(5, %d) = %+v", s, ms)
		}
	}
}

func TestParsePkeyConfigTextCleaning(t *testing.T) {
	conf := strings.Replace(pkeyConf1, "<EditionId>X</EditionId>",
		"<EditionId>\r\n  Pro&#x9;fessional\u200b\r\n<ignored><EditionId>deep</EditionId></ignored></EditionId>"+
			"<ProductDescription>"+strings.Repeat("é", 400)+"</ProductDescription>", 1)
	c, err := ParsePkeyConfig(pkeyFile(pkeyInner(conf, "")), "")
	if err != nil {
		t.Fatal(err)
	}
	got := c.Configurations[0]
	if got.EditionID != "Pro fessional" {
		t.Errorf("EditionID = %q", got.EditionID)
	}
	if len(got.Description) > maxPkeyText || !strings.HasPrefix(got.Description, "éé") || strings.ContainsRune(got.Description, '\uFFFD') {
		t.Errorf("Description (%d bytes) = %q", len(got.Description), got.Description)
	}
}

func ExamplePkeyConfigs_Lookup() {
	inner := pkeyInner(pkeyConf1, pkeyRange1)
	c, err := ParsePkeyConfig(pkeyFile(inner), "pkeyconfig.xrm-ms")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range (PkeyConfigs{c}).Lookup(5, 3) {
		fmt.Println(m.Source, m.ActConfigID, m.EditionID, m.KeyType, m.PartNumbers, m.Valid)
	}
	// Output: pkeyconfig.xrm-ms ab000000-0000-4000-8000-000000000001 X Retail [P] true
}
