/* fuzz-perfetto.c: Perfetto protobuf traces (TracePacket streams).
 *
 * Byte 0: bit 0 strict, the rest seeds the chunk boundaries (the input is
 * parsed whole and in random chunks; both must agree). */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_parser_target (data, size, INGEST_FORMAT_PERFETTO, "fuzz.pftrace", 8192, FALSE, FALSE);
}
