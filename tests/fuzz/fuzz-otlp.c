/* fuzz-otlp.c: OTLP JSON files (one ExportTraceServiceRequest per line) through the
 * parser (lines, jansson, the shared mapper), whole and in chunks.
 *
 * Byte 0: bit 0 strict, bit 1 64-byte line bound, bit 2 tiny depth bound
 * (4), the rest seeds the chunk boundaries. */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_parser_target (data, size, INGEST_FORMAT_OTLP, "fuzz.jsonl", 8192, TRUE, TRUE);
}
