/* fuzz-native.c: the native NDJSON push parser (data/formats/native-ndjson.md).
 *
 * Byte 0: bit 0 strict, bit 1 tiny line bound (64 bytes), bit 2 tiny depth
 * bound (4), the rest seeds the chunk boundaries. The input is parsed whole
 * and in chunks (same outcome required), then what was accepted is written
 * back as native NDJSON and must read back strictly into as many events. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "ingest-native-writer.h"

static void
check_round_trip (const guint8 *data, gsize len)
{
  IngestParserOptions options = { 0 };
  g_autoptr(IngestStore) store = NULL, again = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  FuzzOutcome first, second;

  options.format = INGEST_FORMAT_NATIVE;
  options.max_line_bytes = 4096;
  store = fuzz_parse (data, len, &options, NULL, &first);
  FUZZ_CHECK (ingest_native_write (store, 0, out, &error));
  FUZZ_CHECK (g_output_stream_close (out, NULL, &error));

  options.strict = TRUE;
  options.max_line_bytes = 0;  /* written lines may be longer (payloads) */
  again = fuzz_parse (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                      g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                      &options, NULL, &second);
  if (!second.ok)
    fprintf (stderr, "written back, read back: %s\n", second.error_message);
  FUZZ_CHECK (second.ok);
  FUZZ_CHECK (second.n_events == first.n_events);
  FUZZ_CHECK (second.n_messages <= first.n_messages);
  /* Lossless: the record counts travel in the written header. */
  FUZZ_CHECK (second.counters.skipped_records == first.counters.skipped_records);
  FUZZ_CHECK (second.counters.lost_events == first.counters.lost_events);
  FUZZ_CHECK (second.counters.duplicate_events == first.counters.duplicate_events);
  fuzz_outcome_clear (&first);
  fuzz_outcome_clear (&second);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  IngestParserOptions options = { 0 };
  guint8 control;

  if (!fuzz_take_control (&data, &size, &control))
    return 0;

  options = fuzz_parser_options (INGEST_FORMAT_NATIVE, "fuzz.ndjson", control,
                                 (control & 2) ? 64 : 4096, TRUE);
  fuzz_parse_both_ways (data, size, &options, control);

  if (!options.strict)
    check_round_trip (data, size);
  return 0;
}
