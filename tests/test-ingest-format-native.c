/* test-ingest-format-native.c: native NDJSON: every field, every split,
 * malformed and hostile lines, bounds, and write -> parse round trips. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-native-writer.h"
#include "ingest-parser.h"
#include "test-ingest-common.h"

static const char sample[] =
  "{\"actorscope\":1,\"producer\":\"test\"}\n"
  "{\"ev\":\"actor\",\"actor\":\"q1\",\"kind\":\"queue\"}\n"
  "{\"ts\":1000,\"ev\":\"spawn\",\"actor\":\"/user/a\",\"parent\":\"/user\"}\n"
  "{\"ts\":1500,\"ev\":\"spawn\",\"actor\":\"/user/b\",\"kind\":\"thread\"}\n"
  "{\"ts\":2000,\"ev\":\"send\",\"actor\":\"/user/a\",\"to\":\"/user/b\",\"id\":7,\"label\":\"Ping\","
  "\"size\":12,\"payload\":\"{\\\"x\\\":1}\",\"reply_to\":\"/user/a\",\"future\":{\"n\":[1,{\"z\":null}]}}\n"
  "\r\n"
  "{\"t\":0.0000025,\"ev\":\"recv\",\"actor\":\"/user/b\",\"from\":\"/user/a\",\"id\":\"7\"}\n"
  "{\"ts\":3000,\"ev\":\"done\",\"actor\":\"/user/b\",\"id\":\"7\"}\n"
  "{\"ts\":3100,\"ev\":\"send\",\"from\":\"/user/b\",\"to\":\"/user/a\",\"id\":\"r7\",\"label\":\"Pong\","
  "\"in_reply_to\":7}\n"
  "{\"ts\":3200,\"ev\":\"recv\",\"to\":\"/user/a\",\"id\":\"r7\",\"peer_kind\":\"actor\"}\n"
  "{\"ts\":3300,\"ev\":\"ack\",\"actor\":\"/user/a\",\"id\":\"r7\"}\n"
  "{\"ts\":3400,\"ev\":\"send\",\"actor\":\"/user/a\",\"to\":\"q1\",\"id\":\"m2\",\"label\":null}\n"
  "{\"ts\":3500,\"ev\":\"drop\",\"actor\":\"q1\",\"id\":\"m2\",\"reason\":\"full\"}\n"
  "{\"ts\":3600,\"ev\":\"mark\",\"text\":\"global \\u00e9\"}\n"
  "{\"ts\":3700,\"ev\":\"mark\",\"actor\":\"/user/b\",\"text\":\"hello\"}\n"
  "{\"ts\":4000,\"ev\":\"exit\",\"actor\":\"/user/b\",\"status\":\"crash\",\"reason\":\"boom\"}\n"
  "{\"ts\":-5,\"ev\":\"exit\",\"actor\":\"/user/a\"}";  /* no final newline */

static IngestStore *
parse (const char *text, gsize len, gsize step, gboolean strict, IngestParser **parser_out,
       GError **error)
{
  IngestParserOptions opts = { .format = INGEST_FORMAT_AUTO, .strict = strict, .source_name = "t.ndjson" };
  return test_ingest_parse (text, len, step, &opts, parser_out, error);
}

static char *
dump (IngestStore *store)
{
  GString *s = g_string_new (NULL);
  for (IngestSeq i = 0; i < ingest_store_n_events (store); i++)
    ingest_native_format_event (store, i, s);
  for (IngestActorId a = 1; a <= ingest_store_n_actors (store); a++)
    {
      const IngestActor *act = ingest_store_actor (store, a);
      g_string_append_printf (s, "actor %u %s kind=%d parent=%u\n", a,
                              ingest_store_atom (store, act->name), act->kind, act->parent);
    }
  return g_string_free (s, FALSE);
}

static void
test_fields (void **state)
{
  g_autoptr (IngestStore) store = parse (sample, strlen (sample), 0, TRUE, NULL, NULL);
  IngestActorId a, b, q;
  const IngestEvent *ev;
  const IngestMessage *m;

  assert_non_null (store);
  assert_int_equal (ingest_store_n_events (store), 14);
  a = ingest_store_find_actor (store, "/user/a");
  b = ingest_store_find_actor (store, "/user/b");
  q = ingest_store_find_actor (store, "q1");
  assert_true (a && b && q);
  assert_int_equal (ingest_store_actor (store, q)->kind, INGEST_ACTOR_QUEUE);
  assert_int_equal (ingest_store_actor (store, b)->kind, INGEST_ACTOR_THREAD);
  assert_int_equal (ingest_store_actor (store, a)->parent, ingest_store_find_actor (store, "/user"));

  ev = ingest_store_event (store, 2); /* the send */
  assert_int_equal (ev->kind, INGEST_EVENT_SEND);
  assert_int_equal (ev->time_ns, 2000);
  assert_int_equal (ev->actor, a);
  assert_int_equal (ev->peer, b);
  m = ingest_store_message (store, ev->message);
  assert_string_equal (ingest_store_atom (store, m->key), "7");
  assert_string_equal (ingest_store_atom (store, m->label), "Ping");
  assert_int_equal (m->size, 12);
  assert_string_equal (ingest_store_payload (store, m->payload), "{\"x\":1}");
  assert_int_equal (m->reply_to, a);
  assert_int_not_equal (m->receive_seq, INGEST_SEQ_NONE);
  assert_int_not_equal (m->done_seq, INGEST_SEQ_NONE);
  assert_int_not_equal (m->response, 0);

  ev = ingest_store_event (store, 3); /* "t" in seconds, exact */
  assert_int_equal (ev->kind, INGEST_EVENT_RECEIVE);
  assert_int_equal (ev->time_ns, 2500);

  ev = ingest_store_event (store, 10);
  assert_int_equal (ev->kind, INGEST_EVENT_MARK);
  assert_int_equal (ev->actor, 0);
  assert_string_equal (ingest_store_atom (store, ev->text), "global \xc3\xa9");

  ev = ingest_store_event (store, 12); /* exit crash of b */
  assert_int_equal (ev->kind, INGEST_EVENT_EXIT);
  assert_int_equal (ev->exit_status, INGEST_EXIT_CRASH);
  assert_string_equal (ingest_store_atom (store, ev->text), "boom");
  assert_int_equal (ev->time_ns, 4000);
  assert_int_equal (ingest_store_event (store, 13)->time_ns, -5);
}

static void
test_every_split (void **state)
{
  g_autoptr (IngestStore) whole = parse (sample, strlen (sample), 0, TRUE, NULL, NULL);
  g_autofree char *expect = dump (whole);
  gsize len = strlen (sample);

  /* two pieces split at every byte, and 1..7-byte drips */
  for (gsize cut = 0; cut <= len; cut++)
    {
      IngestStore *store = ingest_store_new ();
      IngestParser *p = ingest_parser_new (store, NULL);
      g_autofree char *got = NULL;
      assert_true (ingest_parser_feed (p, (const guint8 *) sample, cut, NULL));
      assert_true (ingest_parser_feed (p, (const guint8 *) sample + cut, len - cut, NULL));
      assert_true (ingest_parser_finish (p, NULL));
      got = dump (store);
      assert_string_equal (got, expect);
      ingest_parser_free (p);
      ingest_store_free (store);
    }
  for (gsize step = 1; step < 8; step++)
    {
      g_autoptr (IngestStore) store = parse (sample, len, step, TRUE, NULL, NULL);
      g_autofree char *got = dump (store);
      assert_string_equal (got, expect);
    }
}

static void
check_bad_line (const char *line, IngestErrorCode code, const char *where)
{
  g_autofree char *text = g_strdup_printf ("{\"ts\":1,\"ev\":\"mark\",\"text\":\"ok\"}\n%s\n"
                                           "{\"ts\":2,\"ev\":\"mark\",\"text\":\"ok\"}\n", line);
  g_autoptr (GError) error = NULL;
  IngestParser *parser = NULL;
  IngestStore *store;

  /* lenient: skipped and counted, the rest kept */
  store = parse (text, strlen (text), 0, FALSE, &parser, NULL);
  assert_non_null (store);
  assert_int_equal (ingest_store_n_events (store), 2);
  assert_int_equal (ingest_parser_n_skipped (parser), 1);
  assert_int_equal (ingest_store_counters (store)->skipped_records, 1);
  assert_int_equal (ingest_parser_get_diagnostics (parser)->len, 1);
  ingest_parser_free (parser);
  ingest_store_free (store);

  /* strict: stops with source:line:col */
  store = parse (text, strlen (text), 0, TRUE, NULL, &error);
  assert_null (store);
  assert_true (g_error_matches (error, INGEST_ERROR, code));
  if (!g_str_has_prefix (error->message, where))
    fail_msg ("'%s' does not start with '%s'", error->message, where);
}

static void
test_malformed (void **state)
{
  check_bad_line ("{\"ts\":1,\"ev\":\"teleport\",\"actor\":\"a\"}", INGEST_ERROR_SCHEMA, "t.ndjson:2:14:");
  check_bad_line ("{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"id\":1}", INGEST_ERROR_SCHEMA, "t.ndjson:2:1:");
  check_bad_line ("{\"ts\":1.5,\"ev\":\"mark\"}", INGEST_ERROR_SCHEMA, "t.ndjson:2:7:");
  check_bad_line ("{\"ts\":99999999999999999999,\"ev\":\"mark\"}", INGEST_ERROR_LIMIT, "t.ndjson:2:7:");
  check_bad_line ("{\"ts\":NaN,\"ev\":\"mark\"}", INGEST_ERROR_SYNTAX, "t.ndjson:2:7:");
  check_bad_line ("{\"ts\":1,\"ev\":\"mark\",\"text\":\"a\0b\"}", INGEST_ERROR_SYNTAX, "t.ndjson:2:");
  check_bad_line ("{\"ts\":1,\"ev\":\"mark\"", INGEST_ERROR_SYNTAX, "t.ndjson:2:");
  check_bad_line ("{\"ts\":1,\"ev\":\"mark\"}}", INGEST_ERROR_SYNTAX, "t.ndjson:2:21:");
  check_bad_line ("[1,2]", INGEST_ERROR_SYNTAX, "t.ndjson:2:1:");
  check_bad_line ("{\"ev\":\"mark\",\"text\":\"no time\"}", INGEST_ERROR_SCHEMA, "t.ndjson:2:1:");
  check_bad_line ("{\"ts\":1,\"ev\":\"exit\",\"actor\":\"a\",\"status\":\"meh\"}", INGEST_ERROR_SCHEMA, "t.ndjson:2:");
  check_bad_line ("{\"ts\":1,\"ev\":\"mark\",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
                  INGEST_ERROR_LIMIT, "t.ndjson:2:");
  check_bad_line ("{\"ts\":1,\"ev\":\"mark\",\"text\":\"\\ud83d\\u12\"}", INGEST_ERROR_SYNTAX, "t.ndjson:2:");
  check_bad_line ("{\"ts\":1,\"ev\":\"recv\",\"actor\":\"a\",\"id\":1,\"span\":\"yes\"}",
                  INGEST_ERROR_SCHEMA, "t.ndjson:2:47:");
  check_bad_line ("{\"ts\":1,\"ev\":\"recv\",\"actor\":\"a\",\"id\":1,\"span\":1}",
                  INGEST_ERROR_SCHEMA, "t.ndjson:2:47:");
  check_bad_line ("{\"actorscope\":1,\"lost\":-3}", INGEST_ERROR_SCHEMA, "t.ndjson:2:24:");
}

/* A recv with "span":true begins a span (not a message, never unmatched,
 * its label kept); header record counts add to the store's counters. */
static void
test_spans_and_header_counts (void **state)
{
  static const char text[] =
    "{\"actorscope\":1,\"skipped\":2,\"lost\":3,\"lost_before_attach\":4,\"duplicate\":5}\n"
    "{\"ts\":10,\"ev\":\"recv\",\"actor\":\"t1\",\"id\":\"s1\",\"span\":true,\"label\":\"Layout\"}\n"
    "{\"ts\":20,\"ev\":\"done\",\"actor\":\"t1\",\"id\":\"s1\"}\n"
    "{\"ts\":30,\"ev\":\"recv\",\"actor\":\"t1\",\"id\":\"m1\",\"span\":false,\"label\":\"Orphan\"}\n";
  g_autoptr (GError) error = NULL;
  IngestStore *store = parse (text, sizeof text - 1, 0, TRUE, NULL, &error);
  (void) state;
  assert_non_null (store);
  assert_int_equal (ingest_store_n_messages (store), 2);
  assert_int_equal (ingest_store_n_spans (store), 1);
  const IngestMessage *s1 = ingest_store_message (store, 1), *m1 = ingest_store_message (store, 2);
  assert_true (s1->span);
  assert_false (m1->span);
  assert_string_equal (ingest_store_atom (store, s1->label), "Layout");
  assert_string_equal (ingest_store_atom (store, m1->label), "Orphan");
  IngestStoreCounters *c = ingest_store_counters (store);
  assert_int_equal (c->skipped_records, 2);
  assert_int_equal (c->lost_events, 3);
  assert_int_equal (c->lost_before_attach, 4);
  assert_int_equal (c->duplicate_events, 5);
  assert_int_equal (c->unmatched, 1); /* the orphan, not the span */
  IngestActorStats st;
  ingest_store_actor_stats (store, ingest_store_find_actor (store, "t1"), &st);
  assert_int_equal (st.spans, 1);
  assert_int_equal (st.received, 1);
  assert_int_equal (st.processed, 0);
  assert_int_equal (st.processing.count, 1);
  assert_int_equal (st.processing.max_ns, 10);
  ingest_store_free (store);
}

/* The scanner's fast paths (integers converted while scanned, strings
 * checked eight bytes at a time) must agree with the general ones at every
 * boundary: digit counts around 8, 16 and 19, the int64 limits, and a quote,
 * escape or control byte at every offset of a long string. */
static gint64
parse_time (const char *field, const char *number, gboolean *ok)
{
  g_autofree char *text = g_strdup_printf ("{\"%s\":%s,\"ev\":\"mark\",\"text\":\"x\"}\n", field,
                                           number);
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestStore) store = parse (text, strlen (text), 0, TRUE, NULL, &error);
  *ok = store != NULL;
  return store ? ingest_store_event (store, 0)->time_ns : 0;
}

static gint64
parse_ts (const char *number, gboolean *ok)
{
  return parse_time ("ts", number, ok);
}

static void
test_fast_paths (void **state)
{
  gboolean ok;
  char digits[32];

  for (int n = 1; n <= 19; n++)
    {
      gint64 want = 0;
      for (int i = 0; i < n; i++)
        {
          digits[i] = (char) ('1' + (i * 7) % 9);
          want = want * 10 + (digits[i] - '0');
        }
      digits[n] = '\0';
      assert_true (parse_ts (digits, &ok) == want);
      assert_true (ok);
      g_autofree char *neg = g_strconcat ("-", digits, NULL);
      assert_true (parse_ts (neg, &ok) == -want);
      assert_true (ok);
    }
  /* The extremes parse; the store clamps them to +-(2^62 - 1) ns. */
  assert_true (parse_ts ("9223372036854775807", &ok) == INGEST_STORE_MAX_TIME && ok);
  assert_true (parse_ts ("-9223372036854775808", &ok) == -INGEST_STORE_MAX_TIME && ok);
  assert_true (parse_ts ("0", &ok) == 0 && ok);
  assert_true (parse_ts ("-0", &ok) == 0 && ok);
  assert_true (parse_ts ("12345678", &ok) == 12345678 && ok);
  assert_true (parse_ts ("1234567890123456", &ok) == G_GINT64_CONSTANT (1234567890123456) && ok);
  parse_ts ("9223372036854775808", &ok);
  assert_false (ok);
  parse_ts ("-9223372036854775809", &ok);
  assert_false (ok);
  parse_ts ("99999999999999999999", &ok); /* 20 digits */
  assert_false (ok);
  parse_ts ("18446744073709551616", &ok); /* 2^64 */
  assert_false (ok);
  parse_ts ("0123", &ok);
  assert_false (ok);
  parse_ts ("12345678.5", &ok);
  assert_false (ok);
  parse_ts ("1234567890e3", &ok);
  assert_false (ok);
  parse_ts ("123456789-1", &ok);
  assert_false (ok);

  /* "size" and integer ids take the same path */
  {
    const char *t = "{\"ts\":1,\"ev\":\"send\",\"from\":\"a\",\"to\":\"b\",\"id\":12345678901,\"size\":4294967296}\n"
                    "{\"ts\":2,\"ev\":\"recv\",\"actor\":\"b\",\"id\":\"12345678901\"}\n";
    g_autoptr (IngestStore) store = parse (t, strlen (t), 0, TRUE, NULL, NULL);
    assert_non_null (store);
    assert_int_equal (ingest_store_n_messages (store), 1);
    assert_int_equal (ingest_store_message (store, 1)->size, G_MAXUINT32);
    assert_int_equal (ingest_store_message (store, 1)->receive_seq, 1);
  }
  check_bad_line ("{\"ts\":1,\"ev\":\"send\",\"from\":\"a\",\"to\":\"b\",\"id\":1,\"size\":-1234567890}",
                  INGEST_ERROR_SCHEMA, "t.ndjson:2:");

  /* a quote, an escape, a control byte at every offset of a 40-byte string */
  for (int at = 0; at < 40; at++)
    {
      char name[41];
      memset (name, 'n', 40);
      name[40] = '\0';
      for (int kind = 0; kind < 3; kind++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GString) text = g_string_new ("{\"ts\":1,\"ev\":\"mark\",\"actor\":\"");
          g_string_append_len (text, name, at);
          g_string_append (text, kind == 0 ? "\\\"" : kind == 1 ? "\\u00e9" : "\t");
          g_string_append (text, name + at);
          g_string_append (text, "\",\"text\":\"x\"}\n");
          g_autoptr (IngestStore) store = parse (text->str, text->len, 0, TRUE, NULL, &error);
          if (kind == 2)
            {
              assert_null (store);
              assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_SYNTAX));
              g_autofree char *where = g_strdup_printf ("t.ndjson:1:%d:", 30 + at);
              if (!g_str_has_prefix (error->message, where))
                fail_msg ("'%s' does not start with '%s'", error->message, where);
              continue;
            }
          assert_non_null (store);
          g_autofree char *want = g_strdup_printf ("%.*s%s%s", at, name, kind == 0 ? "\"" : "\xc3\xa9",
                                                   name + at);
          assert_string_equal (ingest_store_actor_name (store, 1), want);
        }
    }
}

static void
test_line_bound_and_version (void **state)
{
  GString *text = g_string_new ("{\"ts\":1,\"ev\":\"mark\",\"text\":\"");
  IngestParserOptions opts = { .max_line_bytes = 1000, .source_name = "big" };
  g_autoptr (IngestStore) store = ingest_store_new ();
  g_autoptr (IngestParser) parser = ingest_parser_new (store, &opts);
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < 5000; i++)
    g_string_append_c (text, 'x');
  g_string_append (text, "\"}\n{\"ts\":2,\"ev\":\"mark\",\"text\":\"after\"}\n");
  /* fed in small pieces: the over-long line never gets buffered whole */
  for (gsize off = 0; off < text->len; off += 100)
    assert_true (ingest_parser_feed (parser, (const guint8 *) text->str + off, MIN (100, text->len - off), NULL));
  assert_true (ingest_parser_finish (parser, NULL));
  assert_int_equal (ingest_store_n_events (store), 1);
  assert_int_equal (ingest_parser_n_skipped (parser), 1);
  assert_true (g_error_matches (g_ptr_array_index (ingest_parser_get_diagnostics (parser), 0),
                                INGEST_ERROR, INGEST_ERROR_LIMIT));
  g_string_free (text, TRUE);

  {
    const char *v2 = "{\"actorscope\":2}\n{\"ts\":1,\"ev\":\"mark\",\"text\":\"x\"}\n";
    IngestStore *s2 = parse (v2, strlen (v2), 0, FALSE, NULL, &error);
    assert_null (s2);
    assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_FORMAT));
  }
}

static void
roundtrip (IngestStore *store)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (IngestStore) back = NULL;
  g_autofree char *a = NULL, *b = NULL;
  const char *data;
  gsize len;

  assert_true (ingest_native_write (store, 0, out, NULL));
  assert_true (g_output_stream_close (out, NULL, NULL));
  data = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out));
  len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  back = parse (data, len, 0, TRUE, NULL, NULL);
  assert_non_null (back);
  a = dump (store);
  b = dump (back);
  assert_string_equal (a, b);
  assert_int_equal (ingest_store_n_messages (store), ingest_store_n_messages (back));
  for (IngestMessageId m = 1; m <= ingest_store_n_messages (store); m++)
    {
      const IngestMessage *x = ingest_store_message (store, m), *y = ingest_store_message (back, m);
      assert_string_equal (ingest_store_atom (store, x->key), ingest_store_atom (back, y->key));
      assert_string_equal (ingest_store_atom (store, x->label), ingest_store_atom (back, y->label));
      assert_int_equal (x->from, y->from);
      assert_int_equal (x->to, y->to);
      assert_int_equal (x->reply_to, y->reply_to);
      assert_int_equal (x->in_reply_to, y->in_reply_to);
      assert_int_equal (x->size, y->size);
      assert_string_equal (ingest_store_payload (store, x->payload), ingest_store_payload (back, y->payload));
      assert_int_equal (x->send_seq, y->send_seq);
      assert_int_equal (x->receive_seq, y->receive_seq);
      assert_int_equal (x->done_seq, y->done_seq);
    }
}

static void
test_roundtrip (void **state)
{
  g_autoptr (IngestStore) store = parse (sample, strlen (sample), 0, TRUE, NULL, NULL);
  roundtrip (store);
}

static void
test_hostile_strings (void **state)
{
  GString *text = g_string_new ("{\"actorscope\":1}\n");
  GString *huge = g_string_new (NULL);
  IngestParserOptions opts = { .max_line_bytes = 4 << 20 };
  g_autoptr (IngestStore) store = ingest_store_new ();
  g_autoptr (IngestParser) parser = ingest_parser_new (store, &opts);
  const char *names[] = { "<script>alert(1)</script>", "\\\"quoted\\\" & 'single'",
                          "ctl\\u0001\\u001b[31m\\u0000nul", "bad \xff\xfe utf8 \xc3", "&amp;&lt;" };
  const IngestActor *a;

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    g_string_append_printf (text, "{\"ts\":%zu,\"ev\":\"send\",\"actor\":\"%s\",\"to\":\"%s\",\"id\":\"%s\",\"label\":\"%s\",\"payload\":\"%s\"}\n",
                            i, names[i], names[(i + 1) % G_N_ELEMENTS (names)], names[i], names[i], names[i]);
  for (int i = 0; i < (1 << 20); i++)
    g_string_append_c (huge, "ab<&\""[i % 4]);
  g_string_append_printf (text, "{\"ts\":9,\"ev\":\"spawn\",\"actor\":\"%s\"}\n", huge->str);
  assert_true (ingest_parser_feed (parser, (const guint8 *) text->str, text->len, NULL));
  assert_true (ingest_parser_finish (parser, NULL));
  assert_int_equal (ingest_parser_n_skipped (parser), 0);
  assert_int_equal (ingest_store_n_events (store), G_N_ELEMENTS (names) + 1);
  assert_non_null (ingest_store_find_actor (store, "<script>alert(1)</script>") ? "" : NULL);
  assert_true (ingest_store_find_actor (store, "\"quoted\" & 'single'") != 0);
  /* the 1 MB name was cut by the store, and is valid UTF-8 */
  a = ingest_store_actor (store, ingest_store_event (store, G_N_ELEMENTS (names))->actor);
  assert_true (strlen (ingest_store_atom (store, a->name)) <= INGEST_STORE_MAX_STRING);
  for (IngestActorId id = 1; id <= ingest_store_n_actors (store); id++)
    assert_true (g_utf8_validate (ingest_store_actor_name (store, id), -1, NULL));
  roundtrip (store);
  g_string_free (text, TRUE);
  g_string_free (huge, TRUE);
}

static void
test_incremental_write (void **state)
{
  g_autoptr (IngestStore) store = parse (sample, strlen (sample), 0, TRUE, NULL, NULL);
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (IngestStore) back = NULL;
  g_autofree char *text = NULL;

  /* a chunk from seq 5 declares the actors it names and parses alone */
  assert_true (ingest_native_write (store, 5, out, NULL));
  assert_true (g_output_stream_close (out, NULL, NULL));
  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
  assert_null (strstr (text, "\"actorscope\""));
  assert_non_null (strstr (text, "{\"ev\":\"actor\",\"actor\":\"q1\",\"kind\":\"queue\"}"));
  back = parse (text, strlen (text), 0, TRUE, NULL, NULL);
  assert_non_null (back);
  assert_int_equal (ingest_store_n_events (back), ingest_store_n_events (store) - 5);
  assert_int_equal (ingest_store_actor (back, ingest_store_find_actor (back, "q1"))->kind, INGEST_ACTOR_QUEUE);
}

/* "t" in seconds is converted from its digits, never through a double:
 * exact over the whole range of "ts" (the int64 ns), rounded half away from
 * zero below 1 ns. Rounding at the very bounds stays at the bound (a value
 * whose whole nanoseconds fit is never refused), one ns beyond is refused.
 * The store then clamps to INGEST_STORE_MAX_TIME. */
static void
test_seconds_exact (void **state)
{
  static const struct { const char *t; gboolean ok; gint64 ns; } cases[] = {
    { "9223372036.854775807", TRUE, INGEST_STORE_MAX_TIME },
    { "9223372036.854775807999", TRUE, INGEST_STORE_MAX_TIME },
    { "9223372036.8547758075", TRUE, INGEST_STORE_MAX_TIME },
    { "9223372036.854775808", FALSE, 0 },
    { "9223372036.8547758080000000001", FALSE, 0 },
    { "-9223372036.854775808", TRUE, -INGEST_STORE_MAX_TIME },
    { "-9223372036.854775808999", TRUE, -INGEST_STORE_MAX_TIME },
    { "-9223372036.854775809", FALSE, 0 },
    { "0.9223372036854775807e10", TRUE, INGEST_STORE_MAX_TIME },
    /* at the store's clamp: every digit counts */
    { "4611686018.427387903", TRUE, INGEST_STORE_MAX_TIME },
    { "4611686018.427387902", TRUE, INGEST_STORE_MAX_TIME - 1 },
    { "4611686018.4273879015", TRUE, INGEST_STORE_MAX_TIME - 1 },
    { "4611686018.4273879014999", TRUE, INGEST_STORE_MAX_TIME - 2 },
    { "-4611686018.4273879025", TRUE, -INGEST_STORE_MAX_TIME },
    /* a double would round these: 1795484650.027815123 is not one */
    { "1795484650.027815123", TRUE, G_GINT64_CONSTANT (1795484650027815123) },
    { "1795484650.0278151235", TRUE, G_GINT64_CONSTANT (1795484650027815124) },
    { "-1795484650.0278151235", TRUE, G_GINT64_CONSTANT (-1795484650027815124) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean ok;
      gint64 ns = parse_time ("t", cases[i].t, &ok);
      if (ok != cases[i].ok || ns != cases[i].ns)
        fail_msg ("\"t\":%s gave %s %" G_GINT64_FORMAT ", want %s %" G_GINT64_FORMAT, cases[i].t,
                  ok ? "ok" : "refused", ns, cases[i].ok ? "ok" : "refused", cases[i].ns);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_fields),
    cmocka_unit_test (test_every_split),
    cmocka_unit_test (test_malformed),
    cmocka_unit_test (test_spans_and_header_counts),
    cmocka_unit_test (test_fast_paths),
    cmocka_unit_test (test_seconds_exact),
    cmocka_unit_test (test_line_bound_and_version),
    cmocka_unit_test (test_roundtrip),
    cmocka_unit_test (test_hostile_strings),
    cmocka_unit_test (test_incremental_write),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
