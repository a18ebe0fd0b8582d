package license

import (
	"strings"
	"testing"
)

// Keys the brief names explicitly.
func TestClassifyRequired(t *testing.T) {
	for _, c := range []struct {
		key     string
		class   KeyClass
		product string
		edition string
	}{
		{"VK7JG-NPHTM-C97JM-9MPGT-3V66T", ClassGeneric, "Windows 11/10 Pro", "Professional"},
		{"YTMG3-N6DKC-DKB77-7M9GH-8HVX7", ClassGeneric, "Windows 11/10 Home", "Core"},
		{"W269N-WFGWX-YVC9B-4J6C9-T83GX", ClassKMSClient, "Windows 11/10 Pro", "Professional"},
		{"NPPR9-FWDCX-D2C8J-H872K-2YT43", ClassKMSClient, "Windows 11/10 Enterprise", "Enterprise"},
		{"VDYBN-27WPP-V4HQT-9VMD4-VMK7H", ClassKMSClient, "Windows Server 2022 Standard", "ServerStandard"},
		{"WX4NM-KYWYW-QJJR4-XV3QB-6VM33", ClassKMSClient, "Windows Server 2022 Datacenter", "ServerDatacenter"},
		{"FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4", ClassKMSClient, "Windows 7 Professional", "Professional"},
	} {
		for _, in := range []string{c.key, strings.ToLower(strings.ReplaceAll(c.key, "-", "")), " " + c.key + "\x00"} {
			got := Classify(in)
			if got != (KeyInfo{c.class, c.product, c.edition}) {
				t.Errorf("Classify(%q) = %+v", in, got)
			}
		}
	}
}

func TestClassifyUnknown(t *testing.T) {
	for _, in := range []string{
		"",
		"not a key",
		"K9TM8-CNWCW-W7G7D-74JJ9-DYH26", // a real retail key (TV9)
		"W269N-WFGWX-YVC9B-4J6C9-9T83W", // misquoted Pro GVLK; fails the checksum
		"VK7JG-NPHTM-C97JM-9MPGT-3V66V", // one character off
		"XXXXX-XXXXX-XXXXX-XXXXX-3V66T", // masked
	} {
		if got := Classify(in); got != (KeyInfo{Class: ClassUnknown}) {
			t.Errorf("Classify(%q) = %+v, want unknown", in, got)
		}
	}
}

// Group and serial of the §5 keys, as decoded in the reference doc.
var section5GroupSerial = map[string][2]uint32{
	"W269N-WFGWX-YVC9B-4J6C9-T83GX": {3311, 1},
	"MH37W-N47XK-V7XM9-C7227-GCQG9": {3319, 1},
	"NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J": {3918, 1},
	"9FNHH-K3HBT-3W4TD-6383H-6XYWF": {3923, 1},
	"6TP4R-GNPTD-KYYHQ-7B7DP-J447Y": {3784, 1},
	"YVWGF-BXNMC-HTQYQ-CPQ99-66QFC": {3785, 1},
	"NW6C2-QMPVW-D7KKK-3GKT6-VCFB2": {3281, 1},
	"2WH4N-8QGBV-H22JP-CT43Q-MDWWJ": {3286, 1},
	"NPPR9-FWDCX-D2C8J-H872K-2YT43": {3290, 3},
	"DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4": {3299, 1},
	"YYVX9-NTFWV-6MDM3-9PT4T-4M68B": {3856, 0},
	"44RPN-FTY23-9VTTB-MP9BX-T84FV": {3861, 0},
	"M7XTQ-FN8P6-TTKYV-9D4CC-J462D": {4250, 2},
	"92NFX-8DJQP-P6BBQ-THF9C-7CG2H": {4253, 0},
	"KBN8V-HFGQ4-MGXVD-347P6-PDQGT": {4844, 1},
	"DCPHK-NFMTC-H88MJ-PFHPY-QJ4BJ": {3782, 3},
	"QFFDN-GRT3P-VKWWX-X7T3R-8B639": {3783, 3},
	"WNMTR-4C88C-JK8YV-HQ7T2-76DF9": {3295, 1},
	"2F77B-TNFGY-69QQF-B8YKP-D69TJ": {3302, 1},
	"TVRH6-WHNXV-R9WG3-9XRFY-MY832": {4929, 1},
	"D764K-2NDRG-47T6Q-P8T8W-YP6DF": {4915, 1},
	"XGN3F-F394H-FD2MY-PP6FD-8MCRC": {4937, 1},
	"VDYBN-27WPP-V4HQT-9VMD4-VMK7H": {4541, 1},
	"WX4NM-KYWYW-QJJR4-XV3QB-6VM33": {4546, 1},
	"NTBV8-9K7Q8-V27C6-M2BTV-KHMXV": {4469, 0},
	"N69G4-B89J2-4G8F4-WWYCC-J464C": {4297, 0},
	"WMDGN-G9PQG-XVVXX-R3X43-63DFG": {4300, 0},
	"WVDHN-86M7X-466P6-VHXV7-YY726": {4332, 0},
	"WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY": {3776, 0},
	"CB7KF-BWN84-R7R2Y-793K2-8XDDG": {3764, 0},
	"JCKRF-N37P4-C2D82-9YXRT-4M63B": {3760, 0},
	"N2KJX-J94YW-TQVFB-DG9YT-724CC": {4313, 0},
	"6NMRW-2C8FM-D24W7-TQWMY-CWH2D": {4314, 0},
	"PTXN8-JFHJM-4WC78-MPCBR-9W4KR": {3955, 1},
	"2HXDN-KRXHB-GPYC7-YCKFJ-7FVDG": {3956, 1},
	"DPCNP-XQFKJ-BJF7R-FRC8D-GF6G4": {3955, 0},
	"6Y6KB-N82V8-D8CQV-23MJW-BWTG6": {3956, 0},
	"TX9XD-98N7V-6WMQ6-BX7FG-H8Q99": {3263, 1},
	"3KHY7-WNT83-DGQKR-F7HPR-844BM": {3272, 1},
	"7HNRX-D7KGG-3K4RQ-4WPJ4-YTDFH": {3277, 1},
	"PVMJN-6DFY6-9CCP6-7BKTT-D3WVR": {3267, 1},
	"YTMG3-N6DKC-DKB77-7M9GH-8HVX7": {3261, 0},
	"4CPRK-NM3K3-X6XXQ-RXX86-WXCHW": {3270, 0},
	"BT79Q-G7N6G-PGBYW-4YWX6-6F4BT": {3276, 0},
	"N2434-X9D7W-8PF6X-8DV9T-8TYMD": {3266, 0},
	"VK7JG-NPHTM-C97JM-9MPGT-3V66T": {3308, 0},
	"2B87N-8KFHP-DKV6R-Y2C8J-PKCKT": {3316, 0},
	"DXG7C-N36C4-C4HTG-X4T3X-2YV77": {3917, 0},
	"WYPNQ-8C467-V2W6J-TX4WX-WT2RQ": {3922, 0},
	"8PTT6-RNW4C-6V7J2-C2D3X-MHBPB": {3800, 1},
	"GJTYN-HDMQY-FRR76-HVGC7-QPF8P": {3801, 1},
	"YNMGQ-8RYV3-4PGQ3-C8XTP-7CFBY": {3280, 0},
	"84NGF-MHBT6-FXBX8-QWJK7-DRR8H": {3285, 0},
	"XGVPP-NMH47-7TTHJ-W3FW7-8HV2C": {3289, 0},
	"WGGHN-J84D6-QYCPR-T7PJ7-X766F": {3299, 0},
	"FW7NV-4T673-HF4VX-9X4MM-B4H4T": {3860, 1},
	"NJCF7-PW8QT-3324D-688JX-2YV66": {3892, 1}, // §8 TV3
}

func TestPublishedTables(t *testing.T) {
	seen := map[string]bool{}
	for _, tb := range []struct {
		class KeyClass
		rows  []publishedKey
	}{{ClassKMSClient, kmsClientKeys}, {ClassGeneric, genericKeys}} {
		for _, r := range tb.rows {
			if seen[r.key] {
				t.Errorf("%s listed twice", r.key)
			}
			seen[r.key] = true
			if r.product == "" || r.edition == "" {
				t.Errorf("%s: empty product or edition", r.key)
			}
			if n, err := NormalizeKey(r.key); err != nil || n != r.key {
				t.Errorf("%s: not in normalized form (%q, %v)", r.key, n, err)
			}
			if got := Classify(r.key); got.Class != tb.class || got.Product != r.product || got.Edition != r.edition {
				t.Errorf("Classify(%s) = %+v", r.key, got)
			}
			c := CheckKey(r.key)
			if !strings.Contains(r.key, "N") {
				if c.Format != "legacy" {
					t.Errorf("%s: format %q", r.key, c.Format)
				}
				continue
			}
			if c.Format != "pkey2009" || c.ChecksumValid == nil || !*c.ChecksumValid {
				t.Errorf("%s: format %q, checksum not valid", r.key, c.Format)
			}
			if gs, ok := section5GroupSerial[r.key]; ok && (c.Group != gs[0] || c.Serial != gs[1]) {
				t.Errorf("%s: group/serial %d/%d, want %d/%d", r.key, c.Group, c.Serial, gs[0], gs[1])
			}
		}
	}
	for k := range section5GroupSerial {
		if !seen[k] {
			t.Errorf("§5 key %s missing from the tables", k)
		}
	}
}
