package image

import "testing"

func BenchmarkScan(b *testing.B) {
	img := fixture(b, "gpt-win11")
	var bytesRead, calls int64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tg := OpenBytes("gpt-win11", img)
		l, err := Scan(tg)
		if err != nil || len(l.Partitions) != 4 {
			b.Fatalf("Scan: %v", err)
		}
		bytesRead += tg.BytesRead()
		calls += tg.ReadCalls()
	}
	b.ReportMetric(float64(bytesRead)/float64(b.N), "bytes-read/op")
	b.ReportMetric(float64(calls)/float64(b.N), "read-calls/op")
}
