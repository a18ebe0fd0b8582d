package rescue

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/actrescue/actrescue/image"
)

func planCodes(p *RestorePlan) string {
	var c []string
	for _, o := range p.Options {
		c = append(c, o.Code+"/"+o.Likelihood)
	}
	return strings.Join(c, " ")
}

// Golden plans for every fixture scenario.
func TestPlanScenarios(t *testing.T) {
	want := map[string]string{
		"gpt-win11":           "digital-license/medium token-store-restore/low nothing-recoverable/low",
		"mbr-ext-win10":       "kms/medium token-store-restore/low mak/low",
		"gpt4k-server":        "kms/medium token-store-restore/low mak/low server-avma-adba/low",
		"gpt-server-eval":     "evaluation-conversion/high kms/medium token-store-restore/low mak/low server-avma-adba/low",
		"gpt-bitlocker-hiber": "digital-license/medium token-store-restore/low nothing-recoverable/low",
		"mbr-win7":            "kms/medium token-store-restore/low mak/low",
		"vol-win11home":       "digital-license/medium token-store-restore/low nothing-recoverable/low",
	}
	for fx, w := range want {
		rep := scanFixture(t, fx, Options{})
		p := BuildPlan(rep, rep.Targets[0].Installations[0])
		if got := planCodes(p); got != w {
			t.Errorf("%s: plan %s\n want %s", fx, got, w)
		}
		checkScripts(t, fx, p)
	}
	// gpt4k-server has its KMS host configured: the plan uses it.
	rep := scanFixture(t, "gpt4k-server", Options{})
	p := BuildPlan(rep, rep.Targets[0].Installations[0])
	if !strings.Contains(p.CmdScript(false), "slmgr /skms kms.example.test:1688") {
		t.Errorf("KMS host not used:\n%s", p.CmdScript(false))
	}
}

// Inside the rollback window, Go back comes first.
func TestPlanGoBackFirst(t *testing.T) {
	img := loadFixture(t, "gpt-win11")
	now := func() time.Time { return time.Date(2024, 10, 5, 0, 0, 0, 0, time.UTC) }
	rep := ScanTargets(context.Background(), []*image.Target{image.OpenBytes("d", img)}, Options{Now: now})
	p := BuildPlan(rep, rep.Targets[0].Installations[0])
	if !strings.HasPrefix(planCodes(p), "go-back/high digital-license/medium") {
		t.Errorf("plan %s", planCodes(p))
	}
	md := p.Markdown(false)
	if !strings.Contains(md, "2024-10-11") || !strings.Contains(md, "manage-bde -protectors -disable") || !strings.Contains(md, "Revenir à la version précédente") {
		t.Errorf("RESTORE.md lacks the Go back details or the French part:\n%s", md)
	}
}

// A real key and a firmware key, on a synthetic installation.
func TestPlanRealAndFirmwareKeys(t *testing.T) {
	in := &Installation{ID: "1", Name: "Windows 11 Pro", EditionID: "Professional", Keys: []*KeyRecord{
		keyRec(proGeneric, "generic", "Professional", "DigitalProductId"),
		keyRec("ABCDE-ABCDE-ABCDE-ABCDE-ABCDE", "unknown", "Professional", `Source OS (x)\DigitalProductId`)}}
	rep := &Report{Firmware: hostFW("Professional"), Targets: []*TargetReport{{Installations: []*Installation{in}}}}
	p := BuildPlan(rep, in)
	if got := planCodes(p); got != "reinstall-real-key/high firmware-key/high digital-license/medium" {
		t.Errorf("plan %s", got)
	}
	cmd := p.CmdScript(false)
	if !strings.Contains(cmd, "slmgr /ipk ABCDE-ABCDE-ABCDE-ABCDE-ABCDE") {
		t.Errorf("script lacks the key:\n%s", cmd)
	}
	masked := p.CmdScript(true) + p.PowerShell(true)
	if strings.Contains(masked, "ABCDE-ABCDE") || strings.Contains(masked, "XXXXX-") || !strings.Contains(masked, "set /p KEY=") {
		t.Errorf("masked scripts must ask for the key, not hold it:\n%s", masked)
	}
	if md := p.Markdown(true); strings.Contains(md, "ABCDE-ABCDE-ABCDE-ABCDE-ABCDE") || !strings.Contains(md, "XXXXX-XXXXX-XXXXX-XXXXX-ABCDE") {
		t.Errorf("masked RESTORE.md:\n%s", md)
	}
	// Firmware for another edition: still offered, with lower odds.
	rep.Firmware = hostFW("Core")
	if got := planCodes(BuildPlan(rep, in)); !strings.Contains(got, "firmware-key/medium") {
		t.Errorf("plan %s", got)
	}
}

// checkScripts: every command line is guarded by a question, destructive
// ones are announced, nothing is run unconditionally.
func checkScripts(t *testing.T, name string, p *RestorePlan) {
	t.Helper()
	cmd := p.CmdScript(false)
	lines := strings.Split(cmd, "\r\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "slmgr") || strings.HasPrefix(l, "net ") || strings.HasPrefix(l, "ren ") || strings.HasPrefix(l, "copy ") || strings.HasPrefix(l, "DISM") {
			if i < 1 || !strings.HasPrefix(lines[i-1], "if errorlevel 2 goto skip") {
				t.Errorf("%s: restore.cmd runs %q without asking", name, l)
			}
		}
	}
	if strings.Contains(cmd, "ren ") && !strings.Contains(cmd, "DESTRUCTIVE") {
		t.Errorf("%s: destructive step not announced", name)
	}
	ps := p.PowerShell(false)
	for _, l := range strings.Split(ps, "\r\n") {
		if strings.Contains(l, "cmd /c") && !strings.HasPrefix(l, "if ((Read-Host") {
			t.Errorf("%s: restore.ps1 runs %q without asking", name, l)
		}
	}
}

// Values from a hostile hive never reach a command line as they are.
func TestPlanCommandInjection(t *testing.T) {
	in := &Installation{ID: "1", Name: "x", EditionID: "ServerStandardEval & del /q C:\\*", InstallationType: "Server",
		KMS:  &KMSConfig{Name: "kms.corp\" & calc & \"", Port: "1688 | format c:"},
		Keys: []*KeyRecord{keyRec("WX4NM-KYWYW-QJJR4-XV3QB-6VM33", "kms-client", "ServerDatacenter", "DigitalProductId4")}}
	diagnose(in, nil, nil)
	p := BuildPlan(&Report{}, in)
	var cmds []string
	for _, l := range p.scriptCommands(false, "%KEY%", "%~dp0") {
		cmds = append(cmds, l.cmd)
	}
	for _, o := range p.Options {
		for _, s := range o.Steps {
			cmds = append(cmds, s.Command)
		}
	}
	for _, f := range in.Findings {
		for _, s := range f.Steps {
			cmds = append(cmds, s.Command)
		}
	}
	for _, c := range cmds {
		if strings.ContainsAny(c, "&|") || strings.Contains(c, "del /q") || strings.Contains(c, "format c:") {
			t.Errorf("a value from the disk reached a command line: %q", c)
		}
	}
	if !strings.Contains(p.CmdScript(false), "slmgr /skms kms.corpcalc") {
		t.Errorf("the sanitized KMS host is missing:\n%s", p.CmdScript(false))
	}
	if strings.Contains(p.CmdScript(false), ":1688") {
		t.Errorf("a damaged port was kept")
	}
}
