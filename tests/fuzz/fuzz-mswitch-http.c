/* fuzz-mswitch-http.c: the message-switch client's handling of answers to
 * its /trace long polls, as ingest-source-mswitch.c does it:
 * ingest_mswitch_parse_response on the bytes received so far (read in
 * chunks, eof at the end), then for a 200 answer the body goes through
 * ingest_mswitch_split_body, overlapping ids are dropped, and what is kept is
 * fed to the session's one mswitch parser.
 *
 * Input: byte 0 seeds the read boundaries; the rest is one or more answers
 * (one per poll, i.e. per connection) separated by the line "~~~". */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "ingest-source-mswitch.h"

#define MAX_BODY (64 * 1024)
#define SEPARATOR "\n~~~\n"

typedef struct {
  IngestStore *store;
  IngestParser *parser;
  gint64 next;
  guint64 duplicates;
} Client;

/* handle_body of ingest-source-mswitch.c. */
static void
client_handle_body (Client *c, const char *body, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) items = ingest_mswitch_split_body (body, len, &error);
  g_autoptr(GString) kept = NULL;
  gint64 next = c->next;
  guint n_kept = 0;
  gsize prev_end = 0;

  if (items == NULL)
    {
      FUZZ_CHECK (error != NULL && error->domain == INGEST_ERROR);
      return;
    }
  if (items->len == 0)
    return;
  if (next >= 0 && g_array_index (items, IngestMswitchItem, 0).id < next)
    next = -1;  /* broker restart */
  kept = g_string_new ("{\"events\":[");
  for (guint i = 0; i < items->len; i++)
    {
      IngestMswitchItem *it = &g_array_index (items, IngestMswitchItem, i);
      FUZZ_CHECK (it->start >= prev_end && it->start < it->end && it->end <= len);
      FUZZ_CHECK (it->id >= 0 && it->id < G_MAXINT64);
      prev_end = it->end;
      if (next >= 0 && it->id < next)
        {
          c->duplicates++;
          ingest_store_counters (c->store)->duplicate_events++;
          continue;
        }
      if (n_kept++ > 0)
        g_string_append_c (kept, ',');
      g_string_append_len (kept, body + it->start, (gssize) (it->end - it->start));
      next = it->id + 1;
    }
  g_string_append (kept, "]}\n");
  c->next = next;
  if (n_kept == 0)
    return;
  if (c->parser == NULL)
    {
      IngestParserOptions popts = { 0 };
      popts.format = INGEST_FORMAT_MSWITCH;
      popts.source_name = "fuzz-mswitch-http";
      popts.max_line_bytes = MAX_BODY + 64;
      c->parser = ingest_parser_new (c->store, &popts);
    }
  if (!ingest_parser_feed (c->parser, (const guint8 *) kept->str, kept->len, &error))
    {
      FUZZ_CHECK (error != NULL && error->domain == INGEST_ERROR);
      g_clear_pointer (&c->parser, ingest_parser_free);
    }
}

/* One poll: the answer arrives in chunks; on_read/try_complete of the client. */
static void
client_poll (Client *c, const char *data, gsize len, FuzzRng *rng)
{
  gsize have = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      IngestMswitchResponse resp;
      gboolean eof;
      IngestMswitchHttp r;

      if (have < len)
        have += fuzz_rng_chunk (rng, len - have);
      eof = have == len && (fuzz_rng_next (rng) & 1);  /* a last read of 0 bytes, or not yet */
      r = ingest_mswitch_parse_response (data, have, eof, &resp, &error);
      switch (r)
        {
        case INGEST_MSWITCH_HTTP_INCOMPLETE:
          FUZZ_CHECK (error == NULL);
          FUZZ_CHECK (!eof);
          if (have == len)
            {
              /* The peer closes: the final read returns 0. */
              r = ingest_mswitch_parse_response (data, have, TRUE, &resp, &error);
              FUZZ_CHECK (r != INGEST_MSWITCH_HTTP_INCOMPLETE);
              if (r == INGEST_MSWITCH_HTTP_BAD)
                {
                  FUZZ_CHECK (error != NULL && error->domain == INGEST_ERROR);
                  return;
                }
              break;
            }
          continue;
        case INGEST_MSWITCH_HTTP_BAD:
          FUZZ_CHECK (error != NULL && error->domain == INGEST_ERROR);
          FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
          return;
        case INGEST_MSWITCH_HTTP_COMPLETE:
          break;
        default:
          FUZZ_CHECK (!"unknown parse result");
        }
      FUZZ_CHECK (error == NULL);
      FUZZ_CHECK (resp.status >= 0 && resp.status <= 999);
      FUZZ_CHECK (resp.body_offset >= 16 && resp.body_offset <= have);
      FUZZ_CHECK (resp.body_len <= have - resp.body_offset);
      FUZZ_CHECK (resp.content_length < 0 || (gsize) resp.content_length == resp.body_len);
      FUZZ_CHECK (memcmp (data + resp.body_offset - 4, "\r\n\r\n", 4) == 0);
      if (resp.status == 200)
        client_handle_body (c, data + resp.body_offset, resp.body_len);
      return;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Client c = { 0 };
  FuzzRng rng;
  const char *text;
  gsize start = 0;

  fuzz_init ();
  if (size < 1)
    return 0;
  fuzz_rng_init (&rng, data + 1, size - 1, data[0]);
  text = (const char *) data + 1;
  size--;

  c.store = ingest_store_new ();
  c.next = -1;
  while (start < size)
    {
      const char *sep = memmem (text + start, size - start, SEPARATOR, strlen (SEPARATOR));
      gsize end = sep != NULL ? (gsize) (sep - text) : size;

      client_poll (&c, text + start, end - start, &rng);
      start = sep != NULL ? end + strlen (SEPARATOR) : size;
    }
  if (c.parser != NULL)
    {
      g_autoptr(GError) error = NULL;
      if (!ingest_parser_finish (c.parser, &error))
        FUZZ_CHECK (error != NULL && error->domain == INGEST_ERROR);
    }
  g_clear_pointer (&c.parser, ingest_parser_free);
  fuzz_check_store (c.store);
  /* The parser drops overlaps the client let through too (same ids, no
   * later time), so the store counts at least what the client dropped. */
  FUZZ_CHECK (ingest_store_counters (c.store)->duplicate_events >= c.duplicates);
  ingest_store_free (c.store);
  return 0;
}
