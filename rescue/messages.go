package rescue

import (
	"sort"
	"strings"
)

// Warning and problem codes. Each has an English and a French message in
// the catalog below; a test enforces both.
const (
	CodeBitLocker         = "bitlocker-locked"
	CodeHibernated        = "volume-hibernated"
	CodeVolumeDirty       = "volume-dirty"
	CodeHiveDirty         = "hive-dirty"
	CodeHiveUnreadable    = "hive-unreadable"
	CodePartitionError    = "partition-unreadable"
	CodeVolumeError       = "volume-unreadable"
	CodeTableWarning      = "partition-table"
	CodeNoWindows         = "no-windows"
	CodeTargetError       = "target-unreadable"
	CodePermission        = "permission-denied"
	CodeKeyMissing        = "key-missing"
	CodeKeyUnreadable     = "key-unreadable"
	CodeSPPFileError      = "spp-file-unreadable"
	CodeNoSPPStore        = "spp-store-missing"
	CodeFirmwareNotHost   = "firmware-not-host"
	CodeInstallIncomplete = "install-incomplete"
	CodeTooManyPartitions = "too-many-partitions"
	CodeSystemHiveMissing = "system-hive-missing"
	CodeEvaluationEdition = "evaluation-edition"
	CodeGenericKeyOnly    = "generic-key-only"
	CodeHiveReplayed      = "hive-logs-replayed"
	CodeImageWarning      = "image-container"
	CodeBackupBoot        = "boot-sector-backup-used"
	CodeLogRejected       = "hive-log-rejected"
)

type message struct{ en, fr string }

// catalog holds every user-facing warning text. Placeholders {name} are
// replaced by Params.
var catalog = map[string]message{
	CodeBitLocker: {
		en: "partition {partition} is BitLocker-encrypted and cannot be read: unlock it first (Windows/WinPE: manage-bde -unlock; Linux: dislocker or cryptsetup open --type bitlk) and point actrescue at the unlocked volume",
		fr: "la partition {partition} est chiffrée par BitLocker et illisible : déverrouillez-la d'abord (Windows/WinPE : manage-bde -unlock ; Linux : dislocker ou cryptsetup open --type bitlk) puis pointez actrescue sur le volume déverrouillé",
	},
	CodeHibernated: {
		en: "volume {partition} is hibernated or was shut down with Fast Startup (hiberfil.sys header {header}): the registry on disk may be older than the running system's; actrescue only reads, but do not mount it read-write from Linux",
		fr: "le volume {partition} est en veille prolongée ou a été arrêté avec le démarrage rapide (en-tête hiberfil.sys {header}) : le registre sur le disque peut être plus ancien que celui du système en cours ; actrescue ne fait que lire, mais ne le montez pas en écriture sous Linux",
	},
	CodeVolumeDirty: {
		en: "NTFS volume {partition} is marked dirty (not cleanly unmounted): some recent changes may be missing; run chkdsk only after a backup",
		fr: "le volume NTFS {partition} est marqué « sale » (démontage incorrect) : des modifications récentes peuvent manquer ; ne lancez chkdsk qu'après une sauvegarde",
	},
	CodeHiveDirty: {
		en: "hive {path} is dirty (sequence numbers {primary}/{secondary}): its transaction logs hold newer data that is not applied yet; values shown may be older",
		fr: "la ruche {path} est « sale » (numéros de séquence {primary}/{secondary}) : ses journaux de transactions contiennent des données plus récentes non appliquées ; les valeurs affichées peuvent être plus anciennes",
	},
	CodeHiveUnreadable: {
		en: "hive {path} could not be read: {error}",
		fr: "la ruche {path} n'a pas pu être lue : {error}",
	},
	CodePartitionError: {
		en: "partition {partition} could not be read: {error}",
		fr: "la partition {partition} n'a pas pu être lue : {error}",
	},
	CodeVolumeError: {
		en: "NTFS volume on partition {partition} could not be opened: {error}; the disk may be failing: image it first (ddrescue) and scan the image",
		fr: "le volume NTFS de la partition {partition} n'a pas pu être ouvert : {error} ; le disque est peut-être défaillant : faites-en d'abord une image (ddrescue) et analysez l'image",
	},
	CodeTableWarning: {
		en: "partition table: {detail}",
		fr: "table de partitions : {detail}",
	},
	CodeNoWindows: {
		en: "no Windows installation found on {target} (no readable Windows\\System32\\config\\SOFTWARE)",
		fr: "aucune installation de Windows trouvée sur {target} (pas de Windows\\System32\\config\\SOFTWARE lisible)",
	},
	CodeTargetError: {
		en: "cannot read {target}: {error}",
		fr: "impossible de lire {target} : {error}",
	},
	CodePermission: {
		en: "permission denied on {target}: run as root (sudo actrescue scan {target}) or, on Windows, from an elevated prompt or WinPE",
		fr: "accès refusé à {target} : lancez en root (sudo actrescue scan {target}) ou, sous Windows, depuis une invite administrateur ou WinPE",
	},
	CodeKeyMissing: {
		en: "{value} holds no product key (cleared by slmgr /cpky, or never stored)",
		fr: "{value} ne contient aucune clé de produit (effacée par slmgr /cpky, ou jamais enregistrée)",
	},
	CodeKeyUnreadable: {
		en: "{value} could not be decoded: {error}",
		fr: "{value} n'a pas pu être décodé : {error}",
	},
	CodeSPPFileError: {
		en: "SPP store file {path} could not be read: {error}",
		fr: "le fichier du magasin SPP {path} n'a pas pu être lu : {error}",
	},
	CodeNoSPPStore: {
		en: "no SPP token store found under {path}: the licence store was deleted or never created; a backup cannot include it",
		fr: "aucun magasin de jetons SPP trouvé sous {path} : le magasin de licences a été supprimé ou jamais créé ; une sauvegarde ne pourra pas l'inclure",
	},
	CodeFirmwareNotHost: {
		en: "firmware tables (MSDM/SLIC) belong to the machine running actrescue, not to the image {target}: run actrescue firmware on the original machine",
		fr: "les tables du micrologiciel (MSDM/SLIC) appartiennent à la machine qui exécute actrescue, pas à l'image {target} : lancez actrescue firmware sur la machine d'origine",
	},
	CodeInstallIncomplete: {
		en: "installation {root}: {detail}",
		fr: "installation {root} : {detail}",
	},
	CodeTooManyPartitions: {
		en: "only the first {max} partitions were scanned",
		fr: "seules les {max} premières partitions ont été analysées",
	},
	CodeSystemHiveMissing: {
		en: "SYSTEM hive {path} could not be read ({error}): computer name and product type are unknown",
		fr: "la ruche SYSTEM {path} n'a pas pu être lue ({error}) : nom de l'ordinateur et type de produit inconnus",
	},
	CodeEvaluationEdition: {
		en: "{edition} is an evaluation edition: it cannot be activated with a retail or volume key as is; convert it with DISM /online /Set-Edition",
		fr: "{edition} est une édition d'évaluation : elle ne peut pas être activée telle quelle avec une clé commerciale ou en volume ; convertissez-la avec DISM /online /Set-Edition",
	},
	CodePkeyConfigError: {
		en: "pkeyconfig file {path} could not be read: {error}; keys are shown without their edition and channel from this installation",
		fr: "le fichier pkeyconfig {path} n'a pas pu être lu : {error} ; les clés sont affichées sans l'édition ni le canal de cette installation",
	},
	CodeActivationMismatch: {
		en: "the activation ID stored with key {key} ({dpid4}) differs from the one this installation's pkeyconfig gives for it ({config}, {edition}): the stored product ID data may be damaged or come from another installation",
		fr: "l'ID d'activation enregistré avec la clé {key} ({dpid4}) diffère de celui que donne le pkeyconfig de cette installation ({config}, {edition}) : les données d'ID de produit sont peut-être endommagées ou proviennent d'une autre installation",
	},
	CodeHiveReplayed: {
		en: "hive {path} was dirty: {entries} transaction-log entries ({pages} pages) from {logs} were applied in memory, up to sequence {sequence}; the files on disk were not changed and the values shown are the recovered ones",
		fr: "la ruche {path} était « sale » : {entries} entrées de journal ({pages} pages) de {logs} ont été appliquées en mémoire, jusqu'à la séquence {sequence} ; les fichiers sur le disque n'ont pas été modifiés et les valeurs affichées sont celles récupérées",
	},
	CodeLogRejected: {
		en: "a transaction log of {path} was refused: {reason}; the primary hive is used as is",
		fr: "un journal de transactions de {path} a été refusé : {reason} ; la ruche principale est utilisée telle quelle",
	},
	CodeBackupBoot: {
		en: "the NTFS boot sector of {partition} is damaged: its backup copy (the volume's last sector) was used, in memory only; the disk may be failing: image it (ddrescue) before any repair",
		fr: "le secteur d'amorçage NTFS de {partition} est endommagé : sa copie de secours (dernier secteur du volume) a été utilisée, en mémoire seulement ; le disque est peut-être défaillant : faites-en une image (ddrescue) avant toute réparation",
	},
	CodeImageWarning: {
		en: "disk image {target}: {detail}; reading continues where safe",
		fr: "image disque {target} : {detail} ; la lecture continue là où c'est sûr",
	},
	CodeTokenStoreCorrupt: {
		en: "the licence store {path} is damaged: {detail}; Windows reports 0xC004F012 or 0x8004E108 with such a store: back it up as is, then rebuild it (slmgr /rilc) only after the backup",
		fr: "le magasin de licences {path} est endommagé : {detail} ; Windows signale 0xC004F012 ou 0x8004E108 avec un tel magasin : sauvegardez-le tel quel, puis reconstruisez-le (slmgr /rilc) seulement après la sauvegarde",
	},
	CodeTokenStoreNoSKU: {
		en: "the licence store {path} holds no licence for the installed key's SKU ({sku}, {edition}): the store was rebuilt or belongs to another edition; activation will fail until the licences are reinstalled (slmgr /rilc)",
		fr: "le magasin de licences {path} ne contient aucune licence pour la référence de la clé installée ({sku}, {edition}) : il a été reconstruit ou appartient à une autre édition ; l'activation échouera tant que les licences ne seront pas réinstallées (slmgr /rilc)",
	},
	CodeRegBackEmpty: {
		en: "the registry backups in {path} are empty files: Windows 10 1803 and later no longer fill RegBack (by design), so no older copy of the hives is there",
		fr: "les sauvegardes du registre dans {path} sont des fichiers vides : depuis Windows 10 1803, RegBack n'est plus rempli (comportement voulu), il n'y a donc pas de copie plus ancienne des ruches",
	},
	CodeGenericKeyOnly: {
		en: "only a generic key ({key}) is installed: it never activates by itself; activation relies on a digital license or a firmware (MSDM) key",
		fr: "seule une clé générique ({key}) est installée : elle n'active jamais Windows à elle seule ; l'activation repose sur une licence numérique ou une clé du micrologiciel (MSDM)",
	},
}

// Message renders the text for code in lang ("en" or "fr"), filling params.
// An unknown code renders as the code itself followed by its parameters so
// nothing is silently lost.
func Message(lang, code string, params map[string]string) string {
	m, ok := catalog[code]
	if !ok {
		keys := make([]string, 0, len(params))
		for k := range params {
			keys = append(keys, k+"="+params[k])
		}
		sort.Strings(keys)
		return code + " " + strings.Join(keys, " ")
	}
	return m.fill(lang, params)
}

// fill picks the language and replaces every {name} in one pass, so that a
// value read from the disk that itself contains "{other}" is not expanded.
func (m message) fill(lang string, params map[string]string) string {
	text := m.en
	if lang == "fr" {
		text = m.fr
	}
	if len(params) == 0 {
		return text
	}
	pairs := make([]string, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// Localize returns the warning's text in lang.
func (w Warning) Localize(lang string) string { return Message(lang, w.Code, w.Params) }

func newWarning(sev Severity, code, where string, params map[string]string) Warning {
	return Warning{Code: code, Severity: sev, Where: where, Params: params, Message: Message("en", code, params)}
}
