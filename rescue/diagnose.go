package rescue

import (
	"sort"
	"strings"
)

// Finding is a diagnosis for one installation: what the evidence means for
// activation, with the exact next steps.
type Finding struct {
	Code       string            `json:"code"`
	Severity   Severity          `json:"severity"`
	Message    string            `json:"message"` // English
	Params     map[string]string `json:"params,omitempty"`
	ErrorCodes []string          `json:"error_codes,omitempty"` // activation errors this explains
	Steps      []Step            `json:"steps,omitempty"`
}

// Step is one action, in order, with its exact command when there is one.
type Step struct {
	Code        string `json:"code"`
	Text        string `json:"text"` // English
	Command     string `json:"command,omitempty"`
	Destructive bool   `json:"destructive,omitempty"` // back up the key first
}

// Finding codes.
const (
	FindFirmwareEdition = "firmware-edition-mismatch"
	FindKeyEdition      = "key-edition-mismatch"
	FindEvaluation      = "evaluation-edition-convert"
	FindGenericOnly     = "generic-key-activation"
	FindKMSNoHost       = "kms-client-no-host"
	FindNoKey           = "no-key-anywhere"
	FindRealKeyHistory  = "real-key-in-history"
)

// installed reports whether a key source is the installation's current
// key (not history, not an OEM default).
func installedSource(kind string) bool {
	switch kind {
	case "DigitalProductId", "DigitalProductId4", "BackupProductKeyDefault":
		return true
	}
	return false
}

func (k *KeyRecord) isInstalled() bool {
	for _, s := range k.Sources {
		if installedSource(s.Kind) {
			return true
		}
	}
	return false
}

func (k *KeyRecord) inHistory() bool {
	for _, s := range k.Sources {
		if strings.HasPrefix(strings.ToLower(s.Kind), "source os") {
			return true
		}
	}
	return false
}

// keyEdition is the edition a key installs: from the target's pkeyconfig,
// else DigitalProductId4, else the published-key table.
func (k *KeyRecord) keyEdition() string {
	if k.Config != nil && k.Config.EditionID != "" {
		return k.Config.EditionID
	}
	if k.Edition != "" {
		return k.Edition
	}
	return k.KnownEdition
}

// sameEdition compares edition IDs, ignoring case and the N/Eval variants
// only where Windows itself treats them as one family.
func sameEdition(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// evalTargets maps evaluation editions to what DISM can convert them to.
var evalTargets = map[string]string{
	"ServerStandardEval":   "ServerStandard",
	"ServerDatacenterEval": "ServerDatacenter",
}

// diagnose derives findings for one installation. fw is the host firmware
// when the scan ran on the machine itself (nil or note-only otherwise).
//
// previous are the keys of Windows.old* installations on the same volume.
func diagnose(in *Installation, fw *FirmwareReport, previous []*KeyRecord) {
	var installed, history []*KeyRecord
	for _, k := range in.Keys {
		if k.isInstalled() {
			installed = append(installed, k)
		}
		if k.inHistory() {
			history = append(history, k)
		}
	}
	var fwKey *KeyRecord
	if fw != nil && fw.Host && fw.MSDM != nil && fw.MSDM.Key != nil {
		// Look the firmware key up in this installation's pkeyconfig.
		c := *fw.MSDM.Key
		c.Config, c.ConfigNote = lookupConfig(in.pkeys, c.Key)
		fwKey = &c
	}
	edition := safeToken(in.EditionID) // it reaches command lines
	name := in.Name

	// 1. Firmware key for another edition: Setup picks the firmware edition.
	if fwKey != nil && edition != "" {
		if fe := fwKey.keyEdition(); fe != "" && !sameEdition(fe, edition) {
			in.find(FindFirmwareEdition, SevWarning, map[string]string{"firmware_edition": fe, "edition": edition, "name": name},
				[]string{"0xC004F210", "0xC004F212"},
				step("eicfg", "[EditionID]\r\n"+edition+"\r\n[Channel]\r\nRetail\r\n[VL]\r\n0", false),
				step("change-edition-key", "", false),
			)
		}
	}

	// 2. Installed key for another edition than the one installed.
	for _, k := range installed {
		ke := k.keyEdition()
		if ke == "" || edition == "" || sameEdition(ke, edition) || k.Class == "generic" && ke == "" {
			continue
		}
		target := strings.TrimSuffix(edition, "Eval")
		if t, ok := evalTargets[edition]; ok {
			target = t
		}
		in.find(FindKeyEdition, SevWarning, map[string]string{"key": k.Key, "key_edition": ke, "edition": edition, "edition_target": target},
			[]string{"0xC004F050", "0xC004C003"},
			step("get-target-editions", "DISM /Online /Get-TargetEditions", false),
			step("ipk-matching", "slmgr /ipk <key for "+target+">", false),
		)
		break
	}

	// 3. Evaluation edition.
	if strings.HasSuffix(edition, "Eval") {
		target, ok := evalTargets[edition]
		if ok {
			in.find(FindEvaluation, SevWarning, map[string]string{"edition": edition, "target": target},
				[]string{"0xC004F009"},
				step("get-target-editions", "DISM /Online /Get-TargetEditions", false),
				step("set-edition", "DISM /Online /Set-Edition:"+target+" /ProductKey:<key for "+target+"> /AcceptEula", false),
			)
		} else {
			in.find(FindEvaluation, SevWarning, map[string]string{"edition": edition, "target": strings.TrimSuffix(edition, "Eval")},
				[]string{"0xC004F009"},
				step("eval-reinstall", "", false),
			)
		}
	}

	// 4. Only a generic key installed: say what activation relies on.
	allGeneric := len(installed) > 0
	for _, k := range installed {
		if k.Class != "generic" {
			allGeneric = false
		}
	}
	if allGeneric {
		params := map[string]string{"key": installed[0].Key, "edition": edition}
		steps := []Step{}
		switch {
		case fwKey != nil && sameEdition(fwKey.keyEdition(), edition):
			params["basis"] = "firmware"
			steps = append(steps, step("firmware-activates", "slmgr /ato", false))
		case fwKey != nil:
			params["basis"] = "firmware-other-edition"
			params["firmware_edition"] = fwKey.keyEdition()
			steps = append(steps, step("change-edition-key", "", false))
		case fw != nil && fw.Host:
			params["basis"] = "digital-license"
			steps = append(steps, step("troubleshooter", "ms-settings:activation", false), step("phone", "slui 4", false))
		default:
			params["basis"] = "unknown-firmware"
			steps = append(steps, step("check-firmware", "actrescue firmware", false), step("troubleshooter", "ms-settings:activation", false))
		}
		in.find(FindGenericOnly, SevInfo, params, []string{"0xC004F213", "0x803F7001"}, steps...)
	}

	// 5. A real key survives in the upgrade history or in Windows.old.
	current := map[string]bool{}
	for _, k := range installed {
		current[k.Key] = true
	}
	for _, k := range append(history, previous...) {
		if k.Class == "unknown" && !current[k.Key] && (k.ChecksumValid == nil || *k.ChecksumValid) {
			where := ""
			if len(k.Sources) > 0 {
				where = k.Sources[0].Kind
			}
			in.find(FindRealKeyHistory, SevInfo, map[string]string{"key": k.Key, "edition": k.keyEdition(), "source": where}, nil,
				step("backup-first", "actrescue backup --out <USB>", false),
				step("ipk-history", "slmgr /ipk "+k.Key, false),
				step("ato", "slmgr /ato", false),
			)
			break
		}
	}

	// 6. KMS client key without a configured host.
	for _, k := range installed {
		if k.Class == "kms-client" || strings.HasPrefix(k.Channel, "Volume:GVLK") {
			if in.KMS == nil || in.KMS.Name == "" {
				in.find(FindKMSNoHost, SevWarning, map[string]string{"key": k.Key}, []string{"0x8007007B", "0xC004F074"},
					step("dns-srv", "nslookup -type=SRV _vlmcs._tcp", false),
					step("skms", "slmgr /skms <kms-host>:1688", false),
					step("port", "Test-NetConnection -ComputerName <kms-host> -Port 1688", false),
					step("not-corporate", "slmgr /ipk <retail or MAK key>", false),
				)
			}
			break
		}
	}

	// 7. Nothing at all.
	if len(in.Keys) == 0 && fwKey == nil {
		in.find(FindNoKey, SevWarning, map[string]string{"edition": edition}, []string{"0xC004F213"},
			step("coa", "", false), step("purchase", "", false), step("troubleshooter", "ms-settings:activation", false))
	}
	sort.SliceStable(in.Findings, func(i, j int) bool { return sevRank(in.Findings[i].Severity) > sevRank(in.Findings[j].Severity) })
}

func sevRank(s Severity) int {
	switch s {
	case SevError:
		return 2
	case SevWarning:
		return 1
	}
	return 0
}

func step(code, command string, destructive bool) Step {
	return Step{Code: code, Command: command, Destructive: destructive}
}

func (in *Installation) find(code string, sev Severity, params map[string]string, errs []string, steps ...Step) {
	f := Finding{Code: code, Severity: sev, Params: params, ErrorCodes: errs, Steps: steps}
	f.Message = FindingMessage("en", code, params)
	for i := range f.Steps {
		f.Steps[i].Text = StepText("en", f.Steps[i].Code, params)
	}
	in.Findings = append(in.Findings, f)
}
