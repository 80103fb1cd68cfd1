/* fuzz-perfetto.c: Perfetto protobuf traces (TracePacket streams).
 *
 * Byte 0: bit 0 strict, the rest seeds the chunk boundaries (the input is
 * parsed whole and in random chunks; both must agree). */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  IngestParserOptions options = { 0 };
  guint8 control;

  if (!fuzz_take_control (&data, &size, &control))
    return 0;

  options = fuzz_parser_options (INGEST_FORMAT_PERFETTO, "fuzz.pftrace", control, 8192, FALSE);
  fuzz_parse_both_ways (data, size, &options, control);
  return 0;
}
