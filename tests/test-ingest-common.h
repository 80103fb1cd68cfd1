/* test-ingest-common.h: what the ingest format tests share: feeding a trace
 * text to a parser in chunks, the way a pipe or socket delivers it. */
#pragma once

#include <glib.h>

#include "ingest-parser.h"

/* Parses len bytes of text into a new store, fed step bytes at a time
 * (0 = all at once), with opts (borrowed). Returns the store (owned by the
 * caller), or NULL with error set when a feed or the finish fails.
 * *parser_out (may be NULL) gets the parser either way (owned by the caller,
 * ingest_parser_free()); without it the parser is freed here. */
static inline IngestStore *
test_ingest_parse (const char *text, gsize len, gsize step, const IngestParserOptions *opts,
                   IngestParser **parser_out, GError **error)
{
  IngestStore *store = ingest_store_new ();
  IngestParser *parser = ingest_parser_new (store, opts);
  gboolean ok = TRUE;

  if (step == 0)
    step = MAX (len, 1);
  for (gsize off = 0; ok && off < len; off += step)
    ok = ingest_parser_feed (parser, (const guint8 *) text + off, MIN (step, len - off), error);
  if (ok)
    ok = ingest_parser_finish (parser, error);
  if (parser_out)
    *parser_out = parser;
  else
    ingest_parser_free (parser);
  if (!ok)
    {
      ingest_store_free (store);
      return NULL;
    }
  return store;
}
