/* test-ingest-json-lexer.c: the push JSON tokenizer: tokens, escapes,
 * surrogates, numbers, bounds, positions, and every split of the input. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-json-lexer.h"
#include "ingest-model.h"

/* Tokens rendered as one line of text, to compare whole streams. */
static gboolean
record (const IngestJsonToken *tok, gpointer user_data, GError **error)
{
  GString *s = user_data;
  static const char *names[] = { "{", "}", "[", "]", "K", "S", "I", "D", "true", "false", "null" };
  g_string_append_printf (s, "%s@%u", names[tok->type], tok->depth);
  switch (tok->type)
    {
    case INGEST_JSON_KEY:
    case INGEST_JSON_STRING:
      g_string_append_c (s, '(');
      for (gsize i = 0; i < tok->len; i++)
        {
          guint8 c = (guint8) tok->str[i];
          if (c < 0x20 || c >= 0x7f || c == '(' || c == ')')
            g_string_append_printf (s, "\\x%02x", c);
          else
            g_string_append_c (s, (char) c);
        }
      if (tok->truncated)
        g_string_append (s, "...");
      g_string_append_c (s, ')');
      break;
    case INGEST_JSON_INT:
      g_string_append_printf (s, "(%" G_GINT64_FORMAT ")", tok->v_int);
      break;
    case INGEST_JSON_DOUBLE:
      g_string_append_printf (s, "(%.6g%s)", tok->v_double, tok->overflow ? ",overflow" : "");
      break;
    default:
      break;
    }
  g_string_append_c (s, ' ');
  return TRUE;
}

/* Lexes text fed in pieces of `step` bytes (0 = all at once). */
static char *
lex (const char *text, gsize len, gsize step, IngestJsonLexerFlags flags, gsize max_string,
     GError **error)
{
  GString *s = g_string_new (NULL);
  IngestJsonLexer *lx = ingest_json_lexer_new (8, max_string, flags, record, s);
  gboolean ok = TRUE;

  if (step == 0)
    step = len ? len : 1;
  for (gsize off = 0; ok && off < len; off += step)
    ok = ingest_json_lexer_feed (lx, (const guint8 *) text + off, MIN (step, len - off), NULL, error);
  if (ok)
    ok = ingest_json_lexer_finish (lx, error);
  ingest_json_lexer_free (lx);
  if (!ok)
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}

static void
test_tokens_every_split (void **state)
{
  const char *doc = "{\"a\": [1, -2.5e3, true, false, null, \"x\\ny\"], \"b\\u00e9\": {\"c\": \"\\ud83d\\ude00\"},"
                    " \"big\": 123456789012345678901234567890, \"neg\": -9223372036854775808}";
  g_autofree char *whole = lex (doc, strlen (doc), 0, 0, 0, NULL);
  assert_non_null (whole);
  assert_string_equal (whole,
                       "{@0 K@1(a) [@1 I@2(1) D@2(-2500) true@2 false@2 null@2 S@2(x\\x0ay) ]@1 "
                       "K@1(b\\xc3\\xa9) {@1 K@2(c) S@2(\\xf0\\x9f\\x98\\x80) }@1 "
                       "K@1(big) D@1(1.23457e+29,overflow) K@1(neg) I@1(-9223372036854775808) }@0 ");
  for (gsize step = 1; step <= strlen (doc); step++)
    {
      g_autofree char *split = lex (doc, strlen (doc), step, 0, 0, NULL);
      assert_non_null (split);
      assert_string_equal (split, whole);
    }
}

static void
test_surrogates_and_raw_bytes (void **state)
{
  /* lone surrogates become U+FFFD; raw invalid UTF-8 passes through */
  const char *doc = "[\"\\ud800x\", \"\\udc00\", \"\\ud800\", \"\xff\xfe ok\"]";
  g_autofree char *out = lex (doc, strlen (doc), 0, 0, 0, NULL);
  assert_non_null (out);
  assert_string_equal (out, "[@0 S@1(\\xef\\xbf\\xbdx) S@1(\\xef\\xbf\\xbd) S@1(\\xef\\xbf\\xbd) "
                            "S@1(\\xff\\xfe ok) ]@0 ");
}

static void
expect_error (const char *doc, gsize len, IngestErrorCode code, guint64 line, guint64 col)
{
  g_autoptr (GError) error = NULL;
  GString *s = g_string_new (NULL);
  IngestJsonLexer *lx = ingest_json_lexer_new (8, 0, 0, record, s);
  gboolean ok = ingest_json_lexer_feed (lx, (const guint8 *) doc, len, NULL, &error);
  guint64 l, c;

  if (ok)
    ok = ingest_json_lexer_finish (lx, &error);
  assert_false (ok);
  assert_true (g_error_matches (error, INGEST_ERROR, code));
  ingest_json_lexer_get_error_position (lx, &l, &c);
  if (line)
    {
      assert_int_equal (l, line);
      assert_int_equal (c, col);
    }
  ingest_json_lexer_free (lx);
  g_string_free (s, TRUE);
}

static void
test_errors (void **state)
{
  expect_error ("{\"a\":NaN}", 9, INGEST_ERROR_SYNTAX, 1, 6);
  expect_error ("[1,\n  Infinity]", 15, INGEST_ERROR_SYNTAX, 2, 3);
  expect_error ("[1,]", 4, INGEST_ERROR_SYNTAX, 1, 4);
  expect_error ("{\"a\" 1}", 7, INGEST_ERROR_SYNTAX, 1, 6);
  expect_error ("[\"a\nb\"]", 7, INGEST_ERROR_SYNTAX, 1, 4);
  expect_error ("[\"a\\qb\"]", 8, INGEST_ERROR_SYNTAX, 1, 5);
  expect_error ("[01]", 4, INGEST_ERROR_SYNTAX, 0, 0);
  expect_error ("[1] [2]", 7, INGEST_ERROR_SYNTAX, 1, 5);
  expect_error ("[\"abc", 5, INGEST_ERROR_SYNTAX, 0, 0);        /* truncated string */
  expect_error ("{\"a\":[1,2", 9, INGEST_ERROR_SYNTAX, 0, 0);   /* truncated document */
  expect_error ("[1\0]", 4, INGEST_ERROR_SYNTAX, 1, 3);         /* NUL byte */
  expect_error ("[[[[[[[[[[1]]]]]]]]]]", 21, INGEST_ERROR_LIMIT, 1, 9); /* depth 8 */
  {
    /* number text bound */
    GString *big = g_string_new ("[");
    for (int i = 0; i < 300; i++)
      g_string_append_c (big, '9');
    g_string_append_c (big, ']');
    expect_error (big->str, big->len, INGEST_ERROR_LIMIT, 0, 0);
    g_string_free (big, TRUE);
  }
}

static void
test_string_bound_and_multi_document (void **state)
{
  const char *doc = "{\"k\":\"0123456789\"} [\"abcdefghijkl\"]\n\"z\"";
  g_autofree char *out = lex (doc, strlen (doc), 3,
                              INGEST_JSON_LEXER_MULTI_DOCUMENT, 8, NULL);
  assert_non_null (out);
  assert_string_equal (out, "{@0 K@1(k) S@1(01234567...) }@0 [@0 S@1(abcdefgh...) ]@0 S@0(z) ");
}

static void
test_helpers (void **state)
{
  gint64 v;
  char buf[64];
  gsize n, off;
  g_autoptr (GString) s = g_string_new (NULL);

  assert_true (ingest_json_number_to_scaled ("1795484650.027815", 17, 9, &v));
  assert_int_equal (v, G_GINT64_CONSTANT (1795484650027815000));
  assert_true (ingest_json_number_to_scaled ("12.3456789", 10, 3, &v));
  assert_int_equal (v, 12346); /* rounded half away from zero */
  assert_true (ingest_json_number_to_scaled ("-1.5e2", 6, 0, &v));
  assert_int_equal (v, -150);
  assert_true (ingest_json_number_to_scaled ("1e-12", 5, 9, &v));
  assert_int_equal (v, 0);
  assert_false (ingest_json_number_to_scaled ("1e30", 4, 0, &v));
  assert_false (ingest_json_number_to_scaled ("9223372036.854775808", 20, 9, &v));
  /* every value whose whole units fit is exact; rounding never leaves the
   * range at its bounds */
  assert_true (ingest_json_number_to_scaled ("9223372036.854775807", 20, 9, &v));
  assert_true (v == G_MAXINT64);
  assert_true (ingest_json_number_to_scaled ("9223372036.854775807999", 23, 9, &v));
  assert_true (v == G_MAXINT64);
  assert_true (ingest_json_number_to_scaled ("-9223372036.854775808", 21, 9, &v));
  assert_true (v == G_MININT64);
  assert_true (ingest_json_number_to_scaled ("-9223372036.8547758085", 22, 9, &v));
  assert_true (v == G_MININT64);
  assert_false (ingest_json_number_to_scaled ("-9223372036.854775809", 21, 9, &v));
  assert_true (ingest_json_number_to_scaled ("9223372036854775.8075", 21, 3, &v));
  assert_true (v == G_MAXINT64);
  assert_true (ingest_json_number_to_scaled ("9223372036854775806.5", 21, 0, &v));
  assert_true (v == G_MAXINT64);
  assert_false (ingest_json_number_to_scaled ("1.", 2, 0, &v));
  assert_true (ingest_json_number_to_int64 ("-9223372036854775808", 20, &v));
  assert_false (ingest_json_number_to_int64 ("9223372036854775808", 19, &v));

  assert_true (ingest_json_unescape ("a\\\"b\\u00e9\\ud83d\\ude00", 22, buf, &n, &off));
  assert_int_equal (n, 9);
  assert_memory_equal (buf, "a\"b\xc3\xa9\xf0\x9f\x98\x80", 9);
  assert_false (ingest_json_unescape ("a\\x", 3, buf, &n, &off));
  assert_int_equal (off, 2);

  /* plain runs are copied a word at a time: an escape, a surrogate pair
   * and a control byte at every offset of a 40-byte string */
  for (int at = 0; at <= 40; at++)
    {
      static const char *const esc[] = { "\\\"", "\\n", "\\ud83d\\ude00", "\\u00e9" };
      static const char *const dec[] = { "\"", "\n", "\xf0\x9f\x98\x80", "\xc3\xa9" };
      char plain[41];
      for (int i = 0; i < 40; i++)
        plain[i] = (char) ('a' + i % 26);
      plain[40] = '\0';
      for (guint e = 0; e < G_N_ELEMENTS (esc); e++)
        {
          g_autofree char *in = g_strdup_printf ("%.*s%s%s", at, plain, esc[e], plain + at);
          g_autofree char *want = g_strdup_printf ("%.*s%s%s", at, plain, dec[e], plain + at);
          g_autofree char *out = g_malloc (strlen (in));
          assert_true (ingest_json_unescape (in, strlen (in), out, &n, &off));
          assert_int_equal (n, strlen (want));
          assert_memory_equal (out, want, n);
        }
      g_autofree char *bad = g_strdup_printf ("%.*s\x1f%s", at, plain, plain + at);
      g_autofree char *out = g_malloc (strlen (bad));
      assert_false (ingest_json_unescape (bad, strlen (bad), out, &n, &off));
      assert_int_equal (off, at);
    }

  ingest_json_append_string (s, "<a href=\"x\">\\\n\x01</a>", 19);
  assert_string_equal (s->str, "\"<a href=\\\"x\\\">\\\\\\n\\u0001</a>\"");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_tokens_every_split),
    cmocka_unit_test (test_surrogates_and_raw_bytes),
    cmocka_unit_test (test_errors),
    cmocka_unit_test (test_string_bound_and_multi_document),
    cmocka_unit_test (test_helpers),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
