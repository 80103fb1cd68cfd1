/* fuzz-xstate-file.c: XState inspection files (one event per line, both shapes) through the
 * parser (lines, jansson, the shared mapper), whole and in chunks.
 *
 * Byte 0: bit 0 strict, bit 1 64-byte line bound, bit 2 tiny depth bound
 * (4), the rest seeds the chunk boundaries. */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  IngestParserOptions options = { 0 };
  guint8 control;

  if (!fuzz_take_control (&data, &size, &control))
    return 0;

  options = fuzz_parser_options (INGEST_FORMAT_XSTATE, "fuzz.ndjson", control,
                                 (control & 2) ? 64 : 8192, TRUE);
  fuzz_parse_both_ways (data, size, &options, control);
  return 0;
}
