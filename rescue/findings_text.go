package rescue

// findingCatalog holds finding texts; keys are finding codes, or
// "code/variant" where a parameter selects the wording.
var findingCatalog = map[string]message{
	FindFirmwareEdition: {
		en: "the firmware (MSDM) key is for {firmware_edition} but {edition} is installed: Windows Setup picks the firmware edition by itself, so a clean install will come back as {firmware_edition} unless you choose the edition",
		fr: "la clé du micrologiciel (MSDM) est pour {firmware_edition} mais {edition} est installé : le programme d'installation choisit seul l'édition du micrologiciel, donc une réinstallation propre redonnera {firmware_edition} si vous ne choisissez pas l'édition",
	},
	FindKeyEdition: {
		en: "the installed key {key} is for {key_edition} but the installed edition is {edition}: this key cannot activate it",
		fr: "la clé installée {key} est pour {key_edition} mais l'édition installée est {edition} : cette clé ne peut pas l'activer",
	},
	FindEvaluation: {
		en: "{edition} is an evaluation edition: it stops working when the evaluation ends; convert it to {target} with a key for {target}",
		fr: "{edition} est une édition d'évaluation : elle cesse de fonctionner à la fin de l'évaluation ; convertissez-la en {target} avec une clé pour {target}",
	},
	FindGenericOnly + "/firmware": {
		en: "only the generic key {key} is installed; the firmware key of this machine is for {edition} and will activate it (also after a clean install)",
		fr: "seule la clé générique {key} est installée ; la clé du micrologiciel de cette machine est pour {edition} et l'activera (même après une réinstallation propre)",
	},
	FindGenericOnly + "/firmware-other-edition": {
		en: "only the generic key {key} is installed; the firmware key is for {firmware_edition}, not {edition}: activation needs a digital license or a key for {edition}",
		fr: "seule la clé générique {key} est installée ; la clé du micrologiciel est pour {firmware_edition}, pas {edition} : l'activation demande une licence numérique ou une clé pour {edition}",
	},
	FindGenericOnly + "/digital-license": {
		en: "only the generic key {key} is installed and this machine has no firmware key: activation relies on a digital license (hardware ID, linked to a Microsoft account if the owner signed in); it comes back after a reinstall of the same edition on the same hardware",
		fr: "seule la clé générique {key} est installée et cette machine n'a pas de clé dans le micrologiciel : l'activation repose sur une licence numérique (identifiant matériel, liée à un compte Microsoft si le propriétaire s'est connecté) ; elle revient après réinstallation de la même édition sur le même matériel",
	},
	FindGenericOnly + "/unknown-firmware": {
		en: "only the generic key {key} is installed: activation relies on a digital license or on the firmware (MSDM) key of the original machine, which is not in a disk image; run `actrescue firmware` on that machine",
		fr: "seule la clé générique {key} est installée : l'activation repose sur une licence numérique ou sur la clé du micrologiciel (MSDM) de la machine d'origine, absente d'une image disque ; lancez `actrescue firmware` sur cette machine",
	},
	FindRealKeyHistory: {
		en: "a non-generic key {key} survives in an older copy of Windows ({source}): it may be the owner's real key; back it up, then reinstall it if the current key does not activate",
		fr: "une clé non générique {key} subsiste dans une ancienne copie de Windows ({source}) : c'est peut-être la vraie clé du propriétaire ; sauvegardez-la, puis réinstallez-la si la clé actuelle n'active pas",
	},
	FindKMSNoHost: {
		en: "a KMS client key ({key}) is installed but no KMS host is configured: it activates only inside an organization that runs a KMS host found through DNS",
		fr: "une clé client KMS ({key}) est installée mais aucun hôte KMS n'est configuré : elle n'active que dans une organisation disposant d'un hôte KMS trouvé par DNS",
	},
	FindNoKey: {
		en: "no product key was found anywhere on this disk or in the firmware: it cannot be recovered from here; look for the Certificate of Authenticity sticker, the purchase e-mail or invoice, or ask the vendor; a digital license may still activate the same edition on the same hardware",
		fr: "aucune clé de produit n'a été trouvée sur ce disque ni dans le micrologiciel : elle n'est pas récupérable ici ; cherchez l'étiquette du certificat d'authenticité, le courriel ou la facture d'achat, ou demandez au vendeur ; une licence numérique peut encore activer la même édition sur le même matériel",
	},
}

// noteCatalog holds firmware notes.
var noteCatalog = map[string]message{
	CodeFirmwareNotHost: {
		en: "the targets are images or folders: their firmware (MSDM key) is not in them; run actrescue on the original machine, or pass its tables with `actrescue firmware --acpi FILE`",
		fr: "les cibles sont des images ou des dossiers : leur micrologiciel (clé MSDM) n'y est pas ; lancez actrescue sur la machine d'origine, ou passez ses tables avec `actrescue firmware --acpi FICHIER`",
	},
}

// NoteText renders a firmware note in lang.
func NoteText(lang, code string) string { return render(noteCatalog, lang, code, nil) }

var stepCatalog = map[string]message{
	"eicfg": {
		en: "to install {edition} from media on a machine whose firmware key is for another edition, create sources\\ei.cfg on the installation media with this content",
		fr: "pour installer {edition} depuis un support sur une machine dont la clé du micrologiciel est pour une autre édition, créez sources\\ei.cfg sur le support d'installation avec ce contenu",
	},
	"change-edition-key": {
		en: "or install, then enter a key for the wanted edition: Settings > System > Activation > Change product key",
		fr: "ou installez, puis saisissez une clé pour l'édition voulue : Paramètres > Système > Activation > Modifier la clé de produit",
	},
	"get-target-editions": {en: "list the editions this installation can become", fr: "listez les éditions que cette installation peut devenir"},
	"ipk-matching": {
		en: "install a key for {edition_target} (retail, OEM or MAK), then activate with slmgr /ato",
		fr: "installez une clé pour {edition_target} (commerce, OEM ou MAK), puis activez avec slmgr /ato",
	},
	"set-edition": {
		en: "convert the evaluation edition (reboots twice; back up first)",
		fr: "convertissez l'édition d'évaluation (deux redémarrages ; sauvegardez d'abord)",
	},
	"eval-reinstall": {
		en: "a client Enterprise evaluation cannot be converted: back up the data and reinstall {target} from licensed media",
		fr: "une évaluation Entreprise (client) ne peut pas être convertie : sauvegardez les données et réinstallez {target} depuis un support sous licence",
	},
	"firmware-activates": {en: "activate online", fr: "activez en ligne"},
	"troubleshooter": {
		en: "Settings > System > Activation > Troubleshoot, signed in with the owner's Microsoft account (\"I changed hardware on this device recently\" after a repair)",
		fr: "Paramètres > Système > Activation > Résoudre les problèmes, connecté avec le compte Microsoft du propriétaire (« J'ai changé de matériel récemment » après une réparation)",
	},
	"phone":          {en: "phone activation", fr: "activation par téléphone"},
	"check-firmware": {en: "on the original machine, read its firmware key", fr: "sur la machine d'origine, lisez la clé de son micrologiciel"},
	"backup-first":   {en: "back up the evidence before any change", fr: "sauvegardez les preuves avant toute modification"},
	"ipk-history":    {en: "install the key found there", fr: "installez la clé trouvée"},
	"ato":            {en: "activate online", fr: "activez en ligne"},
	"dns-srv": {
		en: "inside the organization: check that DNS publishes a KMS host",
		fr: "dans l'organisation : vérifiez que le DNS publie un hôte KMS",
	},
	"skms": {en: "or point the client at the KMS host", fr: "ou indiquez l'hôte KMS au client"},
	"port": {en: "check that TCP port 1688 is reachable", fr: "vérifiez que le port TCP 1688 est joignable"},
	"not-corporate": {
		en: "outside an organization a KMS client key never activates: install the owner's retail, OEM or MAK key",
		fr: "hors d'une organisation une clé client KMS n'active jamais : installez la clé commerce, OEM ou MAK du propriétaire",
	},
	"coa": {
		en: "look for the Certificate of Authenticity sticker (under the machine, in the battery bay, on the power supply of older desktops)",
		fr: "cherchez l'étiquette du certificat d'authenticité (sous la machine, dans le logement de la batterie, sur l'alimentation des anciens PC de bureau)",
	},
	"purchase": {
		en: "check the purchase e-mail, invoice or the Microsoft account's order history; otherwise ask the vendor",
		fr: "vérifiez le courriel d'achat, la facture ou l'historique des commandes du compte Microsoft ; sinon demandez au vendeur",
	},
}

// FindingMessage renders a finding in lang.
func FindingMessage(lang, code string, params map[string]string) string {
	key := code
	if b := params["basis"]; b != "" {
		key += "/" + b
	}
	return render(findingCatalog, lang, key, params)
}

// StepText renders a step in lang.
func StepText(lang, code string, params map[string]string) string {
	return render(stepCatalog, lang, code, params)
}

func render(cat map[string]message, lang, key string, params map[string]string) string {
	m, ok := cat[key]
	if !ok {
		return key
	}
	return m.fill(lang, params)
}

// Localize returns the finding's text in lang.
func (f Finding) Localize(lang string) string { return FindingMessage(lang, f.Code, f.Params) }

// Localize returns the step's text in lang.
func (s Step) Localize(lang string, params map[string]string) string {
	return StepText(lang, s.Code, params)
}
