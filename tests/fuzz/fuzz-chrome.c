/* fuzz-chrome.c: Chrome Trace Event Format JSON (object or array form).
 *
 * Byte 0: bit 0 strict, bit 2 tiny depth bound (4), the rest seeds the
 * chunk boundaries. */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  IngestParserOptions options = { 0 };
  guint8 control;

  if (!fuzz_take_control (&data, &size, &control))
    return 0;

  options = fuzz_parser_options (INGEST_FORMAT_CHROME, "fuzz.json", control, 8192, TRUE);
  fuzz_parse_both_ways (data, size, &options, control);
  return 0;
}
