package firmware

// ReadHost reads the running machine's MSDM, SLIC and DMI from sysfs.
// The ACPI tables and the serial number need root.
func ReadHost() *HostInfo {
	return ReadHostFrom("/")
}
