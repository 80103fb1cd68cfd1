/* fuzz-chrome-gzip.c: gzip-compressed traces through the parser's format
 * auto-detection (Chrome JSON is what comes gzipped in practice, but the
 * detector sees every format).
 *
 * Byte 0: bit 0 strict, bit 1 two gzip members, the rest picks the
 * compression level and seeds chunk boundaries. The rest of the input is
 *   1. gzip-compressed here and parsed (whole and chunked): the result must
 *      match parsing the plain bytes;
 *   2. parsed raw, so truncated and corrupt gzip headers and streams (the
 *      seeds include some) are explored too. Decompressed output is bounded
 *      at 256 KiB so bombs hit the limit quickly. */
#include "config.h"

#include <string.h>
#include <zlib.h>

#include "fuzz-common.h"

static void
gzip_member (GByteArray *out, const guint8 *data, gsize len, int level)
{
  z_stream zs;
  guint8 buf[16384];
  int rc;

  memset (&zs, 0, sizeof zs);
  FUZZ_CHECK (deflateInit2 (&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  zs.next_in = (Bytef *) data;
  zs.avail_in = (uInt) len;
  do
    {
      zs.next_out = buf;
      zs.avail_out = sizeof buf;
      rc = deflate (&zs, Z_FINISH);
      FUZZ_CHECK (rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR);
      g_byte_array_append (out, buf, (guint) (sizeof buf - zs.avail_out));
    }
  while (rc != Z_STREAM_END);
  deflateEnd (&zs);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  IngestParserOptions options = { 0 };
  g_autoptr(GByteArray) gz = g_byte_array_new ();
  g_autoptr(IngestStore) plain_store = NULL, gz_store = NULL;
  FuzzOutcome plain, zipped;
  guint8 control;

  if (!fuzz_take_control (&data, &size, &control))
    return 0;

  options = fuzz_parser_options (INGEST_FORMAT_AUTO, "fuzz.json.gz", control, 8192, FALSE);
  options.max_decompressed = 256 * 1024;

  if ((control & 2) && size > 1)
    {
      gsize cut = (control >> 2) % size;
      gzip_member (gz, data, cut, 1 + (control >> 5));
      gzip_member (gz, data + cut, size - cut, 1 + (control >> 5));
    }
  else
    gzip_member (gz, data, size, 1 + (control >> 5));

  /* 1. Compressed: chunking must not matter, nor must compression. */
  fuzz_parse_both_ways (gz->data, gz->len, &options, control);
  plain_store = fuzz_parse (data, size, &options, NULL, &plain);
  gz_store = fuzz_parse (gz->data, gz->len, &options, NULL, &zipped);
  /* Only one gzip layer is looked through: input that is itself gzip
   * would differ, rightly. */
  if (size > 0 && data[0] != 0x1f)
    {
      FUZZ_CHECK (plain.ok == zipped.ok);
      FUZZ_CHECK (plain.format == zipped.format);
      FUZZ_CHECK (plain.n_events == zipped.n_events);
      FUZZ_CHECK (plain.n_records == zipped.n_records);
      FUZZ_CHECK (plain.n_skipped == zipped.n_skipped);
    }
  fuzz_outcome_clear (&plain);
  fuzz_outcome_clear (&zipped);

  /* 2. Raw: whatever the bytes are (corrupt gzip included). */
  fuzz_parse_both_ways (data, size, &options, control);
  return 0;
}
