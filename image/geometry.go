package image

import "encoding/binary"

// DISK_GEOMETRY_EX layout (winioctl.h), as IOCTL_DISK_GET_DRIVE_GEOMETRY_EX
// returns it: Geometry{Cylinders i64, MediaType u32, TracksPerCylinder u32,
// SectorsPerTrack u32, BytesPerSector u32}, then DiskSize i64.
const (
	geometryBytesPerSector = 20
	geometryDiskSize       = 24
	geometryMinLen         = 32
)

// parseGeometryEx decodes the size and logical sector size from a
// DISK_GEOMETRY_EX buffer. An implausible sector size falls back to 512;
// ok is false when the buffer is too short or the size is not positive.
func parseGeometryEx(b []byte) (size int64, sector int, ok bool) {
	if len(b) < geometryMinLen {
		return 0, 0, false
	}
	sector = 512
	if bs := int(binary.LittleEndian.Uint32(b[geometryBytesPerSector:])); bs >= 512 && bs <= 65536 && bs&(bs-1) == 0 {
		sector = bs
	}
	size = int64(binary.LittleEndian.Uint64(b[geometryDiskSize:]))
	if size <= 0 {
		return 0, sector, false
	}
	return size, sector, true
}

// parseLengthInfo decodes GET_LENGTH_INFORMATION (one i64).
func parseLengthInfo(b []byte) (int64, bool) {
	if len(b) < 8 {
		return 0, false
	}
	n := int64(binary.LittleEndian.Uint64(b))
	return n, n > 0
}
