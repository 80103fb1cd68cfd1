/* test-ingest-parser.c: the parser front: detection, forcing, gzip (split
 * magic, multi-member, corrupt, bomb bound), odd inputs, load_file with
 * progress. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "ingest-parser.h"
#include "test-util.h"

static const char native_text[] = "{\"ts\":1,\"ev\":\"mark\",\"text\":\"a\"}\n{\"ts\":2,\"ev\":\"mark\",\"text\":\"b\"}\n";

static GBytes *
gzip (const char *data, gsize len)
{
  z_stream zs = { 0 };
  gsize cap = compressBound (len) + 64;
  guint8 *out = g_malloc (cap);
  assert_int_equal (deflateInit2 (&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = (Bytef *) data;
  zs.avail_in = len;
  zs.next_out = out;
  zs.avail_out = cap;
  assert_int_equal (deflate (&zs, Z_FINISH), Z_STREAM_END);
  deflateEnd (&zs);
  return g_bytes_new_take (out, zs.total_out);
}

static void
test_detect (void **state)
{
  struct { const char *text; IngestFormat f; } cases[] = {
    { "", INGEST_FORMAT_AUTO },
    { "  \n", INGEST_FORMAT_AUTO },
    { "[{\"ph\":\"X\"}]", INGEST_FORMAT_CHROME },
    { "{\"traceEvents\":[", INGEST_FORMAT_CHROME },
    { "\xEF\xBB\xBF {\"displayTimeUnit\":\"ms\"", INGEST_FORMAT_CHROME },
    { "{\"events\":[[0,", INGEST_FORMAT_MSWITCH },
    { "{\"ts\":1,\"ev\":\"mark\"}\n", INGEST_FORMAT_NATIVE },
    { "{\"actorscope\":1}\n", INGEST_FORMAT_NATIVE },
    /* XState's type may follow other keys: native waits for its line */
    { "{\"ts\":1,", INGEST_FORMAT_AUTO },
    { "{\"trace", INGEST_FORMAT_AUTO },
    { "hello", INGEST_FORMAT_NATIVE },
  };
  IngestFormat f;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_int_equal (ingest_format_detect ((const guint8 *) cases[i].text, strlen (cases[i].text)), cases[i].f);
  assert_true (ingest_format_from_string ("message-switch", &f));
  assert_int_equal (f, INGEST_FORMAT_MSWITCH);
  assert_true (ingest_format_from_string ("Chrome", &f));
  assert_int_equal (f, INGEST_FORMAT_CHROME);
  assert_false (ingest_format_from_string ("xml", &f));
  assert_string_equal (ingest_format_to_string (INGEST_FORMAT_NATIVE), "native");
}

static void
test_forced_and_odd_inputs (void **state)
{
  g_autoptr (IngestStore) store = ingest_store_new ();
  g_autoptr (GError) error = NULL;
  IngestParserOptions opts = { .format = INGEST_FORMAT_CHROME, .source_name = "x" };
  IngestParser *p = ingest_parser_new (store, &opts);

  /* forced chrome on native text: a clear error, not a crash */
  assert_false (ingest_parser_feed (p, (const guint8 *) native_text, strlen (native_text), &error)
                && ingest_parser_finish (p, &error));
  assert_non_null (error);
  assert_true (g_str_has_prefix (error->message, "x:"));
  /* after failing, the parser refuses more */
  g_clear_error (&error);
  assert_false (ingest_parser_feed (p, (const guint8 *) "x", 1, &error));
  ingest_parser_free (p);
  g_clear_error (&error);

  /* empty input, one-byte input, NUL bytes */
  p = ingest_parser_new (store, NULL);
  assert_true (ingest_parser_finish (p, NULL));
  ingest_parser_free (p);
  p = ingest_parser_new (store, NULL);
  assert_true (ingest_parser_feed (p, (const guint8 *) "\n", 1, NULL));
  assert_true (ingest_parser_finish (p, NULL));
  ingest_parser_free (p);
  /* input that starts with NUL bytes is binary: refused as a whole */
  p = ingest_parser_new (store, NULL);
  assert_true (ingest_parser_feed (p, (const guint8 *) "\0\0\0\n\0{}", 7, NULL));
  assert_false (ingest_parser_finish (p, &error));
  assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_FORMAT));
  g_clear_error (&error);
  ingest_parser_free (p);
  /* NUL bytes in later native lines: those records are skipped */
  p = ingest_parser_new (store, NULL);
  assert_true (ingest_parser_feed (p, (const guint8 *) native_text, strlen (native_text), NULL));
  assert_true (ingest_parser_feed (p, (const guint8 *) "\0\0\0\n\0{}", 7, NULL));
  assert_true (ingest_parser_finish (p, NULL));
  assert_int_equal (ingest_parser_n_skipped (p), 2);
  ingest_parser_free (p);
}

/* A Perfetto protobuf trace (what Chromium writes unless asked for JSON):
 * one clear error naming the input, not thousands of "lines", even when the
 * bytes come one at a time; text that merely starts badly stays native. */
static void
test_binary_refused (void **state)
{
  static const guint8 protobuf[] = { 0x0a, 0x64, 0x32, 0x5b, 0x10, 0x03, 0x0a, 0x0a, 0x08, 0x06,
                                     0x10, 0x91, 0xa6, 0xe2, 0x85, 0xe9, 0x9a, 0x01, 0x0a, 0x0c };
  for (int bytewise = 0; bytewise < 2; bytewise++)
    {
      g_autoptr (IngestStore) store = ingest_store_new ();
      g_autoptr (GError) error = NULL;
      IngestParserOptions opts = { .source_name = "startup.pftrace" };
      IngestParser *p = ingest_parser_new (store, &opts);
      gboolean ok = TRUE;
      for (int rep = 0; rep < 8 && ok; rep++)
        {
          if (bytewise)
            for (gsize i = 0; i < sizeof protobuf && ok; i++)
              ok = ingest_parser_feed (p, protobuf + i, 1, &error);
          else
            ok = ingest_parser_feed (p, protobuf, sizeof protobuf, &error);
        }
      if (ok)
        ok = ingest_parser_finish (p, &error);
      assert_false (ok);
      assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_FORMAT));
      assert_true (g_str_has_prefix (error->message, "startup.pftrace: binary data"));
      assert_int_equal (ingest_parser_n_skipped (p), 0);
      ingest_parser_free (p);
    }

  /* short binary input only seen at finish */
  {
    g_autoptr (IngestStore) store = ingest_store_new ();
    g_autoptr (GError) error = NULL;
    IngestParser *p = ingest_parser_new (store, NULL);
    assert_true (ingest_parser_feed (p, protobuf, 6, &error));
    assert_false (ingest_parser_finish (p, &error));
    assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_FORMAT));
    ingest_parser_free (p);
  }

  /* a text file whose first line is not JSON is still read as native */
  {
    g_autoptr (IngestStore) store = ingest_store_new ();
    IngestParser *p = ingest_parser_new (store, NULL);
    const char *text = "hello\n{\"ts\":1,\"ev\":\"mark\",\"text\":\"x\"}\n";
    for (const char *c = text; *c; c++)
      assert_true (ingest_parser_feed (p, (const guint8 *) c, 1, NULL));
    assert_true (ingest_parser_finish (p, NULL));
    assert_int_equal (ingest_parser_get_format (p), INGEST_FORMAT_NATIVE);
    assert_int_equal (ingest_parser_n_skipped (p), 1);
    assert_int_equal (ingest_store_n_events (store), 1);
    ingest_parser_free (p);
  }
}

static void
test_gzip (void **state)
{
  g_autoptr (GBytes) gz = gzip (native_text, strlen (native_text));
  gsize len;
  const guint8 *data = g_bytes_get_data (gz, &len);
  g_autoptr (GByteArray) two = g_byte_array_new ();

  /* every split, including inside the 2-byte magic */
  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autoptr (IngestStore) store = ingest_store_new ();
      g_autoptr (IngestParser) p = ingest_parser_new (store, NULL);
      assert_true (ingest_parser_feed (p, data, cut, NULL));
      assert_true (ingest_parser_feed (p, data + cut, len - cut, NULL));
      assert_true (ingest_parser_finish (p, NULL));
      assert_int_equal (ingest_store_n_events (store), 2);
      assert_int_equal (ingest_parser_get_format (p), INGEST_FORMAT_NATIVE);
      assert_int_equal (ingest_parser_n_bytes (p), len);
    }
  /* two members = one stream */
  g_byte_array_append (two, data, len);
  g_byte_array_append (two, data, len);
  {
    g_autoptr (IngestStore) store = ingest_store_new ();
    g_autoptr (IngestParser) p = ingest_parser_new (store, NULL);
    assert_true (ingest_parser_feed (p, two->data, two->len, NULL));
    assert_true (ingest_parser_finish (p, NULL));
    assert_int_equal (ingest_store_n_events (store), 4);
  }
  /* truncated and corrupt */
  {
    g_autoptr (IngestStore) store = ingest_store_new ();
    g_autoptr (IngestParser) p = ingest_parser_new (store, NULL);
    g_autoptr (GError) error = NULL;
    assert_true (ingest_parser_feed (p, data, len - 6, NULL));
    assert_false (ingest_parser_finish (p, &error));
    assert_non_null (strstr (error->message, "truncated gzip"));
  }
  {
    g_autoptr (IngestStore) store = ingest_store_new ();
    g_autoptr (IngestParser) p = ingest_parser_new (store, NULL);
    g_autoptr (GError) error = NULL;
    guint8 *bad = g_memdup2 (data, len);
    for (gsize i = 12; i < len - 8; i++)
      bad[i] ^= 0x5a;
    assert_false (ingest_parser_feed (p, bad, len, &error) && ingest_parser_finish (p, &error));
    assert_non_null (error);
    g_free (bad);
  }
}

static void
test_gzip_bomb (void **state)
{
  /* 64 MiB of blank lines compress to ~64 KiB; a 1 MiB bound stops it early */
  gsize n = 64u << 20;
  char *zeros = g_malloc (n);
  memset (zeros, '\n', n);
  g_autoptr (GBytes) gz = gzip (zeros, n);
  g_free (zeros);
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestParserOptions opts = { .max_decompressed = 1u << 20, .source_name = "bomb.gz" };
  g_autoptr (IngestParser) p = ingest_parser_new (store, &opts);
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (gz, &len);

  assert_true (len < (1u << 20));
  assert_false (ingest_parser_feed (p, data, len, &error));
  assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_LIMIT));
  assert_true (g_str_has_prefix (error->message, "bomb.gz: "));
}

static guint n_progress;
static guint64 last_done, last_total;

static void
on_progress (guint64 done, guint64 total, gpointer user_data)
{
  n_progress++;
  last_done = done;
  last_total = total;
}

static void
test_load_file (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = test_tmpdir_new ("actorscope-parser-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "t.ndjson", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.ndjson", NULL);
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestParserOptions strict = { .strict = TRUE };

  assert_true (g_file_set_contents (path, native_text, -1, NULL));
  assert_true (g_file_set_contents (bad, "{\"ts\":1,\"ev\":\"mark\"}\n{oops}\n", -1, NULL));
  assert_true (ingest_load_file (store, path, NULL, on_progress, NULL, &error));
  assert_int_equal (ingest_store_n_events (store), 2);
  assert_true (n_progress >= 2);
  assert_int_equal (last_done, strlen (native_text));
  assert_int_equal (last_total, strlen (native_text));

  assert_false (ingest_load_file (store, bad, &strict, NULL, NULL, &error));
  {
    g_autofree char *want = g_strdup_printf ("%s:2:2: ", bad);
    assert_true (g_str_has_prefix (error->message, want));
  }
  g_clear_error (&error);
  assert_true (ingest_load_file (store, bad, NULL, NULL, NULL, NULL));
  assert_int_equal (ingest_store_counters (store)->skipped_records, 1);

  assert_false (ingest_load_file (store, "/nonexistent/trace.json", NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_IO));
  test_tmpdir_remove (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_detect),
    cmocka_unit_test (test_forced_and_odd_inputs),
    cmocka_unit_test (test_binary_refused),
    cmocka_unit_test (test_gzip),
    cmocka_unit_test (test_gzip_bomb),
    cmocka_unit_test (test_load_file),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
