package rescue

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/actrescue/actrescue/license"
)

// RestorePlan is the ordered list of ways to bring the licence back on one
// installation, built from the evidence and the findings.
type RestorePlan struct {
	Install  string       `json:"install"` // installation ID
	Name     string       `json:"name"`
	Edition  string       `json:"edition"`
	Computer string       `json:"computer,omitempty"`
	Options  []PlanOption `json:"options"`
}

// PlanOption is one way to restore activation.
type PlanOption struct {
	Code       string            `json:"code"`
	Likelihood string            `json:"likelihood"` // high, medium, low
	Params     map[string]string `json:"params,omitempty"`
	Steps      []Step            `json:"steps"`
	// Key is the product key the steps install, if any (never masked here;
	// renderers mask it when asked).
	Key string `json:"-"`
}

// Plan option codes.
const (
	PlanRealKey      = "reinstall-real-key"
	PlanFirmware     = "firmware-key"
	PlanDigital      = "digital-license"
	PlanGoBack       = "go-back"
	PlanTokenStore   = "token-store-restore"
	PlanKMS          = "kms"
	PlanMAK          = "mak"
	PlanEvalConvert  = "evaluation-conversion"
	PlanServerVolume = "server-avma-adba"
	PlanNothing      = "nothing-recoverable"
	keyPlaceholder   = "<PRODUCT-KEY>"
	likelihoodHigh   = "high"
	likelihoodMedium = "medium"
	likelihoodLow    = "low"
)

var likelihoodRank = map[string]int{likelihoodHigh: 0, likelihoodMedium: 1, likelihoodLow: 2}

// BuildPlan derives the restore options for one installation of rep.
func BuildPlan(rep *Report, in *Installation) *RestorePlan {
	p := &RestorePlan{Install: in.ID, Name: in.Name, Edition: safeToken(in.EditionID), Computer: in.ComputerName}
	var fw *FirmwareReport
	if rep != nil {
		fw = rep.Firmware
	}
	// Every value read from the disk that reaches a command line is reduced
	// to the characters it can legitimately hold: a hostile hive must not
	// be able to put "& del …" into restore.cmd.
	ed := safeToken(in.EditionID)
	server := strings.EqualFold(in.InstallationType, "Server") || strings.HasPrefix(ed, "Server")
	add := func(code, like, key string, params map[string]string, steps ...Step) {
		if params == nil {
			params = map[string]string{}
		}
		params["edition"] = ed
		if key != "" {
			params["key"] = key
		}
		p.Options = append(p.Options, PlanOption{Code: code, Likelihood: like, Params: params, Steps: steps, Key: key})
	}

	// A real key: not generic, not a KMS client key, checksum valid.
	var real *KeyRecord
	var others []*Installation
	if rep != nil {
		for _, t := range rep.Targets {
			for _, o := range t.Installations {
				if o != in && o.Partition == in.Partition && o.Target == in.Target {
					others = append(others, o)
				}
			}
		}
	}
	candidates := append([]*KeyRecord{}, in.Keys...)
	for _, o := range others {
		candidates = append(candidates, o.Keys...)
	}
	for _, k := range candidates {
		if k.Class == string(license.ClassUnknown) && (k.ChecksumValid == nil || *k.ChecksumValid) {
			real = k
			break
		}
	}
	if real != nil {
		src := ""
		if len(real.Sources) > 0 {
			src = real.Sources[0].Kind
		}
		like := likelihoodHigh
		if e := real.keyEdition(); e != "" && !sameEdition(e, ed) {
			like = likelihoodLow
		}
		add(PlanRealKey, like, real.Key, map[string]string{"source": src, "key_edition": real.keyEdition()},
			step("backup-first", "actrescue backup --out <USB>", false),
			step("ipk", "slmgr /ipk "+real.Key, false),
			step("ato", "slmgr /ato", false),
			step("changepk", "changepk.exe /ProductKey "+real.Key, false),
			step("phone-iid", "slui 4", false),
			step("atp", "slmgr /atp <CONFIRMATION-ID>", false),
		)
	}

	// Firmware OEM key of this machine.
	if fw != nil && fw.Host && fw.MSDM != nil && fw.MSDM.Key != nil {
		c := *fw.MSDM.Key
		c.Config, c.ConfigNote = lookupConfig(in.pkeys, c.Key)
		fe := safeToken(c.keyEdition())
		like := likelihoodHigh
		if fe != "" && !sameEdition(fe, ed) {
			like = likelihoodMedium
		}
		add(PlanFirmware, like, "", map[string]string{"firmware_edition": orUnknown(fe)},
			step("install-firmware-edition", "", false),
			step("ato", "slmgr /ato", false),
			step("eicfg", "[EditionID]\r\n"+orUnknown(fe)+"\r\n[Channel]\r\nOEM\r\n", false),
		)
	}

	// Digital licence: a generic key installed on a client.
	generic := false
	for _, k := range in.Keys {
		if k.isInstalled() && k.Class == string(license.ClassGeneric) {
			generic = true
		}
	}
	if generic && !server {
		add(PlanDigital, likelihoodMedium, "", nil,
			step("reinstall-same-edition", "", false),
			step("troubleshooter", "ms-settings:activation", false),
			step("phone", "slui 4", false),
		)
	}

	// Go back while the window is open.
	if rb := in.Rollback; rb != nil && rb.Available && rb.Deadline != nil {
		add(PlanGoBack, likelihoodHigh, "", map[string]string{"deadline": rb.Deadline.Format("2006-01-02 15:04 UTC")},
			step("suspend-bitlocker", "manage-bde -protectors -disable C: -RebootCount 2", false),
			step("pause-updates", "ms-settings:windowsupdate", false),
			Step{Code: "winre-uninstall", Destructive: true},
		)
	}

	// Token store restore after a reinstall of the same build.
	hasStore := false
	for _, f := range in.SPPFiles {
		if strings.HasPrefix(f.Role, "tokens.dat") && f.Error == "" {
			hasStore = true
		}
	}
	if hasStore {
		key := keyPlaceholder
		if real != nil {
			key = real.Key
		}
		add(PlanTokenStore, likelihoodLow, "", map[string]string{"build": in.CurrentBuild},
			step("backup-first", "actrescue backup --out <USB>", false),
			step("stop-sppsvc", "net stop sppsvc", false),
			Step{Code: "rename-tokens", Command: `ren %windir%\System32\spp\store\2.0\tokens.dat tokens.bar`, Destructive: true},
			Step{Code: "copy-tokens", Command: `copy /y "<BACKUP>\spp\store\2.0\tokens.dat" "%windir%\System32\spp\store\2.0\tokens.dat"`, Destructive: true},
			step("start-sppsvc", "net start sppsvc", false),
			step("rilc", "slmgr /rilc", false),
			step("ipk", "slmgr /ipk "+key, false),
			step("ato", "slmgr /ato", false),
		)
	}

	// Volume licensing.
	kms := false
	for _, k := range in.Keys {
		if k.isInstalled() && (k.Class == string(license.ClassKMSClient) || strings.HasPrefix(k.Channel, "Volume:GVLK")) {
			kms = true
		}
	}
	if kms {
		host := "<kms-host>"
		if in.KMS != nil && safeHost(in.KMS.Name) != "" {
			host = safeHost(in.KMS.Name)
			if p := safePort(in.KMS.Port); p != "" {
				host += ":" + p
			}
		}
		add(PlanKMS, likelihoodMedium, "", map[string]string{"host": host},
			step("dns-srv", "nslookup -type=SRV _vlmcs._tcp", false),
			step("skms", "slmgr /skms "+host, false),
			step("port", "Test-NetConnection -ComputerName "+strings.Split(host, ":")[0]+" -Port 1688", false),
			step("ato", "slmgr /ato", false),
		)
		add(PlanMAK, likelihoodLow, "", nil,
			step("ipk-mak", "slmgr /ipk <MAK>", false),
			step("ato", "slmgr /ato", false),
			step("phone-iid", "slui 4", false),
		)
	}
	if strings.HasSuffix(ed, "Eval") {
		target := strings.TrimSuffix(ed, "Eval")
		add(PlanEvalConvert, likelihoodHigh, "", map[string]string{"target": target},
			step("get-target-editions", "DISM /Online /Get-TargetEditions", false),
			step("set-edition", "DISM /Online /Set-Edition:"+target+" /ProductKey:<key for "+target+"> /AcceptEula", false),
		)
	}
	if server {
		add(PlanServerVolume, likelihoodLow, "", nil,
			step("avma", "slmgr /ipk <AVMA key for "+strings.TrimSuffix(ed, "Eval")+">", false),
			step("adba", "", false),
		)
	}

	// Nothing recoverable: what to gather.
	if real == nil && len(p.Options) <= 2 {
		serial := "<machine serial>"
		if fw != nil && fw.DMI != nil && fw.DMI.Serial != "" {
			serial = fw.DMI.Serial
		}
		add(PlanNothing, likelihoodLow, "", map[string]string{"serial": serial},
			step("gather", "", false),
			step("installation-id", "slui 4", false),
			step("contact", "", false),
		)
	}
	sort.SliceStable(p.Options, func(i, j int) bool {
		return likelihoodRank[p.Options[i].Likelihood] < likelihoodRank[p.Options[j].Likelihood]
	})
	return p
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

var planCatalog = map[string]struct{ title, why, risks message }{
	PlanRealKey: {
		title: message{"Reinstall the product key found on this disk", "Réinstaller la clé de produit trouvée sur ce disque"},
		why: message{"a non-generic key ({key}, for {key_edition}) was found in {source}: it is probably the owner's own key",
			"une clé non générique ({key}, pour {key_edition}) a été trouvée dans {source} : c'est probablement la clé du propriétaire"},
		risks: message{"a retail key may already be in use on another PC; an OEM key only activates the machine it shipped with",
			"une clé commerciale peut déjà être utilisée sur un autre PC ; une clé OEM n'active que la machine avec laquelle elle a été livrée"},
	},
	PlanFirmware: {
		title: message{"Clean install: the firmware key activates by itself", "Installation propre : la clé du micrologiciel active seule"},
		why: message{"this machine carries a {firmware_edition} key in its firmware (ACPI MSDM); Windows Setup reads it and activates that edition without typing anything",
			"cette machine porte une clé {firmware_edition} dans son micrologiciel (ACPI MSDM) ; le programme d'installation la lit et active cette édition sans rien saisir"},
		risks: message{"Setup installs the firmware edition ({firmware_edition}); to get {edition} instead, use an ei.cfg on the media and a {edition} key",
			"le programme d'installation installe l'édition du micrologiciel ({firmware_edition}) ; pour obtenir {edition}, utilisez un ei.cfg sur le support et une clé {edition}"},
	},
	PlanDigital: {
		title: message{"Reinstall the same edition and rely on the digital license", "Réinstaller la même édition et compter sur la licence numérique"},
		why: message{"only a generic key is installed: if this PC was activated before, Microsoft's servers hold a digital license for this hardware and this edition ({edition})",
			"seule une clé générique est installée : si ce PC était activé, les serveurs de Microsoft détiennent une licence numérique pour ce matériel et cette édition ({edition})"},
		risks: message{"after a motherboard change the licence only follows if it was linked to the owner's Microsoft account",
			"après un changement de carte mère, la licence ne suit que si elle était liée au compte Microsoft du propriétaire"},
	},
	PlanGoBack: {
		title: message{"Go back to the previous version (before {deadline})", "Revenir à la version précédente (avant le {deadline})"},
		why: message{"Windows.old and the rollback data are present and the uninstall window is still open",
			"Windows.old et les données de retour arrière sont présents et le délai de désinstallation est encore ouvert"},
		risks: message{"apps and settings changed since the update are lost; the window is computed from the offline machine's clock",
			"les applications et réglages modifiés depuis la mise à jour sont perdus ; le délai est calculé d'après l'horloge de la machine"},
	},
	PlanTokenStore: {
		title: message{"Restore the saved licence store after reinstalling the same build ({build})", "Restaurer le magasin de licences sauvegardé après réinstallation de la même build ({build})"},
		why: message{"the backup holds tokens.dat; on the same build and hardware it can bring back the licence state",
			"la sauvegarde contient tokens.dat ; sur la même build et le même matériel, il peut rétablir l'état de la licence"},
		risks: message{"this often fails on another build or other hardware; the product key must be reinstalled anyway; keep tokens.bar to undo",
			"cela échoue souvent sur une autre build ou un autre matériel ; la clé de produit doit de toute façon être réinstallée ; gardez tokens.bar pour revenir en arrière"},
	},
	PlanKMS: {
		title: message{"Activate against the organisation's KMS host ({host})", "Activer auprès de l'hôte KMS de l'organisation ({host})"},
		why: message{"a KMS client key (GVLK) is installed: it activates only against a KMS host, found by DNS or set by hand",
			"une clé client KMS (GVLK) est installée : elle n'active qu'auprès d'un hôte KMS, trouvé par DNS ou indiqué à la main"},
		risks: message{"outside the organisation's network this never works; activation must be renewed every 180 days",
			"hors du réseau de l'organisation cela ne fonctionne jamais ; l'activation doit être renouvelée tous les 180 jours"},
	},
	PlanMAK: {
		title: message{"Activate with a MAK from the organisation", "Activer avec une clé MAK de l'organisation"},
		why:   message{"volume licences can also be activated once with a Multiple Activation Key", "les licences en volume peuvent aussi s'activer une fois avec une clé d'activation multiple (MAK)"},
		risks: message{"each activation uses one of the MAK's counted activations; phone activation when the count is exhausted",
			"chaque activation consomme une activation du quota MAK ; activation par téléphone quand le quota est épuisé"},
	},
	PlanEvalConvert: {
		title: message{"Convert the evaluation edition to {target}", "Convertir l'édition d'évaluation en {target}"},
		why:   message{"{edition} is an evaluation: it needs conversion with a key for {target}", "{edition} est une évaluation : elle doit être convertie avec une clé pour {target}"},
		risks: message{"only Windows Server evaluations convert; domain controllers cannot be converted", "seules les évaluations de Windows Server se convertissent ; un contrôleur de domaine ne peut pas l'être"},
	},
	PlanServerVolume: {
		title: message{"Server: AVMA on a Datacenter Hyper-V host, or Active Directory-based activation", "Serveur : AVMA sur un hôte Hyper-V Datacenter, ou activation par Active Directory"},
		why: message{"a virtual machine on an activated Windows Server Datacenter host activates with the public AVMA key; domain members activate through ADBA",
			"une machine virtuelle sur un hôte Windows Server Datacenter activé s'active avec la clé AVMA publique ; les membres d'un domaine s'activent par ADBA"},
		risks: message{"AVMA needs the Datacenter host and the Data Exchange integration service", "AVMA demande l'hôte Datacenter et le service d'intégration Échange de données"},
	},
	PlanNothing: {
		title: message{"No key recoverable: gather proof for the vendor or Microsoft", "Aucune clé récupérable : rassembler les preuves pour le vendeur ou Microsoft"},
		why: message{"no usable key was found on the disk or in the firmware; missing keys cannot be recovered or guessed",
			"aucune clé utilisable n'a été trouvée sur le disque ni dans le micrologiciel ; une clé manquante ne peut être ni récupérée ni devinée"},
		risks: message{"without proof of purchase a new licence must be bought", "sans preuve d'achat, une nouvelle licence doit être achetée"},
	},
}

var planSteps = map[string]message{
	"ipk":                      {"install the key", "installez la clé"},
	"changepk":                 {"or, to change edition at the same time", "ou, pour changer d'édition en même temps"},
	"phone-iid":                {"if online activation fails: phone activation shows the Installation ID", "si l'activation en ligne échoue : l'activation par téléphone affiche l'ID d'installation"},
	"atp":                      {"enter the Confirmation ID given by the phone service", "saisissez l'ID de confirmation donné par le service téléphonique"},
	"install-firmware-edition": {"install {firmware_edition} from Microsoft media; do not type a key", "installez {firmware_edition} depuis un support Microsoft ; ne saisissez pas de clé"},
	"reinstall-same-edition":   {"reinstall {edition} (same edition) and connect to the Internet", "réinstallez {edition} (même édition) et connectez-vous à Internet"},
	"suspend-bitlocker":        {"suspend BitLocker first, or keep the recovery key at hand", "suspendez d'abord BitLocker, ou gardez la clé de récupération à portée de main"},
	"pause-updates":            {"pause updates so the feature update does not come back at once", "suspendez les mises à jour pour que la mise à jour de fonctionnalité ne revienne pas aussitôt"},
	"winre-uninstall":          {"WinRE: Troubleshoot > Advanced options > Uninstall Updates > Uninstall latest feature update", "WinRE : Dépannage > Options avancées > Désinstaller des mises à jour > Désinstaller la dernière mise à jour de fonctionnalité"},
	"stop-sppsvc":              {"stop the Software Protection service", "arrêtez le service Protection logicielle"},
	"rename-tokens":            {"keep the new store as tokens.bar", "gardez le nouveau magasin sous le nom tokens.bar"},
	"copy-tokens":              {"copy the saved tokens.dat from the backup set", "copiez le tokens.dat sauvegardé depuis le jeu de sauvegarde"},
	"start-sppsvc":             {"start the service again", "redémarrez le service"},
	"rilc":                     {"reinstall the licence files", "réinstallez les fichiers de licence"},
	"ipk-mak":                  {"install the MAK", "installez la clé MAK"},
	"avma":                     {"on a VM of an activated Datacenter host: install the AVMA key for the edition", "sur une VM d'un hôte Datacenter activé : installez la clé AVMA de l'édition"},
	"adba":                     {"in a domain with Active Directory-based activation: join the domain; activation is automatic", "dans un domaine avec activation par Active Directory : joignez le domaine ; l'activation est automatique"},
	"gather": {"gather: the invoice or purchase e-mail, a photo of the COA sticker, the machine serial ({serial}), and this backup set",
		"rassemblez : la facture ou le courriel d'achat, une photo de l'étiquette COA, le numéro de série de la machine ({serial}) et ce jeu de sauvegarde"},
	"installation-id": {"note the Installation ID shown by phone activation", "notez l'ID d'installation affiché par l'activation par téléphone"},
	"contact":         {"contact the vendor or Microsoft support with the message below", "contactez le vendeur ou le support Microsoft avec le message ci-dessous"},
}

func planText(lang, code string, params map[string]string) string {
	if m, ok := planSteps[code]; ok {
		return render(map[string]message{code: m}, lang, code, params)
	}
	return StepText(lang, code, params)
}

// contactTemplate is the message for the vendor or Microsoft.
var contactTemplate = message{
	en: "Hello,\n\nWindows {edition} on my computer (serial {serial}) no longer activates after a repair/reinstallation. " +
		"I attach my proof of purchase and a photo of the Certificate of Authenticity. The Installation ID is: <Installation ID from slui 4>.\n" +
		"Could you please provide a replacement product key or reactivate the licence?\n\nThank you.",
	fr: "Bonjour,\n\nWindows {edition} sur mon ordinateur (numéro de série {serial}) ne s'active plus après une réparation/réinstallation. " +
		"Je joins ma preuve d'achat et une photo du certificat d'authenticité. L'ID d'installation est : <ID d'installation donné par slui 4>.\n" +
		"Pourriez-vous me fournir une clé de remplacement ou réactiver la licence ?\n\nMerci.",
}

// maskedCommand hides the option's key in a command for display.
func (o PlanOption) command(s Step, mask bool) string {
	if o.Key != "" && mask {
		return strings.ReplaceAll(s.Command, o.Key, license.MaskKey(o.Key))
	}
	return s.Command
}

// Markdown renders RESTORE.md: English, then French.
func (p *RestorePlan) Markdown(mask bool) string {
	var b strings.Builder
	for i, lang := range []string{"en", "fr"} {
		if i > 0 {
			b.WriteString("\n---\n\n")
		}
		p.markdown(&b, lang, mask)
	}
	return b.String()
}

var mdLabels = map[string]struct{ title, intro, like, why, risks, steps, destructive, template string }{
	"en": {"Restore plan", "Options for this machine, most likely first. Back up before any change: `actrescue backup`.",
		"Likelihood", "Why", "Risks", "Steps", "destructive: back up first", "Message template"},
	"fr": {"Plan de restauration", "Options pour cette machine, de la plus probable à la moins probable. Sauvegardez avant toute modification : `actrescue backup`.",
		"Probabilité", "Pourquoi", "Risques", "Étapes", "destructif : sauvegardez d'abord", "Modèle de message"},
}

var likelihoodText = map[string]map[string]string{
	"en": {likelihoodHigh: "high", likelihoodMedium: "medium", likelihoodLow: "low"},
	"fr": {likelihoodHigh: "élevée", likelihoodMedium: "moyenne", likelihoodLow: "faible"},
}

func (p *RestorePlan) params(o PlanOption, mask bool) map[string]string {
	m := map[string]string{}
	for k, v := range o.Params {
		m[k] = v
	}
	if mask && m["key"] != "" {
		m["key"] = license.MaskKey(m["key"])
	}
	return m
}

func (p *RestorePlan) markdown(b *strings.Builder, lang string, mask bool) {
	L := mdLabels[lang]
	fmt.Fprintf(b, "# %s: %s (%s)\n\n%s\n\n", L.title, p.Name, p.Edition, L.intro)
	for i, o := range p.Options {
		c := planCatalog[o.Code]
		params := p.params(o, mask)
		fmt.Fprintf(b, "## %d. %s\n\n", i+1, render(map[string]message{"t": c.title}, lang, "t", params))
		fmt.Fprintf(b, "* **%s:** %s\n", L.like, likelihoodText[lang][o.Likelihood])
		fmt.Fprintf(b, "* **%s:** %s\n", L.why, render(map[string]message{"t": c.why}, lang, "t", params))
		fmt.Fprintf(b, "* **%s:** %s\n\n", L.risks, render(map[string]message{"t": c.risks}, lang, "t", params))
		fmt.Fprintf(b, "%s:\n\n", L.steps)
		for j, s := range o.Steps {
			line := planText(lang, s.Code, params)
			if s.Destructive {
				line += " (**" + L.destructive + "**)"
			}
			fmt.Fprintf(b, "%d. %s\n", j+1, line)
			if cmd := o.command(s, mask); cmd != "" {
				fmt.Fprintf(b, "\n   ```\n   %s\n   ```\n", strings.ReplaceAll(strings.TrimRight(cmd, "\r\n"), "\r\n", "\n   "))
			}
		}
		if o.Code == PlanNothing {
			fmt.Fprintf(b, "\n%s:\n\n```\n%s\n```\n", L.template, render(map[string]message{"t": contactTemplate}, lang, "t", params))
		}
		b.WriteString("\n")
	}
}

// scriptCommands lists the runnable commands of the plan in order, with
// their option and whether they are destructive. Keys are replaced by a
// prompt variable when mask is set: scripts never hold a masked key.
func (p *RestorePlan) scriptCommands(mask bool, keyVar, setDir string) []scriptLine {
	var out []scriptLine
	for _, o := range p.Options {
		for _, s := range o.Steps {
			cmd := strings.ReplaceAll(s.Command, `<BACKUP>\`, setDir)
			if cmd == "" || strings.HasPrefix(cmd, "actrescue ") || strings.HasPrefix(cmd, "ms-settings:") || strings.Contains(cmd, "\r\n") {
				continue
			}
			if strings.Contains(cmd, "<") && !strings.Contains(cmd, keyPlaceholder) && !(o.Key != "" && strings.Contains(cmd, o.Key)) {
				continue // needs a value the technician must supply
			}
			needsKey := false
			if o.Key != "" && strings.Contains(cmd, o.Key) {
				if mask {
					cmd = strings.ReplaceAll(cmd, o.Key, keyVar)
					needsKey = true
				}
			}
			if strings.Contains(cmd, keyPlaceholder) {
				cmd = strings.ReplaceAll(cmd, keyPlaceholder, keyVar)
				needsKey = true
			}
			out = append(out, scriptLine{option: o.Code, cmd: cmd, destructive: s.Destructive || strings.Contains(cmd, "/upk") || strings.Contains(cmd, "/cpky") || strings.Contains(cmd, "/rearm"), needsKey: needsKey, text: planText("en", s.Code, p.params(o, true))})
		}
	}
	return out
}

type scriptLine struct {
	option, cmd, text     string
	destructive, needsKey bool
}

// CmdScript renders restore.cmd: every step asks before it runs, and
// destructive ones ask twice.
func (p *RestorePlan) CmdScript(mask bool) string {
	var b strings.Builder
	b.WriteString("@echo off\r\nrem Generated by actrescue for " + cmdSafe(p.Name) + ". Run from an elevated prompt.\r\n")
	b.WriteString("rem Each step asks before it runs. Back up first: actrescue backup.\r\nsetlocal\r\n")
	for i, l := range p.scriptCommands(mask, "%KEY%", "%~dp0") {
		fmt.Fprintf(&b, "\r\necho.\r\necho [%s] %s\r\necho   %s\r\n", l.option, cmdSafe(l.text), cmdSafe(l.cmd))
		if l.needsKey {
			b.WriteString("if not defined KEY set /p KEY=Product key (25 characters): \r\n")
		}
		if l.destructive {
			b.WriteString("echo   DESTRUCTIVE: make sure the key and the store are backed up.\r\n")
		}
		fmt.Fprintf(&b, "choice /c YN /m \"Run this step\"\r\nif errorlevel 2 goto skip%d\r\n%s\r\n:skip%d\r\n", i, l.cmd, i)
	}
	b.WriteString("\r\nendlocal\r\n")
	return b.String()
}

func cmdSafe(s string) string {
	r := strings.NewReplacer("%", "%%", "&", "^&", "|", "^|", "<", "^<", ">", "^>", "\r", " ", "\n", " ")
	return r.Replace(s)
}

// PowerShell renders restore.ps1 with the same confirmations.
func (p *RestorePlan) PowerShell(mask bool) string {
	var b strings.Builder
	b.WriteString("# Generated by actrescue for " + psSafe(p.Name) + ". Run in an elevated PowerShell.\r\n")
	b.WriteString("# Each step asks before it runs. Back up first: actrescue backup.\r\n$ErrorActionPreference = 'Continue'\r\n$key = $null\r\n")
	for _, l := range p.scriptCommands(mask, "$key", `$PSScriptRoot\`) {
		fmt.Fprintf(&b, "\r\nWrite-Host '[%s] %s'\r\nWrite-Host '  %s'\r\n", psSafe(l.option), psSafe(l.text), psSafe(l.cmd))
		if l.needsKey {
			b.WriteString("if (-not $key) { $key = Read-Host 'Product key (25 characters)' }\r\n")
		}
		if l.destructive {
			b.WriteString("Write-Host '  DESTRUCTIVE: make sure the key and the store are backed up.'\r\n")
		}
		fmt.Fprintf(&b, "if ((Read-Host 'Run this step? (y/n)') -eq 'y') { cmd /c %s }\r\n", psQuote(l.cmd))
	}
	return b.String()
}

func psSafe(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "'", "''"), "\n", " ") }

// psQuote passes a cmd.exe command line from PowerShell; $key and
// $PSScriptRoot are expanded, nothing else is.
func psQuote(s string) string {
	if strings.Contains(s, "$key") || strings.Contains(s, "$PSScriptRoot") {
		r := strings.NewReplacer("`", "``", "\"", "`\"", "$", "`$")
		q := r.Replace(s)
		q = strings.ReplaceAll(q, "`$key", "$key")
		q = strings.ReplaceAll(q, "`$PSScriptRoot", "$PSScriptRoot")
		return "\"" + q + "\""
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Localize returns an option's title, why and risks in lang.
func (o PlanOption) Localize(lang string, mask bool) (title, why, risks string) {
	c := planCatalog[o.Code]
	params := (&RestorePlan{}).params(o, mask)
	return render(map[string]message{"t": c.title}, lang, "t", params),
		render(map[string]message{"t": c.why}, lang, "t", params),
		render(map[string]message{"t": c.risks}, lang, "t", params)
}

// StepLocalized returns a plan step's text in lang.
func (o PlanOption) StepLocalized(s Step, lang string, mask bool) (text, command string) {
	return planText(lang, s.Code, (&RestorePlan{}).params(o, mask)), o.command(s, mask)
}

// safeToken keeps the characters an edition ID or build can hold.
func safeToken(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			b.WriteRune(r)
		}
		if b.Len() >= 64 {
			break
		}
	}
	return b.String()
}

// safeHost keeps the characters of a DNS name or IPv4 address.
func safeHost(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			b.WriteRune(r)
		}
		if b.Len() >= 253 {
			break
		}
	}
	return b.String()
}

// safePort keeps a TCP port number.
func safePort(s string) string {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 || n > 65535 {
		return ""
	}
	return strconv.Itoa(n)
}
