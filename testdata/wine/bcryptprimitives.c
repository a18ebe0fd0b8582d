/* Test-only shim for Debian's wine 8.0, which lacks bcryptprimitives.dll:
 * the Go runtime (1.22+) needs ProcessPrng. It forwards to advapi32's
 * SystemFunction036 (RtlGenRandom). Built in CI, copied into the wine
 * prefix; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
