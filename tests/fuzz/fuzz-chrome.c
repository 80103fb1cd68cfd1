/* fuzz-chrome.c: Chrome Trace Event Format JSON (object or array form).
 *
 * Byte 0: bit 0 strict, bit 2 tiny depth bound (4), the rest seeds the
 * chunk boundaries. */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_parser_target (data, size, INGEST_FORMAT_CHROME, "fuzz.json", 8192, FALSE, TRUE);
}
