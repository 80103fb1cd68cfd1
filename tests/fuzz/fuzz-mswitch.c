/* fuzz-mswitch.c: message-switch /trace bodies (shared/formats/message-switch.md):
 * the body splitter the client uses and the mswitch push parser.
 *
 * Byte 0: bit 0 strict, the rest seeds the chunk boundaries. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "ingest-source-mswitch.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  IngestParserOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) items = NULL;
  guint8 control;

  if (!fuzz_take_control (&data, &size, &control))
    return 0;

  /* The splitter: element ranges in bounds, in order, not overlapping, each
   * one a "[ID,{...}]" text; ids are non-negative. */
  items = ingest_mswitch_split_body ((const char *) data, size, &error);
  if (items == NULL)
    FUZZ_CHECK (error != NULL && error->domain == INGEST_ERROR);
  else
    {
      gsize prev_end = 0;
      FUZZ_CHECK (error == NULL);
      for (guint i = 0; i < items->len; i++)
        {
          const IngestMswitchItem *it = &g_array_index (items, IngestMswitchItem, i);
          FUZZ_CHECK (it->start >= prev_end && it->start < it->end && it->end <= size);
          FUZZ_CHECK (data[it->start] == '[' && data[it->end - 1] == ']');
          FUZZ_CHECK (it->id >= 0 && it->id < G_MAXINT64);
          prev_end = it->end;
        }
    }

  options = fuzz_parser_options (INGEST_FORMAT_MSWITCH, "fuzz-mswitch", control, 8192, FALSE);
  fuzz_parse_both_ways (data, size, &options, control);
  return 0;
}
