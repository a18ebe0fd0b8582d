//go:build linux

package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// gen fills hives with deterministic, realistic-looking keys and values:
// a skeleton of real key names on the paths that matter, random subtrees
// around them sized by a byte budget.
type gen struct {
	r    *rand.Rand
	keys int
	big  int // values stored as big data (db)
}

func newGen(seed string) *gen {
	var s uint64 = 1469598103934665603
	for _, c := range []byte(seed) {
		s = (s ^ uint64(c)) * 1099511628211
	}
	return &gen{r: rand.New(rand.NewPCG(s, s^0x9E3779B97F4A7C15))}
}

var words = strings.Fields(`Account Action Activation Adapter Address Agent Alert App Application Audio Audit
Auth Background Backup Battery Biometric Bluetooth Boot Broker Browser Cache Camera Capability Catalog Cert
Class Client Clipboard Cloud Codec Color Com Compat Component Config Connection Console Container Content
Control Core Credential Crypto Data Default Defender Delivery Desktop Device Diag Dialog Direct Display
Dns Document Domain Download Driver Edge Engine Enrollment Event Experience Explorer Extension Feature File
Filter Firewall Font Frame Gaming Graphics Group Handler Hardware Health History Host Identity Image Input
Install Installer Interface Kernel Key Language Launcher License Link Local Location Lock Log Logon Manager
Media Memory Message Metadata Mobile Monitor Mouse Network Notification Object Office Online Package Pen
Performance Permission Phone Picker Platform Player Plugin Policy Power Print Privacy Process Profile
Protocol Provider Proxy Push Quota Reader Recovery Registry Reliability Remote Render Report Resource
Restore Runtime Scanner Schedule Search Security Sensor Server Service Session Settings Setup Share Shell
Smart Software Sound Speech Spooler Start Storage Store Stream Sync System Tablet Task Telemetry Terminal
Theme Thread Tile Time Token Touch Trace Transfer Trust Update Upgrade User Value Vault Video View Virtual
Voice Volume Wallet Web Wifi Window Wireless Work Xbox Zone`)

var valueNames = strings.Fields(`DisplayName Description ImagePath Start Type ErrorControl Group Version
InstallDate InstallLocation Path Enabled Flags Data Owner LastUpdate Publisher UninstallString DllName
ProgID ThreadingModel CLSID AppID LocalService Priority Timeout Mode State Level Options Class Name
Provider Driver Service Source Target Status Count Index Size Language Culture Format Id Guid Key Url`)

// name returns a word-built name with a distinguishing suffix.
func (g *gen) name(i int) string {
	n := 1 + g.r.IntN(3)
	var b strings.Builder
	for j := 0; j < n; j++ {
		b.WriteString(words[g.r.IntN(len(words))])
	}
	if g.r.IntN(3) == 0 || i > 0 {
		fmt.Fprintf(&b, "%d", i)
	}
	return b.String()
}

func (g *gen) guid() string {
	return fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}", g.r.Uint32(), g.r.Uint32()&0xFFFF, g.r.Uint32()&0xFFFF,
		g.r.Uint32()&0xFFFF, g.r.Uint64()&0xFFFFFFFFFFFF)
}

func (g *gen) text() string {
	switch g.r.IntN(4) {
	case 0:
		return `%SystemRoot%\System32\` + words[g.r.IntN(len(words))] + strings.ToLower(words[g.r.IntN(len(words))]) + ".dll"
	case 1:
		return `@%SystemRoot%\system32\` + strings.ToLower(words[g.r.IntN(len(words))]) + fmt.Sprintf(".dll,-%d", 100+g.r.IntN(9000))
	case 2:
		return g.guid()
	}
	n := 1 + g.r.IntN(6)
	var s []string
	for i := 0; i < n; i++ {
		s = append(s, words[g.r.IntN(len(words))])
	}
	return strings.Join(s, " ")
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := g.r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// cellSize is the allocated size of a cell holding n bytes.
func cellSize(n int) int64 { return int64((4 + n + 7) &^ 7) }

// keyCost estimates what a key costs in the hive (node and list entry).
func keyCost(name string) int64 { return cellSize(76+len(name)) + 8 }

// addValues gives k a few random values and returns their cost.
func (g *gen) addValues(k *Key) int64 {
	n := [...]int{0, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6}[g.r.IntN(11)]
	var cost int64
	used := map[string]bool{}
	for i := 0; i < n; i++ {
		name := valueNames[g.r.IntN(len(valueNames))]
		if i == 0 && g.r.IntN(4) == 0 {
			name = "" // the default value
		}
		if used[strings.ToLower(name)] {
			name = fmt.Sprintf("%s%d", name, i)
		}
		used[strings.ToLower(name)] = true
		var v Value
		switch t := g.r.IntN(20); {
		case t < 8:
			v = SZ(name, g.text())
		case t < 9:
			v = ExpandSZ(name, g.text())
		case t < 14:
			v = DWORD(name, g.r.Uint32()%5000)
		case t < 15:
			v = QWORD(name, 133000000000000000+g.r.Uint64()%4000000000000000)
		case t < 16:
			v = MultiSZ(name, g.text(), g.text(), g.text())
		default:
			size := 8 + g.r.IntN(240)
			if g.r.IntN(4000) == 0 {
				size = 16 << 10 << g.r.IntN(4) // 16–128 KiB: big data
			}
			v = Binary(name, g.bytes(size))
		}
		if len(v.Data) > bigDataMax {
			g.big++
		}
		k.Values = append(k.Values, v)
		cost += cellSize(20+len(name)) + 4
		if len(v.Data) > 4 {
			cost += cellSize(len(v.Data)) + int64(len(v.Data)/bigDataMax)*16
		}
	}
	if n > 0 {
		cost += 8
	}
	return cost
}

// tree adds about budget bytes of keys under k, fan children per level
// (their subtrees sized by random exponential weights), depth levels deep.
// style names the children: "word", "guid" or "ext".
func (g *gen) tree(k *Key, budget int64, fan, depth int, style string) {
	if budget <= 0 {
		return
	}
	n := max(1, min(fan, int(budget/350)))
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		w[i] = -math.Log(1 - g.r.Float64())
		sum += w[i]
	}
	seen := map[string]bool{}
	for _, s := range k.Subkeys {
		seen[strings.ToUpper(s.Name)] = true
	}
	for i := 0; i < n; i++ {
		var name string
		switch style {
		case "guid":
			name = g.guid()
		case "ext":
			name = "." + strings.ToLower(words[g.r.IntN(len(words))][:3]) + fmt.Sprint(i)
		default:
			name = g.name(0)
		}
		for j := 1; seen[strings.ToUpper(name)]; j++ {
			name = g.name(j + i)
		}
		seen[strings.ToUpper(name)] = true
		c := &Key{Name: name}
		k.Subkeys = append(k.Subkeys, c)
		g.keys++
		b := int64(float64(budget)*w[i]/sum) - keyCost(name) - g.addValues(c)
		if depth > 1 && b > 400 {
			g.tree(c, b, 2+g.r.IntN(max(2, fan/2)), depth-1, "word")
		}
	}
}

// named adds the given children under k, each with a share of budget.
func (g *gen) named(k *Key, names []string, budget int64, fan, depth int) {
	per := budget / int64(max(1, len(names)))
	for _, n := range names {
		c := k.Child(n)
		g.keys++
		b := per - keyCost(n) - g.addValues(c)
		// Some keys are much bigger than others.
		if g.r.IntN(5) == 0 {
			b *= 3
		} else {
			b = b / 2
		}
		g.tree(c, b, fan, depth, "word")
	}
}

// Real subkey names of SOFTWARE\Microsoft on a Windows 11 machine (a
// selection); the rest of its ~500 children are generated.
const microsoftNames = `.NETFramework AccountsControl Active\ Setup ActiveSync ADs Advanced\ INF\ Setup
ALG AllUserInstallAgent AMSI AppServiceProtocols AppV Assistance AuthHost BidInterface Chkdsk Clipboard
COM3 Command\ Processor CommsAPHost Composition CoreShell CTF DataAccess DataCollection DefaultUserEnvironment
DevDiv Device\ Association\ Framework DeviceManagementEnrollment DeviceReg Dfrg DFS DirectDraw DirectInput
DirectMusic DirectPlay DirectShow DirectX DiskQuota Edge EdgeUpdate EnterpriseCertificates EventSystem
Fax FilePicker Fusion GameOverlay Hvsi IdentityCRL IdentityStore IE\ Setup IMAPI IME Input InputMethod
Internet\ Explorer KeyboardFilter LanguageOverlay MediaPlayer MicrosoftEdge Migration MMC MSDTC MSF MSMQ
MTF NET\ Framework\ Setup NetSh Non-Driver\ Signing Notepad Office OLE OneDrive Ole PCHealth PeerDist
PolicyManager PowerShell Provisioning PushRouter RADAR Rpc Schedule SecurityManager Sensors Shared\ Tools
Speech Speech_OneCore SQMClient StillImage Storage SystemCertificates SystemSettings TabletTip TermServLicensing
Tracing TPM UEV Virtual\ Machine WAB WBEM WcmSvc Wisp Windows Windows\ Defender Windows\ Embedded
Windows\ Media\ Device\ Manager Windows\ Messaging\ Subsystem Windows\ NT Windows\ Photo\ Viewer
Windows\ Portable\ Devices Windows\ Script\ Host Windows\ Search WindowsRuntime WindowsSelfHost WindowsStore
WindowsUpdate Wlansvc WSDAPI XAML`

// Real subkey names of SOFTWARE\Microsoft\Windows NT\CurrentVersion.
const currentVersionNames = `AccessibilityTemp AdaptiveDisplayBrightness AeDebug AppCompatFlags ASR
Audit BackgroundModel ClipSVC Compatibility32 Console CorruptedFileRecovery DeviceDisplayObjects DiskDiagnostics
drivers.desc Drivers32 EFS Event\ Viewer Font\ Drivers Font\ Management FontDPI FontIntensityCorrection FontLink
FontMapper FontMapperFamilyFallback Fonts FontSubstitutes GRE_Initialize ICM Image\ File\ Execution\ Options
IniFileMapping KnownFunctionTableDlls KnownManagedDebuggingDlls LanguagePack LicensingDiag MCI\ Extensions
MCI32 MiniDumpAuxiliaryDlls MsiCorruptedFileRecovery Multimedia NetworkCards NetworkList NoImeModeImes
Notifications OpenGLDrivers PeerDist Perflib PerHwIdStorage Ports Prefetcher Print ProfileList
ProfileNotification ProfileService RemoteRegistry Schedule SecEdit Sensor setup SPP SRUM Superfetch Svchost
SystemRestore Terminal\ Server TileDataModel Time\ Zones TokenBroker Tracing UAC UnattendSettings Update
VersionsList Virtualization VolatileNotifications WbemPerf WiFiDirectAPI Windows Winlogon WinSAT WinSATAPI
WirelessDocking WOF WUDF`

// splitNames splits a list written with `\ ` for spaces inside names.
func splitNames(s string) []string {
	s = strings.ReplaceAll(s, `\ `, "\x00")
	f := strings.Fields(s)
	for i := range f {
		f[i] = strings.ReplaceAll(f[i], "\x00", " ")
	}
	return f
}

// Software fills root (already holding the scenario's keys) up to about
// target bytes with SOFTWARE-like content.
func (g *gen) Software(root *Key, target int64) {
	for _, n := range strings.Fields("Classes Clients CVSM DefaultUserEnvironment Intel Microsoft ODBC OEM OpenSSH Partner Policies RegisteredApplications Setup WOW6432Node") {
		root.Child(n)
		g.keys++
	}
	cls := root.Child("Classes")
	g.tree(cls, target*6/100, 6000, 3, "ext")
	g.tree(cls.Child("CLSID"), target*12/100, 20000, 3, "guid")
	g.tree(cls.Child("Interface"), target*5/100, 12000, 2, "guid")
	g.tree(cls.Child("TypeLib"), target*2/100, 2500, 3, "guid")
	g.tree(cls.Child("AppID"), target*1/100, 1500, 2, "guid")
	g.tree(cls, target*4/100, 6000, 3, "word") // ProgIDs

	ms := root.Child("Microsoft")
	names := splitNames(microsoftNames)
	g.named(ms, names, target*18/100, 12, 5)
	g.tree(ms, target*22/100, 400, 5, "word") // generated vendors' components
	win := ms.Path(`Windows\CurrentVersion`)
	g.tree(win, target*4/100, 120, 5, "word")
	cv := ms.Path(`Windows NT\CurrentVersion`)
	g.named(cv, splitNames(currentVersionNames), target*2/100, 10, 3)
	// Perflib's counter tables are the classic big-data values.
	perf := cv.Path(`Perflib\009`)
	perf.Set(MultiSZ("Counter", g.perfStrings(24000)...))
	perf.Set(MultiSZ("Help", g.perfStrings(30000)...))
	g.big += 2
	for _, v := range [][2]string{{"BuildBranch", "ge_release"}, {"BuildLab", "26100.ge_release.240331-1435"},
		{"EditionSubManufacturer", ""}, {"PathName", `C:\Windows`}, {"SoftwareType", "System"}, {"SystemRoot", `C:\Windows`}} {
		if _, ok := findValue(cv, v[0]); !ok {
			cv.Set(SZ(v[0], v[1]))
		}
	}

	wow := root.Child("WOW6432Node")
	g.tree(wow.Path(`Classes\CLSID`), target*6/100, 8000, 3, "guid")
	g.tree(wow.Child("Microsoft"), target*4/100, 150, 4, "word")
	g.tree(root.Child("Policies"), target/100, 20, 4, "word")
	g.tree(root.Child("RegisteredApplications"), target/400, 80, 1, "word")
	g.tree(root.Child("Clients"), target/400, 12, 3, "word")
}

// System fills root (already holding the scenario's keys) up to about
// target bytes with SYSTEM-like content.
func (g *gen) System(root *Key, target int64) {
	for _, n := range strings.Fields("ActivationBroker ControlSet001 DriverDatabase HardwareConfig Input Keyboard\x00Layout Maps MountedDevices ResourceManager ResourcePolicyStore RNG Select Setup Software State WaaS WPA") {
		root.Child(strings.ReplaceAll(n, "\x00", " "))
		g.keys++
	}
	cs := root.Child("ControlSet001")
	ctl := cs.Child("Control")
	g.tree(ctl.Child("Class"), target*8/100, 120, 3, "guid")
	g.tree(ctl.Child("DeviceClasses"), target*6/100, 200, 3, "guid")
	g.tree(ctl, target*10/100, 180, 4, "word")
	enum := cs.Child("Enum")
	g.named(enum, strings.Fields("ACPI BTH BTHENUM DISPLAY HDAUDIO HID PCI ROOT SCSI STORAGE SW SWD UMB USB USBSTOR"), target*28/100, 60, 5)
	svc := cs.Child("Services")
	g.tree(svc, target*22/100, 650, 4, "word")
	g.tree(root.Child("DriverDatabase"), target*20/100, 400, 4, "word")
	setup := root.Child("Setup")
	g.named(setup, strings.Fields("AllowStart BuildUpdate DJOIN MoSetup Pid SetupCI Snapshot Status Timers Upgrade"), target/100, 6, 3)
	md := root.Child("MountedDevices")
	for i := 0; i < 24; i++ {
		md.Set(Binary(fmt.Sprintf(`\??\Volume{%s}`, strings.Trim(g.guid(), "{}")), g.bytes(24)))
	}
	g.tree(root.Child("WaaS"), target/200, 30, 3, "word")
}

func (g *gen) perfStrings(n int) []string {
	out := make([]string, 0, 2*n)
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprint(2*i), words[g.r.IntN(len(words))]+" "+words[g.r.IntN(len(words))])
	}
	return out
}

func findValue(k *Key, name string) (Value, bool) {
	for _, v := range k.Values {
		if strings.EqualFold(v.Name, name) {
			return v, true
		}
	}
	return Value{}, false
}
