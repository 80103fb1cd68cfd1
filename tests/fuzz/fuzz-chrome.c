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

  fuzz_init ();
  if (size < 1)
    return 0;
  control = data[0];
  data++, size--;

  options.format = INGEST_FORMAT_CHROME;
  options.strict = (control & 1) != 0;
  options.source_name = "fuzz.json";
  options.max_line_bytes = 8192;
  options.max_depth = (control & 4) ? 4 : 0;
  options.max_kept_diagnostics = 4;
  fuzz_parse_both_ways (data, size, &options, control);
  return 0;
}
