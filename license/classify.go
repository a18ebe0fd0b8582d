package license

// KeyClass says whether a key is one Microsoft publishes.
type KeyClass string

// Key classes.
const (
	// ClassGeneric: a published edition-selection (default) key; it never activates.
	ClassGeneric KeyClass = "generic"
	// ClassKMSClient: a KMS client setup key (GVLK); it activates only against a KMS host.
	ClassKMSClient KeyClass = "kms-client"
	// ClassUnknown: not in the tables; possibly the owner's own key.
	ClassUnknown KeyClass = "unknown"
)

// KeyInfo describes a published key. Edition is the Windows EditionID.
type KeyInfo struct {
	Class   KeyClass
	Product string
	Edition string
}

// publishedKey is one table row.
type publishedKey struct {
	key, product, edition string
}

// kmsClientKeys are KMS client setup keys (GVLKs), formats-keys.md §5.1.
// Source: Microsoft Learn "Key Management Services (KMS) client activation
// and product keys" (ms.date 2024-10-01), unless noted.
var kmsClientKeys = []publishedKey{
	// Windows 11 / 10 (editions verified against pkeyconfig, §5.1).
	{"W269N-WFGWX-YVC9B-4J6C9-T83GX", "Windows 11/10 Pro", "Professional"},
	{"MH37W-N47XK-V7XM9-C7227-GCQG9", "Windows 11/10 Pro N", "ProfessionalN"},
	{"NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J", "Windows 11/10 Pro for Workstations", "ProfessionalWorkstation"},
	{"9FNHH-K3HBT-3W4TD-6383H-6XYWF", "Windows 11/10 Pro for Workstations N", "ProfessionalWorkstationN"},
	{"6TP4R-GNPTD-KYYHQ-7B7DP-J447Y", "Windows 11/10 Pro Education", "ProfessionalEducation"},
	{"YVWGF-BXNMC-HTQYQ-CPQ99-66QFC", "Windows 11/10 Pro Education N", "ProfessionalEducationN"},
	{"NW6C2-QMPVW-D7KKK-3GKT6-VCFB2", "Windows 11/10 Education", "Education"},
	{"2WH4N-8QGBV-H22JP-CT43Q-MDWWJ", "Windows 11/10 Education N", "EducationN"},
	{"NPPR9-FWDCX-D2C8J-H872K-2YT43", "Windows 11/10 Enterprise", "Enterprise"},
	{"DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4", "Windows 11/10 Enterprise N", "EnterpriseN"},
	{"YYVX9-NTFWV-6MDM3-9PT4T-4M68B", "Windows 11/10 Enterprise G", "EnterpriseG"},
	{"44RPN-FTY23-9VTTB-MP9BX-T84FV", "Windows 11/10 Enterprise G N", "EnterpriseGN"},
	{"M7XTQ-FN8P6-TTKYV-9D4CC-J462D", "Windows 11 Enterprise LTSC 2024 / Windows 10 Enterprise LTSC 2021, 2019", "EnterpriseS"},
	{"92NFX-8DJQP-P6BBQ-THF9C-7CG2H", "Windows 11 Enterprise N LTSC 2024 / Windows 10 Enterprise N LTSC 2021, 2019", "EnterpriseSN"},
	{"KBN8V-HFGQ4-MGXVD-347P6-PDQGT", "Windows IoT Enterprise LTSC 2024, 2021", "IoTEnterpriseS"},
	{"DCPHK-NFMTC-H88MJ-PFHPY-QJ4BJ", "Windows 10 Enterprise LTSB 2016", "EnterpriseS"},
	{"QFFDN-GRT3P-VKWWX-X7T3R-8B639", "Windows 10 Enterprise N LTSB 2016", "EnterpriseSN"},
	{"WNMTR-4C88C-JK8YV-HQ7T2-76DF9", "Windows 10 Enterprise LTSB 2015", "EnterpriseS"},
	{"2F77B-TNFGY-69QQF-B8YKP-D69TJ", "Windows 10 Enterprise N LTSB 2015", "EnterpriseSN"},

	// Home GVLKs: not on Microsoft Learn; Volume:GVLK in pkeyconfig (§5.1).
	{"TX9XD-98N7V-6WMQ6-BX7FG-H8Q99", "Windows 11/10 Home", "Core"},
	{"3KHY7-WNT83-DGQKR-F7HPR-844BM", "Windows 11/10 Home N", "CoreN"},
	{"7HNRX-D7KGG-3K4RQ-4WPJ4-YTDFH", "Windows 11/10 Home Single Language", "CoreSingleLanguage"},
	{"PVMJN-6DFY6-9CCP6-7BKTT-D3WVR", "Windows 11/10 Home Country Specific", "CoreCountrySpecific"},

	// Enterprise N key listed among the generic keys in §5.2, but its
	// pkeyconfig channel is Volume:GVLK (same config as DPH2V-…).
	{"WGGHN-J84D6-QYCPR-T7PJ7-X766F", "Windows 11/10 Enterprise N", "EnterpriseN"},

	// Windows Server LTSC. 2025 editions not checked against pkeyconfig.
	{"TVRH6-WHNXV-R9WG3-9XRFY-MY832", "Windows Server 2025 Standard", "ServerStandard"},
	{"D764K-2NDRG-47T6Q-P8T8W-YP6DF", "Windows Server 2025 Datacenter", "ServerDatacenter"},
	{"XGN3F-F394H-FD2MY-PP6FD-8MCRC", "Windows Server 2025 Datacenter: Azure Edition", "ServerTurbine"},
	{"VDYBN-27WPP-V4HQT-9VMD4-VMK7H", "Windows Server 2022 Standard", "ServerStandard"},
	{"WX4NM-KYWYW-QJJR4-XV3QB-6VM33", "Windows Server 2022 Datacenter", "ServerDatacenter"},
	{"NTBV8-9K7Q8-V27C6-M2BTV-KHMXV", "Windows Server 2022 Datacenter: Azure Edition", "ServerTurbine"},
	{"N69G4-B89J2-4G8F4-WWYCC-J464C", "Windows Server 2019 Standard", "ServerStandard"},
	{"WMDGN-G9PQG-XVVXX-R3X43-63DFG", "Windows Server 2019 Datacenter", "ServerDatacenter"},
	{"WVDHN-86M7X-466P6-VHXV7-YY726", "Windows Server 2019 Essentials", "ServerSolution"},
	{"WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY", "Windows Server 2016 Standard", "ServerStandard"},
	{"CB7KF-BWN84-R7R2Y-793K2-8XDDG", "Windows Server 2016 Datacenter", "ServerDatacenter"},
	{"JCKRF-N37P4-C2D82-9YXRT-4M63B", "Windows Server 2016 Essentials", "ServerSolution"},

	// Windows Server Semi-Annual Channel.
	{"N2KJX-J94YW-TQVFB-DG9YT-724CC", "Windows Server, versions 20H2, 2004, 1909, 1903, 1809 Standard", "ServerStandardACor"},
	{"6NMRW-2C8FM-D24W7-TQWMY-CWH2D", "Windows Server, versions 20H2, 2004, 1909, 1903, 1809 Datacenter", "ServerDatacenterACor"},
	{"PTXN8-JFHJM-4WC78-MPCBR-9W4KR", "Windows Server, version 1803 Standard", "ServerStandardACor"},
	{"2HXDN-KRXHB-GPYC7-YCKFJ-7FVDG", "Windows Server, version 1803 Datacenter", "ServerDatacenterACor"},
	{"DPCNP-XQFKJ-BJF7R-FRC8D-GF6G4", "Windows Server, version 1709 Standard", "ServerStandardACor"},
	{"6Y6KB-N82V8-D8CQV-23MJW-BWTG6", "Windows Server, version 1709 Datacenter", "ServerDatacenterACor"},

	// Earlier versions (same Microsoft page; editions not checked against
	// pkeyconfig). Windows 7, Vista and Server 2008 (R2) keys are legacy (no N).
	{"D2N9P-3P6X9-2R39C-7RTCD-MDVJX", "Windows Server 2012 R2 Standard", "ServerStandard"},
	{"W3GGN-FT8W3-Y4M27-J84CP-Q3VJ9", "Windows Server 2012 R2 Datacenter", "ServerDatacenter"},
	{"KNC87-3J2TX-XB4WP-VCPJV-M4FWM", "Windows Server 2012 R2 Essentials", "ServerSolution"},
	{"XC9B7-NBPP2-83J2H-RHMBY-92BT4", "Windows Server 2012 Standard", "ServerStandard"},
	{"HM7DN-YVMH3-46JC3-XYTG7-CYQJJ", "Windows Server 2012 MultiPoint Standard", "ServerMultiPointStandard"},
	{"XNH6W-2V9GX-RGJ4K-Y8X6F-QGJ2G", "Windows Server 2012 MultiPoint Premium", "ServerMultiPointPremium"},
	{"48HP8-DN98B-MYWDG-T2DCC-8W83P", "Windows Server 2012 Datacenter", "ServerDatacenter"},
	{"HTDQM-NBMMG-KGYDT-2DTKT-J2MPV", "Windows Server 2012 Essentials", "ServerSolution"},
	{"6TPJF-RBVHG-WBW2R-86QPH-6RTM4", "Windows Server 2008 R2 Web", "ServerWeb"},
	{"TT8MH-CG224-D3D7Q-498W2-9QCTX", "Windows Server 2008 R2 HPC edition", "ServerHPC"},
	{"YC6KT-GKW9T-YTKYR-T4X34-R7VHC", "Windows Server 2008 R2 Standard", "ServerStandard"},
	{"489J6-VHDMP-X63PK-3K798-CPX3Y", "Windows Server 2008 R2 Enterprise", "ServerEnterprise"},
	{"74YFP-3QFB3-KQT8W-PMXWJ-7M648", "Windows Server 2008 R2 Datacenter", "ServerDatacenter"},
	{"GT63C-RJFQ3-4GMB6-BRFB9-CB83V", "Windows Server 2008 R2 for Itanium-based Systems", "ServerEnterpriseIA64"},
	{"WYR28-R7TFJ-3X2YQ-YCY4H-M249D", "Windows Web Server 2008", "ServerWeb"},
	{"TM24T-X9RMF-VWXK6-X8JC9-BFGM2", "Windows Server 2008 Standard", "ServerStandard"},
	{"W7VD6-7JFBR-RX26B-YKQ3Y-6FFFJ", "Windows Server 2008 Standard without Hyper-V", "ServerStandardV"},
	{"YQGMW-MPWTJ-34KDK-48M3W-X4Q6V", "Windows Server 2008 Enterprise", "ServerEnterprise"},
	{"39BXF-X8Q23-P2WWT-38T2F-G3FPG", "Windows Server 2008 Enterprise without Hyper-V", "ServerEnterpriseV"},
	{"RCTX3-KWVHP-BR6TB-RB6DM-6X7HP", "Windows Server 2008 HPC", "ServerComputeCluster"},
	{"7M67G-PC374-GR742-YH8V4-TCBY3", "Windows Server 2008 Datacenter", "ServerDatacenter"},
	{"22XQ2-VRXRG-P8D42-K34TD-G3QQC", "Windows Server 2008 Datacenter without Hyper-V", "ServerDatacenterV"},
	{"4DWFP-JF3DJ-B7DTH-78FJB-PDRHK", "Windows Server 2008 for Itanium-Based Systems", "ServerEnterpriseIA64"},
	{"GCRJD-8NW9H-F2CDX-CCM8D-9D6T9", "Windows 8.1 Pro", "Professional"},
	{"HMCNV-VVBFX-7HMBH-CTY9B-B4FXY", "Windows 8.1 Pro N", "ProfessionalN"},
	{"MHF9N-XY6XB-WVXMC-BTDCT-MKKG7", "Windows 8.1 Enterprise", "Enterprise"},
	{"TT4HM-HN7YT-62K67-RGRQJ-JFFXW", "Windows 8.1 Enterprise N", "EnterpriseN"},
	{"NG4HW-VH26C-733KW-K6F98-J8CK4", "Windows 8 Pro", "Professional"},
	{"XCVCF-2NXM9-723PB-MHCB7-2RYQQ", "Windows 8 Pro N", "ProfessionalN"},
	{"32JNW-9KQ84-P47T8-D8GGY-CWCK7", "Windows 8 Enterprise", "Enterprise"},
	{"JMNMF-RHW7P-DMY6X-RF3DR-X2BQT", "Windows 8 Enterprise N", "EnterpriseN"},
	{"FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4", "Windows 7 Professional", "Professional"},
	{"MRPKT-YTG23-K7D7T-X2JMM-QY7MG", "Windows 7 Professional N", "ProfessionalN"},
	{"W82YF-2Q76Y-63HXB-FGJG9-GF7QX", "Windows 7 Professional E", "ProfessionalE"},
	{"33PXH-7Y6KF-2VJC9-XBBR8-HVTHH", "Windows 7 Enterprise", "Enterprise"},
	{"YDRBP-3D83W-TY26F-D46B2-XCKRJ", "Windows 7 Enterprise N", "EnterpriseN"},
	{"C29WB-22CC8-VJ326-GHFJW-H9DH4", "Windows 7 Enterprise E", "EnterpriseE"},
	{"YFKBB-PQJJV-G996G-VWGXY-2V3X8", "Windows Vista Business", "Business"},
	{"HMBQG-8H2RH-C77VX-27R82-VMQBT", "Windows Vista Business N", "BusinessN"},
	{"VKK3X-68KWM-X2YGT-QR4M6-4BWMV", "Windows Vista Enterprise", "Enterprise"},
	{"VTC42-BM838-43QHV-84HX6-XJXKV", "Windows Vista Enterprise N", "EnterpriseN"},
}

// genericKeys are the Windows 10/11 edition-selection keys, §5.2
// (not on Microsoft Learn; shipped in install media; list per MAS hwid_keys).
var genericKeys = []publishedKey{
	{"YTMG3-N6DKC-DKB77-7M9GH-8HVX7", "Windows 11/10 Home", "Core"},
	{"4CPRK-NM3K3-X6XXQ-RXX86-WXCHW", "Windows 11/10 Home N", "CoreN"},
	{"BT79Q-G7N6G-PGBYW-4YWX6-6F4BT", "Windows 11/10 Home Single Language", "CoreSingleLanguage"},
	{"N2434-X9D7W-8PF6X-8DV9T-8TYMD", "Windows 11/10 Home China", "CoreCountrySpecific"},
	{"VK7JG-NPHTM-C97JM-9MPGT-3V66T", "Windows 11/10 Pro", "Professional"},
	{"2B87N-8KFHP-DKV6R-Y2C8J-PKCKT", "Windows 11/10 Pro N", "ProfessionalN"},
	{"DXG7C-N36C4-C4HTG-X4T3X-2YV77", "Windows 11/10 Pro for Workstations", "ProfessionalWorkstation"},
	{"WYPNQ-8C467-V2W6J-TX4WX-WT2RQ", "Windows 11/10 Pro for Workstations N", "ProfessionalWorkstationN"},
	{"8PTT6-RNW4C-6V7J2-C2D3X-MHBPB", "Windows 11/10 Pro Education", "ProfessionalEducation"},
	{"GJTYN-HDMQY-FRR76-HVGC7-QPF8P", "Windows 11/10 Pro Education N", "ProfessionalEducationN"},
	{"YNMGQ-8RYV3-4PGQ3-C8XTP-7CFBY", "Windows 11/10 Education", "Education"},
	{"84NGF-MHBT6-FXBX8-QWJK7-DRR8H", "Windows 11/10 Education N", "EducationN"},
	{"XGVPP-NMH47-7TTHJ-W3FW7-8HV2C", "Windows 11/10 Enterprise", "Enterprise"},
	{"FW7NV-4T673-HF4VX-9X4MM-B4H4T", "Windows 11/10 Enterprise G N", "EnterpriseGN"},
	// ServerRdsh (Enterprise multi-session), §8 TV3.
	{"NJCF7-PW8QT-3324D-688JX-2YV66", "Windows 11/10 Enterprise multi-session", "ServerRdsh"},
}

// publishedIndex maps normalized key text to its KeyInfo.
var publishedIndex = func() map[string]KeyInfo {
	m := make(map[string]KeyInfo, len(kmsClientKeys)+len(genericKeys))
	for _, t := range []struct {
		class KeyClass
		rows  []publishedKey
	}{{ClassKMSClient, kmsClientKeys}, {ClassGeneric, genericKeys}} {
		for _, r := range t.rows {
			m[r.key] = KeyInfo{Class: t.class, Product: r.product, Edition: r.edition}
		}
	}
	return m
}()

// Classify normalizes key and looks it up in the published-key tables.
// Anything else, including malformed text, is ClassUnknown.
func Classify(key string) KeyInfo {
	norm, err := NormalizeKey(key)
	if err != nil {
		return KeyInfo{Class: ClassUnknown}
	}
	if info, ok := publishedIndex[norm]; ok {
		return info
	}
	return KeyInfo{Class: ClassUnknown}
}
