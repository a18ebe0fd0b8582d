package rescue

import (
	"time"

	"github.com/actrescue/actrescue/license"
	"github.com/actrescue/actrescue/ntfs"
)

// SchemaVersion is the version of the JSON report. Bump it on any
// incompatible change and record the change in docs/report-schema.md.
const SchemaVersion = 2

// Report is the result of one scan over one or more targets.
type Report struct {
	SchemaVersion int             `json:"schema_version"`
	Tool          ToolInfo        `json:"tool"`
	GeneratedAt   time.Time       `json:"generated_at"`
	Masked        bool            `json:"masked"`
	Targets       []*TargetReport `json:"targets"`
	Firmware      *FirmwareReport `json:"firmware,omitempty"`
	Summary       Summary         `json:"summary"`
}

// ToolInfo identifies the binary that wrote a report.
type ToolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
}

// Summary counts what a report holds.
type Summary struct {
	Targets       int `json:"targets"`
	Installations int `json:"installations"`
	Keys          int `json:"keys"`
	Warnings      int `json:"warnings"`
	Errors        int `json:"errors"`
}

// TargetReport describes one scanned target: an image file, a block
// device, or a mounted Windows folder.
type TargetReport struct {
	Path          string             `json:"path"`
	Kind          string             `json:"kind"` // "image", "device", "folder", "memory"
	Size          int64              `json:"size,omitempty"`
	SectorSize    int                `json:"sector_size,omitempty"`
	Table         string             `json:"partition_table,omitempty"` // "gpt", "mbr", "none"
	DiskGUID      string             `json:"disk_guid,omitempty"`
	Partitions    []*PartitionReport `json:"partitions,omitempty"`
	Installations []*Installation    `json:"installations"`
	Warnings      []Warning          `json:"warnings,omitempty"`
	Error         *Problem           `json:"error,omitempty"`
	BytesRead     int64              `json:"bytes_read"`
	ReadCalls     int64              `json:"read_calls"`
	Elapsed       Duration           `json:"elapsed"`
}

// PartitionReport describes one partition (or the whole volume of an
// unpartitioned image).
type PartitionReport struct {
	Index      int    `json:"index"`
	Start      int64  `json:"start"`
	Size       int64  `json:"size"`
	Type       string `json:"type,omitempty"`
	Name       string `json:"name,omitempty"`
	GUID       string `json:"guid,omitempty"`
	Logical    bool   `json:"logical,omitempty"`
	Bootable   bool   `json:"bootable,omitempty"`
	Content    string `json:"content"` // ntfs, bitlocker, fat, exfat, other, empty, unreadable
	Label      string `json:"label,omitempty"`
	Windows    bool   `json:"windows_found"`
	Dirty      bool   `json:"ntfs_dirty,omitempty"`
	Hibernated string `json:"hibernation,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Installation is one Windows installation found on a volume.
type Installation struct {
	ID        string `json:"id"` // stable within a report: "1", "2", …
	Target    string `json:"target"`
	Partition int    `json:"partition"` // 0 for a folder or unpartitioned volume
	Root      string `json:"root"`      // e.g. `\Windows`, `\Windows.old\Windows`
	// Previous marks an installation kept in Windows.old* by an upgrade or
	// reset; Base is that folder.
	Previous bool   `json:"previous,omitempty"`
	Base     string `json:"base,omitempty"`
	// RegBack describes Windows\System32\config\RegBack.
	RegBack []*FileRecord `json:"regback,omitempty"`

	Name                   string     `json:"name"` // corrected marketing name, e.g. "Windows 11 Pro"
	ProductName            string     `json:"product_name"`
	EditionID              string     `json:"edition_id,omitempty"`
	CompositionEditionID   string     `json:"composition_edition_id,omitempty"`
	DisplayVersion         string     `json:"display_version,omitempty"`
	CurrentBuild           string     `json:"current_build,omitempty"`
	UBR                    uint32     `json:"ubr,omitempty"`
	Version                string     `json:"version,omitempty"` // 10.0.26100.2771
	InstallationType       string     `json:"installation_type,omitempty"`
	InstallDate            *time.Time `json:"install_date,omitempty"`
	InstallTime            *time.Time `json:"install_time,omitempty"`
	ProductID              string     `json:"product_id,omitempty"`
	RegisteredOwner        string     `json:"registered_owner,omitempty"`
	RegisteredOrganization string     `json:"registered_organization,omitempty"`
	ComputerName           string     `json:"computer_name,omitempty"`
	ProductType            string     `json:"product_type,omitempty"` // WinNT, ServerNT, LanmanNT
	Evaluation             bool       `json:"evaluation,omitempty"`

	TokenStore string       `json:"token_store,omitempty"` // SoftwareProtectionPlatform!TokenStore
	KMS        *KMSConfig   `json:"kms,omitempty"`
	Keys       []*KeyRecord `json:"keys"`
	// History lists the feature updates recorded under SYSTEM\Setup\Source
	// OS, oldest first.
	History  []*HistoryEntry `json:"history,omitempty"`
	SPPFiles []*FileRecord   `json:"spp_files"`
	// TokenStoreInfo is the parsed tokens.dat of the SPP store.
	TokenStoreInfo *TokenStoreReport `json:"token_store_info,omitempty"`
	Hives          []*HiveRecord     `json:"hives"`
	Warnings       []Warning         `json:"warnings,omitempty"`
	// Findings are diagnoses with next steps, most severe first.
	Findings []Finding `json:"findings,omitempty"`
	// Rollback is the "Go back" state (current installations only).
	Rollback *Rollback `json:"rollback,omitempty"`

	// PkeyConfigFiles lists the pkeyconfig files read on this installation.
	PkeyConfigFiles []string `json:"pkeyconfig_files,omitempty"`

	uninstallWindow uint32 // SYSTEM\Setup!UninstallWindow, days
	pkeys           []*license.PkeyConfig
	tokensRaw       []byte  // tokens.dat as read for its hash, parsed once then dropped
	fs              ntfs.FS // the volume, kept for a backup while the target is open
	base            string  // "" or "Windows.old…", volume-relative

}

// KMSConfig holds the KMS client settings of an installation.
type KMSConfig struct {
	Name string `json:"name,omitempty"`
	Port string `json:"port,omitempty"`
}

// KeyRecord is one distinct product key with every place it was found.
type KeyRecord struct {
	Key           string `json:"key"`    // masked when Report.Masked
	Format        string `json:"format"` // "pkey2009" (with N) or "legacy"
	ChecksumValid *bool  `json:"checksum_valid,omitempty"`
	Class         string `json:"class"` // generic, kms-client, unknown
	KnownProduct  string `json:"known_product,omitempty"`
	KnownEdition  string `json:"known_edition,omitempty"`
	Channel       string `json:"channel,omitempty"` // from DigitalProductId4, e.g. Retail, OEM:DM, Volume:GVLK
	Edition       string `json:"edition,omitempty"` // from DigitalProductId4
	ActivationID  string `json:"activation_id,omitempty"`
	PartNumber    string `json:"part_number,omitempty"`
	ProductID     string `json:"product_id,omitempty"`
	// Config is the installation's own pkeyconfig entry for the key;
	// ConfigNote says why there is none (no-pkeyconfig, not-in-pkeyconfig,
	// legacy-key).
	Config     *KeyConfig  `json:"config,omitempty"`
	ConfigNote string      `json:"config_note,omitempty"`
	Sources    []KeySource `json:"sources"`
}

// KeySource says where a key was read.
type KeySource struct {
	Kind string `json:"kind"` // DigitalProductId, DigitalProductId4, BackupProductKeyDefault, DefaultProductKey, DefaultProductKey2
	Path string `json:"path"` // hive file path on the volume plus registry path and value
}

// FileRecord is a file of activation evidence (SPP store, ClipSVC store).
type FileRecord struct {
	Role     string     `json:"role"` // tokens.dat, data.dat, cache.dat, clipsvc-tokens.dat, …
	Path     string     `json:"path"`
	Size     int64      `json:"size"`
	SHA256   string     `json:"sha256,omitempty"`
	MFTRef   string     `json:"mft_ref,omitempty"`
	Modified *time.Time `json:"modified,omitempty"`
	Error    string     `json:"error,omitempty"`
}

// HiveRecord describes a registry hive that was read.
type HiveRecord struct {
	Name      string     `json:"name"` // SOFTWARE, SYSTEM
	Path      string     `json:"path"`
	Size      int64      `json:"size"`
	Dirty     bool       `json:"dirty"`
	Sequences [2]uint32  `json:"sequences"`
	LastWrite *time.Time `json:"last_written,omitempty"`
	Error     string     `json:"error,omitempty"`
	// Replay says what the in-memory transaction-log replay of a dirty
	// hive did; the values shown come from the replayed hive.
	Replay *ReplayRecord `json:"replay,omitempty"`
}

// ReplayRecord summarizes a log replay.
type ReplayRecord struct {
	Applied  bool          `json:"applied"`
	Entries  []ReplayEntry `json:"entries,omitempty"`
	Pages    int           `json:"pages"`
	Sequence uint32        `json:"sequence,omitempty"`
	Rejected []string      `json:"rejected,omitempty"`
	Notes    []string      `json:"notes,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// ReplayEntry is one applied log entry.
type ReplayEntry struct {
	Log      string `json:"log"`
	Sequence uint32 `json:"sequence"`
	Pages    int    `json:"pages"`
}

// FirmwareReport is the firmware evidence of the machine actrescue runs on
// (or of table files the user named). It belongs to the host, never to a
// disk image: Note says so when the scan targets are images.
type FirmwareReport struct {
	Source string `json:"source"`
	Host   bool   `json:"host"`           // read from the running machine
	Note   string `json:"note,omitempty"` // English
	// NoteCode identifies Note for translation.
	NoteCode string        `json:"note_code,omitempty"`
	MSDM     *MSDMReport   `json:"msdm,omitempty"`
	SLIC     *SLICReport   `json:"slic,omitempty"`
	DMI      *DMIReport    `json:"dmi,omitempty"`
	Errors   []SourceError `json:"errors,omitempty"`
}

// SourceError is one part of the firmware that could not be read.
type SourceError struct {
	Part    string `json:"part"` // msdm, slic, dmi, file
	Missing bool   `json:"missing,omitempty"`
	Message string `json:"message"`
}

// MSDMReport is the OEM Activation 3.0 key embedded in the firmware.
type MSDMReport struct {
	Key             *KeyRecord `json:"key,omitempty"`
	Version         uint32     `json:"version"`
	DataType        uint32     `json:"data_type"`
	OEMID           string     `json:"oem_id"`
	OEMTableID      string     `json:"oem_table_id"`
	TableChecksumOK bool       `json:"table_checksum_ok"`
	Warnings        []string   `json:"warnings,omitempty"`
	Error           string     `json:"error,omitempty"`
}

// SLICReport is the OEM Activation 2.x marker (Vista/7 era).
type SLICReport struct {
	Version         string   `json:"version,omitempty"` // e.g. "2.1"
	OEMID           string   `json:"oem_id"`
	OEMTableID      string   `json:"oem_table_id"`
	MarkerOEMID     string   `json:"marker_oem_id,omitempty"`
	MarkerTableID   string   `json:"marker_oem_table_id,omitempty"`
	OEMIDMatch      bool     `json:"oem_id_match"`
	TableIDMatch    bool     `json:"oem_table_id_match"`
	TableChecksumOK bool     `json:"table_checksum_ok"`
	Warnings        []string `json:"warnings,omitempty"`
	Error           string   `json:"error,omitempty"`
}

// DMIReport identifies the machine for an OEM support case.
type DMIReport struct {
	Vendor           string `json:"vendor,omitempty"`
	Product          string `json:"product,omitempty"`
	Version          string `json:"version,omitempty"`
	Serial           string `json:"serial,omitempty"`
	SerialUnreadable bool   `json:"serial_unreadable,omitempty"`
	SKU              string `json:"sku,omitempty"`
	BIOSVendor       string `json:"bios_vendor,omitempty"`
	BIOSVersion      string `json:"bios_version,omitempty"`
	BIOSDate         string `json:"bios_date,omitempty"`
	BoardVendor      string `json:"board_vendor,omitempty"`
	BoardName        string `json:"board_name,omitempty"`
}

// Severity orders warnings.
type Severity string

// Severities.
const (
	SevInfo    Severity = "info"
	SevWarning Severity = "warning"
	SevError   Severity = "error"
)

// Warning is a condition the user should know about. Code is stable and
// selects the localized message; Where names the place; Params fill the
// message template.
type Warning struct {
	Code     string            `json:"code"`
	Severity Severity          `json:"severity"`
	Where    string            `json:"where,omitempty"`
	Message  string            `json:"message"` // English, filled from Code
	Params   map[string]string `json:"params,omitempty"`
}

// Problem is a failure that stopped a whole target.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Duration marshals as seconds with millisecond precision.
type Duration time.Duration
