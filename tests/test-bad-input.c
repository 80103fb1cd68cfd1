/* test-bad-input.c: every row of data/formats/bad-input.md, in the same
 * order. Each class of bad input is generated here (nothing big is checked
 * in), fed to the parsers in lenient and strict mode (whole, and one byte at
 * a time for small inputs: the result must not depend on the split), and for
 * a few rows run through the real `actorscope` CLI (argv[1]) checking the
 * exit code and the source:line:col diagnostic on stderr. The heavy rows
 * (100 MB lines, gzip bombs, millions of actors) run in a child process
 * whose peak RSS growth is measured and bounded. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "ingest-parser.h"
#include "test-util.h"

/* Peak RSS bounds are for a plain build. Under AddressSanitizer freed
 * blocks wait in a quarantine (256 MiB by default) and every block is
 * padded, so the per-event churn of a parser shows up as RSS: allow for it
 * (the plain build is the one whose bounds tell capped from uncapped: the
 * 300k-thread Chrome case takes 177 MB and the 2M-name case 529 MB without
 * the actor cap, 13-19 MB and 4 MB with it). */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_SLACK_KB (320 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_SLACK_KB (320 * 1024)
#endif
#endif
#ifndef RSS_SLACK_KB
#define RSS_SLACK_KB 0
#endif

static const char *cli_path;
static char *tmp_dir;

/* ---- running a parser ---- */

typedef struct {
  IngestStore *store;
  gboolean ok;
  char *error;          /* strict or fatal error message */
  guint64 skipped;
  char *first_diag;     /* first kept diagnostic */
} Run;

static void
run_clear (Run *r)
{
  ingest_store_free (r->store);
  g_free (r->error);
  g_free (r->first_diag);
  memset (r, 0, sizeof *r);
}

static Run
run_parse (IngestFormat format, gboolean strict, const char *data, gsize len, gsize step)
{
  IngestParserOptions opts = { .format = format, .strict = strict, .source_name = "bad" };
  Run r = { 0 };
  g_autoptr (GError) error = NULL;
  r.store = ingest_store_new ();
  g_autoptr (IngestParser) p = ingest_parser_new (r.store, &opts);

  if (step == 0)
    step = MAX (len, 1);
  r.ok = TRUE;
  for (gsize off = 0; r.ok && off < len; off += step)
    r.ok = ingest_parser_feed (p, (const guint8 *) data + off, MIN (step, len - off), &error);
  if (r.ok)
    r.ok = ingest_parser_finish (p, &error);
  if (!r.ok)
    r.error = g_strdup (error->message);
  r.skipped = ingest_parser_n_skipped (p);
  const GPtrArray *d = ingest_parser_get_diagnostics (p);
  if (d->len > 0)
    r.first_diag = g_strdup (((GError *) d->pdata[0])->message);
  return r;
}

/* One row: lenient gives `events` events and `skipped` skipped records with
 * first diagnostic `diag` (NULL: none), or fails with `fatal`; strict fails
 * with `strict_error` (NULL: strict succeeds with the same events). */
typedef struct {
  IngestFormat format;
  const char *input;
  gssize len;             /* -1: strlen */
  guint64 events;
  guint64 skipped;
  const char *diag;
  const char *fatal;
  const char *strict_error;
} Row;

static void
check_row (const Row *row)
{
  gsize len = row->len < 0 ? strlen (row->input) : (gsize) row->len;

  for (guint pass = 0; pass < 2; pass++)
    {
      gsize step = pass == 0 ? 0 : 1;
      if (pass == 1 && len > 65536)
        break;
      Run r = run_parse (row->format, FALSE, row->input, len, step);
      if (row->fatal)
        {
          assert_false (r.ok);
          assert_string_equal (r.error, row->fatal);
        }
      else
        {
          if (!r.ok)
            fail_msg ("lenient run failed: %s", r.error);
          assert_int_equal (ingest_store_n_events (r.store), row->events);
          assert_int_equal (r.skipped, row->skipped);
          assert_int_equal (ingest_store_counters (r.store)->skipped_records, row->skipped);
          if (row->diag)
            {
              assert_non_null (r.first_diag);
              assert_string_equal (r.first_diag, row->diag);
            }
          else
            assert_null (r.first_diag);
        }
      run_clear (&r);

      r = run_parse (row->format, TRUE, row->input, len, step);
      if (row->strict_error)
        {
          assert_false (r.ok);
          assert_string_equal (r.error, row->strict_error);
        }
      else
        {
          if (!r.ok)
            fail_msg ("strict run failed: %s", r.error);
          assert_int_equal (ingest_store_n_events (r.store), row->events);
        }
      run_clear (&r);
    }
}

#define N INGEST_FORMAT_NATIVE
#define M INGEST_FORMAT_MSWITCH
#define C INGEST_FORMAT_CHROME
#define A INGEST_FORMAT_AUTO

static void
check_rows (const Row *rows, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      print_message ("  row %" G_GSIZE_FORMAT ": %s\n", i, ingest_format_to_string (rows[i].format));
      check_row (&rows[i]);
    }
}

/* ---- the CLI ---- */

/* Runs `actorscope ARGS...` with stdout to a file; returns the exit status
 * and the stderr text (owned). */
static int
run_cli (char **stderr_out, char **stdout_out, const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  va_list ap;
  g_ptr_array_add (argv, (char *) cli_path);
  va_start (ap, first);
  for (const char *a = first; a; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  g_autoptr (GError) error = NULL;
  int status = 0;
  char *out = NULL, *err = NULL;
  const char *envp_lang[] = { NULL };
  (void) envp_lang;
  gboolean ok = g_spawn_sync (tmp_dir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                              &out, &err, &status, &error);
  if (!ok)
    fail_msg ("spawn: %s", error->message);
  if (stderr_out)
    *stderr_out = err;
  else
    g_free (err);
  if (stdout_out)
    *stdout_out = out;
  else
    g_free (out);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static char *
write_tmp (const char *name, const char *data, gssize len)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_file_set_contents (path, data, len, &error))
    fail_msg ("write %s: %s", path, error->message);
  return path;
}

/* ---- bounded memory: the heavy rows run in a child ---- */

static glong
status_kb (const char *field)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return -1;
  const char *p = strstr (text, field);
  return p ? strtol (p + strlen (field), NULL, 10) : -1;
}

typedef gboolean (*HeavyFunc) (gpointer data, char *what, gsize what_len);

/* Runs func in a forked child; returns its peak RSS growth in KiB (VmHWM at
 * the end minus VmRSS at the start) after asserting func returned TRUE. */
static glong
run_heavy (HeavyFunc func, gpointer data, const char *label)
{
  int fds[2];
  assert_int_equal (pipe (fds), 0);
  fflush (stdout);
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      close (fds[0]);
      char what[256] = "";
      /* The child inherits the parent's peak (VmHWM is copied by fork):
       * "5" resets it to the current RSS (Linux >= 4.0). */
      int cr = open ("/proc/self/clear_refs", O_WRONLY);
      if (cr < 0 || write (cr, "5", 1) != 1)
        _exit (3);
      close (cr);
      glong base = status_kb ("VmRSS:");
      gint64 t0 = g_get_monotonic_time ();
      gboolean ok = func (data, what, sizeof what);
      glong grow = status_kb ("VmHWM:") - base;
      char msg[512];
      int n = g_snprintf (msg, sizeof msg, "%d %ld %.2f %s", ok, grow,
                          (g_get_monotonic_time () - t0) / 1e6, what);
      if (write (fds[1], msg, (size_t) n) != n)
        _exit (2);
      _exit (0);
    }
  close (fds[1]);
  char buf[512] = "";
  gsize got = 0;
  ssize_t k;
  while (got < sizeof buf - 1 && (k = read (fds[0], buf + got, sizeof buf - 1 - got)) > 0)
    got += (gsize) k;
  close (fds[0]);
  int status;
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  int ok = 0;
  glong grow = -1;
  double secs = 0;
  int pos = 0;
  assert_true (sscanf (buf, "%d %ld %lf %n", &ok, &grow, &secs, &pos) >= 3);
  print_message ("  %s: peak RSS growth %ld KiB, %.2f s; %s\n", label, grow, secs, buf + pos);
  if (!ok)
    fail_msg ("%s: %s", label, buf + pos);
  return grow;
}

/* Feeds `total` bytes made of prefix, `fill` repeated, suffix, in 64 KiB
 * chunks (the input is never in memory). */
typedef struct {
  IngestFormat format;
  gboolean strict;
  const char *prefix, *suffix;
  char fill;
  guint64 total_fill;
  guint64 want_events, want_skipped;
  const char *want_diag;     /* first diagnostic (lenient) or error (strict) */
} StreamCase;

static gboolean
stream_case (gpointer data, char *what, gsize what_len)
{
  StreamCase *sc = data;
  IngestParserOptions opts = { .format = sc->format, .strict = sc->strict, .source_name = "bad" };
  g_autoptr (IngestStore) store = ingest_store_new ();
  g_autoptr (IngestParser) p = ingest_parser_new (store, &opts);
  g_autoptr (GError) error = NULL;
  static char chunk[65536];
  memset (chunk, sc->fill, sizeof chunk);

  gboolean ok = ingest_parser_feed (p, (const guint8 *) sc->prefix, strlen (sc->prefix), &error);
  for (guint64 left = sc->total_fill; ok && left > 0;)
    {
      gsize n = (gsize) MIN (left, sizeof chunk);
      ok = ingest_parser_feed (p, (const guint8 *) chunk, n, &error);
      left -= n;
    }
  if (ok)
    ok = ingest_parser_feed (p, (const guint8 *) sc->suffix, strlen (sc->suffix), &error);
  if (ok)
    ok = ingest_parser_finish (p, &error);
  const GPtrArray *d = ingest_parser_get_diagnostics (p);
  const char *diag = sc->strict ? (error ? error->message : "(none)")
                                : (d->len ? ((GError *) d->pdata[0])->message : "(none)");
  g_snprintf (what, what_len, "ok=%d events=%" G_GUINT64_FORMAT " skipped=%" G_GUINT64_FORMAT " %s",
              ok, ingest_store_n_events (store), ingest_parser_n_skipped (p), diag);
  if (sc->strict)
    return !ok && g_strcmp0 (diag, sc->want_diag) == 0;
  return ok && ingest_store_n_events (store) == sc->want_events
         && ingest_parser_n_skipped (p) == sc->want_skipped && g_strcmp0 (diag, sc->want_diag) == 0;
}

/* ========================================================================= */
/* rows */

/* truncated JSON */
static void
test_truncated (void **state)
{
  const Row rows[] = {
    { N, "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":1", -1, 0, 1,
      "bad:1:48: expected ',' or '}' (truncated last line: the input ends without a newline)", NULL, "bad:1:48: expected ',' or '}' (truncated last line: the input ends without a newline)" },
    { N, "{\"ts\":1,\"ev\":\"mark\",\"text\":\"x\"}\n{\"ts\":2,\"ev\":\"re", -1, 1, 1,
      "bad:2:14: unterminated string (truncated last line: the input ends without a newline)", NULL, "bad:2:14: unterminated string (truncated last line: the input ends without a newline)" },
    { C, "[{\"ph\":\"X\",\"ts\":1,\"dur\":2,\"pid\":1,\"tid\":1,\"name\":\"a\"},{\"ph\":\"X\",\"ts\":", -1,
      0, 0, NULL, "bad:1:70: truncated input (unexpected end of document)",
      "bad:1:70: truncated input (unexpected end of document)" },
    /* Chrome itself writes arrays without the closing ']': accepted. */
    { C, "[{\"ph\":\"X\",\"ts\":1,\"dur\":2,\"pid\":1,\"tid\":1,\"name\":\"a\"},", -1, 2, 0, NULL, NULL, NULL },
    { M, "{\"events\":[[0,{\"time\":1.5,\"input\":\"a\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",0],"
         "{\"payload\":\"x\",\"kind\":[\"Request\",\"a\"]}]}],[1,{\"time\":", -1, 1, 1,
      "bad:1:133: truncated input (unexpected end of document)", NULL,
      "bad:1:133: truncated input (unexpected end of document)" },
  };
  check_rows (rows, G_N_ELEMENTS (rows));
}

/* wrong types */
static void
test_wrong_types (void **state)
{
  const Row rows[] = {
    { N, "{\"ts\":\"x\",\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":1}\n"
         "{\"ts\":1,\"ev\":5,\"actor\":\"a\"}\n"
         "{\"ts\":1,\"ev\":\"send\",\"actor\":[\"a\"],\"to\":\"b\",\"id\":1}\n"
         "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":{}}\n"
         "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":1,\"size\":\"big\"}\n"
         "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":true}\n", -1,
      0, 6, "bad:1:7: this field must be a number", NULL, "bad:1:7: this field must be a number" },
    { C, "[{\"ph\":\"X\",\"ts\":\"abc\",\"dur\":2,\"pid\":1,\"tid\":1,\"name\":\"a\"},"
         "{\"ph\":5,\"ts\":1,\"pid\":1,\"tid\":1},"
         "{\"ph\":\"X\",\"ts\":1,\"dur\":2,\"pid\":{},\"tid\":1,\"name\":\"a\"},"
         "{\"ph\":\"X\",\"ts\":1,\"dur\":2,\"pid\":1,\"tid\":1,\"name\":\"ok\"}]", -1,
      2, 3, "bad:1:2: \"ts\" must be a number", NULL, "bad:1:2: \"ts\" must be a number" },
    { M, "{\"events\":[[0,{\"time\":\"x\",\"input\":\"a\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",0],"
         "{\"payload\":\"x\",\"kind\":[\"Request\",\"a\"]}]}],[\"x\",{}],[2,{\"time\":1.5,\"input\":5,"
         "\"queue\":\"q\",\"message\":[]}]]}", -1,
      0, 3, "bad:1:12: missing or non-numeric \"time\"", NULL, "bad:1:12: missing or non-numeric \"time\"" },
  };
  check_rows (rows, G_N_ELEMENTS (rows));
}

/* huge numbers: 1e400, 2^64, -0, long digit strings */
static void
test_huge_numbers (void **state)
{
  g_autofree char *digits300 = g_strnfill (300, '7');
  g_autofree char *long_ts = g_strdup_printf ("{\"ts\":%s,\"ev\":\"mark\",\"text\":\"a\"}\n"
                                              "{\"ts\":1,\"ev\":\"mark\",\"text\":\"b\"}\n", digits300);
  const Row rows[] = {
    { N, "{\"ts\":1e400,\"ev\":\"mark\",\"text\":\"a\"}\n"
         "{\"ts\":18446744073709551616,\"ev\":\"mark\",\"text\":\"b\"}\n"
         "{\"ts\":-0,\"ev\":\"mark\",\"text\":\"c\"}\n"
         "{\"t\":1e400,\"ev\":\"mark\",\"text\":\"e\"}\n"
         "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":1,\"size\":18446744073709551616}\n"
         "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":18446744073709551616}\n"
         "{\"t\":-0.0,\"ev\":\"mark\",\"text\":\"negz\"}\n"
         "{\"t\":0e999999,\"ev\":\"mark\",\"text\":\"zero\"}\n", -1,
      4, 4, "bad:1:7: \"ts\" must be an integer (nanoseconds); use \"t\" for seconds", NULL,
      "bad:1:7: \"ts\" must be an integer (nanoseconds); use \"t\" for seconds" },
    { N, long_ts, -1, 1, 1, "bad:1:7: \"ts\" out of 64-bit range", NULL, "bad:1:7: \"ts\" out of 64-bit range" },
    { C, "[{\"ph\":\"i\",\"ts\":1e400,\"pid\":1,\"tid\":1,\"name\":\"a\"},"
         "{\"ph\":\"i\",\"ts\":18446744073709551616,\"pid\":1,\"tid\":1,\"name\":\"b\"},"
         "{\"ph\":\"i\",\"ts\":-0,\"pid\":1,\"tid\":1,\"name\":\"c\"},"
         "{\"ph\":\"i\",\"ts\":1e999,\"pid\":1,\"tid\":1,\"name\":\"d\"}]", -1,
      1, 3, "bad:1:2: \"ts\" out of range", NULL, "bad:1:2: \"ts\" out of range" },
    { M, "{\"events\":[[0,{\"time\":1e400,\"input\":\"a\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",0],"
         "{\"payload\":\"x\",\"kind\":[\"Request\",\"a\"]}]}]]}\n"
         "{\"events\":[[18446744073709551616,{\"time\":1,\"input\":\"a\",\"queue\":\"q\",\"message\":"
         "[\"Message\",[\"q\",3],{\"payload\":\"x\",\"kind\":[\"Request\",\"a\"]}]}]]}\n"
         "{\"events\":[[5,{\"time\":-0,\"input\":\"a\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",2],"
         "{\"payload\":\"x\",\"kind\":[\"Request\",\"a\"]}]}]]}\n", -1,
      1, 2, "bad:1:12: \"time\" out of range", NULL, "bad:1:12: \"time\" out of range" },
  };
  check_rows (rows, G_N_ELEMENTS (rows));

  /* -0 is time 0; 2^63-1 and -2^63 are clamped to +-(2^62-1) so that every
   * difference of two times fits (checked without overflow by UBSan). */
  const char *extremes = "{\"ts\":-0,\"ev\":\"mark\",\"text\":\"c\"}\n"
                         "{\"ts\":9223372036854775807,\"ev\":\"mark\",\"text\":\"max\"}\n"
                         "{\"ts\":-9223372036854775808,\"ev\":\"mark\",\"text\":\"min\"}\n";
  Run r = run_parse (N, TRUE, extremes, strlen (extremes), 0);
  assert_true (r.ok);
  assert_int_equal (ingest_store_event (r.store, 0)->time_ns, 0);
  assert_true (ingest_store_event (r.store, 1)->time_ns == INGEST_STORE_MAX_TIME);
  assert_true (ingest_store_event (r.store, 2)->time_ns == -INGEST_STORE_MAX_TIME);
  gint64 t0, t1;
  assert_true (ingest_store_time_range (r.store, &t0, &t1));
  assert_true (t1 - t0 > 0);
  run_clear (&r);
}

/* NaN/inf timestamps, as strings and as 1e999 */
static void
test_nan_inf (void **state)
{
  const Row rows[] = {
    { N, "{\"ts\":\"NaN\",\"ev\":\"mark\",\"text\":\"a\"}\n"
         "{\"ts\":NaN,\"ev\":\"mark\",\"text\":\"b\"}\n"
         "{\"ts\":1e999,\"ev\":\"mark\",\"text\":\"c\"}\n"
         "{\"t\":\"inf\",\"ev\":\"mark\",\"text\":\"d\"}\n"
         "{\"t\":Infinity,\"ev\":\"mark\",\"text\":\"e\"}\n"
         "{\"t\":-1e999,\"ev\":\"mark\",\"text\":\"f\"}\n"
         "{\"t\":1.5,\"ev\":\"mark\",\"text\":\"ok\"}\n", -1,
      1, 6, "bad:1:7: this field must be a number", NULL, "bad:1:7: this field must be a number" },
    { C, "[{\"ph\":\"i\",\"ts\":\"NaN\",\"pid\":1,\"tid\":1,\"name\":\"a\"},"
         "{\"ph\":\"i\",\"ts\":\"inf\",\"pid\":1,\"tid\":1,\"name\":\"b\"},"
         "{\"ph\":\"i\",\"ts\":5,\"pid\":1,\"tid\":1,\"name\":\"ok\"}]", -1,
      1, 2, "bad:1:2: \"ts\" must be a number", NULL, "bad:1:2: \"ts\" must be a number" },
    /* A bare NaN is a JSON syntax error: the Chrome document ends there. */
    { C, "[{\"ph\":\"i\",\"ts\":5,\"pid\":1,\"tid\":1,\"name\":\"ok\"},{\"ph\":\"i\",\"ts\":NaN}]", -1,
      0, 0, NULL, "bad:1:63: unexpected character (NaN and Infinity are not JSON)",
      "bad:1:63: unexpected character (NaN and Infinity are not JSON)" },
    { M, "{\"events\":[[1,{\"time\":NaN,\"input\":\"a\",\"queue\":\"q\"}]]}\n"
         "{\"events\":[[2,{\"time\":\"inf\",\"input\":\"a\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",1],"
         "{\"payload\":\"x\",\"kind\":[\"Request\",\"a\"]}]}]]}\n", -1,
      0, 2, "bad:1:23: unexpected character (NaN and Infinity are not JSON)", NULL,
      "bad:1:23: unexpected character (NaN and Infinity are not JSON)" },
  };
  check_rows (rows, G_N_ELEMENTS (rows));
}

/* timestamps going backwards: accepted, the time order is sorted, negative
 * latencies count as 0 */
static void
test_time_backwards (void **state)
{
  const char *text = "{\"ts\":300,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":1}\n"
                     "{\"ts\":200,\"ev\":\"recv\",\"actor\":\"b\",\"id\":1}\n"
                     "{\"ts\":100,\"ev\":\"done\",\"actor\":\"b\",\"id\":1}\n";
  Run r = run_parse (N, TRUE, text, strlen (text), 0);
  assert_true (r.ok);
  assert_int_equal (ingest_store_n_events (r.store), 3);
  assert_int_equal (ingest_store_time_seq (r.store, 0), 2);
  assert_int_equal (ingest_store_time_seq (r.store, 2), 0);
  IngestActorStats st;
  ingest_store_actor_stats (r.store, ingest_store_find_actor (r.store, "b"), &st);
  assert_int_equal (st.mailbox.count, 1);
  assert_true (st.mailbox.p99_ns == 0 && st.processing.p99_ns == 0);
  run_clear (&r);
}

/* duplicate ids and missing ids */
static void
test_ids (void **state)
{
  const Row rows[] = {
    /* missing / empty / null id: a schema error at column 1 */
    { N, "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\"}\n"
         "{\"ts\":1,\"ev\":\"recv\",\"actor\":\"b\"}\n"
         "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":\"\"}\n"
         "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":null}\n", -1,
      0, 4, "bad:1:1: \"send\" without a message \"id\"", NULL,
      "bad:1:1: \"send\" without a message \"id\"" },
    /* message-switch: a repeated event id is an overlapping poll: dropped
     * and counted as duplicate (checked below) */
    { M, "{\"events\":[[0,{\"time\":1.5,\"input\":\"a\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",0],"
         "{\"payload\":\"x\",\"kind\":[\"Request\",\"a\"]}]}]]}\n"
         "{\"events\":[[0,{\"time\":1.5,\"input\":\"a\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",0],"
         "{\"payload\":\"x\",\"kind\":[\"Request\",\"a\"]}]}]]}\n", -1,
      1, 0, NULL, NULL, NULL },
  };
  check_rows (rows, G_N_ELEMENTS (rows));

  Run r = run_parse (M, FALSE, rows[1].input, strlen (rows[1].input), 0);
  assert_int_equal (ingest_store_counters (r.store)->duplicate_events, 1);
  run_clear (&r);

  /* native: an id reused while in flight starts a new message; receives
   * beyond the sends are unmatched */
  const char *dup = "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":1}\n"
                    "{\"ts\":2,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":1}\n"
                    "{\"ts\":3,\"ev\":\"recv\",\"actor\":\"b\",\"id\":1}\n"
                    "{\"ts\":4,\"ev\":\"recv\",\"actor\":\"b\",\"id\":1}\n"
                    "{\"ts\":5,\"ev\":\"recv\",\"actor\":\"b\",\"id\":1}\n";
  r = run_parse (N, TRUE, dup, strlen (dup), 0);
  assert_true (r.ok);
  assert_int_equal (ingest_store_n_events (r.store), 5);
  assert_true (ingest_store_n_messages (r.store) >= 2);
  assert_true (ingest_store_counters (r.store)->unmatched >= 1);
  run_clear (&r);

  /* Chrome: duplicate pid/tid metadata keeps one actor per thread */
  const char *cdup = "[{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"w\"}},"
                     "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"w\"}},"
                     "{\"ph\":\"X\",\"ts\":1,\"dur\":1,\"pid\":1,\"tid\":1,\"name\":\"s\"}]";
  r = run_parse (C, TRUE, cdup, strlen (cdup), 0);
  assert_true (r.ok);
  assert_int_equal (ingest_store_n_actors (r.store), 2);
  run_clear (&r);
}

/* unmatched receives and responses: accepted, counted */
static void
test_unmatched (void **state)
{
  const char *text = "{\"ts\":1,\"ev\":\"recv\",\"actor\":\"b\",\"id\":9}\n"
                     "{\"ts\":2,\"ev\":\"done\",\"actor\":\"b\",\"id\":10}\n"
                     "{\"ts\":3,\"ev\":\"send\",\"actor\":\"b\",\"to\":\"a\",\"id\":11,\"in_reply_to\":77}\n"
                     "{\"ts\":3,\"ev\":\"ack\",\"actor\":\"b\",\"id\":12}\n";
  Run r = run_parse (N, TRUE, text, strlen (text), 0);
  assert_true (r.ok);
  assert_int_equal (ingest_store_n_events (r.store), 4);
  assert_int_equal (ingest_store_counters (r.store)->unmatched, 4);
  run_clear (&r);

  /* Chrome: a flow end without its start, an E without B */
  const Row rows[] = {
    { C, "[{\"ph\":\"E\",\"ts\":1,\"pid\":1,\"tid\":1},"
         "{\"ph\":\"f\",\"ts\":3,\"pid\":1,\"tid\":2,\"id\":7,\"cat\":\"c\",\"name\":\"fl\"}]", -1,
      1, 1, "bad:1:2: \"E\" without an open \"B\" on this thread", NULL,
      "bad:1:2: \"E\" without an open \"B\" on this thread" },
  };
  check_rows (rows, G_N_ELEMENTS (rows));
  r = run_parse (C, FALSE, rows[0].input, strlen (rows[0].input), 0);
  assert_int_equal (ingest_store_counters (r.store)->unmatched, 1);
  run_clear (&r);
}

/* 100 MB single lines (and strings), streamed: memory stays bounded */
static void
test_huge_line (void **state)
{
  const guint64 big = G_GUINT64_CONSTANT (100) << 20;
  StreamCase cases[] = {
    { N, FALSE, "{\"ts\":1,\"ev\":\"mark\",\"text\":\"", "\"}\n{\"ts\":2,\"ev\":\"mark\",\"text\":\"after\"}\n",
      'x', big, 1, 1, "bad:1:1048577: line longer than 1048576 bytes" },
    { N, TRUE, "{\"ts\":1,\"ev\":\"mark\",\"text\":\"", "\"}\n", 'x', big, 0, 0,
      "bad:1:1048577: line longer than 1048576 bytes" },
    /* 100 MB of spaces inside one Chrome document: valid JSON */
    { C, FALSE, "[{\"ph\":\"i\",\"ts\":1,\"pid\":1,\"tid\":1,\"name\":\"a\"},",
      "{\"ph\":\"i\",\"ts\":2,\"pid\":1,\"tid\":1,\"name\":\"b\"}]", ' ', big, 2, 0, "(none)" },
    /* a 100 MB name: cut to the store's 4096 bytes */
    { C, FALSE, "[{\"ph\":\"i\",\"ts\":1,\"pid\":1,\"tid\":1,\"name\":\"",
      "\"},{\"ph\":\"i\",\"ts\":2,\"pid\":1,\"tid\":1,\"name\":\"b\"}]", 'x', big, 2, 0, "(none)" },
    { M, FALSE, "{\"events\":[[0,{\"time\":1.5,\"input\":\"",
      "\",\"queue\":\"q\",\"message\":[\"Message\",[\"q\",0],{\"payload\":\"x\",\"kind\":[\"Request\",\"a\"]}]}]]}\n",
      'x', big, 1, 0, "(none)" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *label = g_strdup_printf ("100 MB line, %s %s", ingest_format_to_string (cases[i].format),
                                                cases[i].strict ? "strict" : "lenient");
      glong grow = run_heavy (stream_case, &cases[i], label);
      assert_true (grow < 64 * 1024 + RSS_SLACK_KB); /* well under the 100 MB line */
    }
}

/* deeply nested JSON (100k levels) */
static void
test_deep_nesting (void **state)
{
  GString *n = g_string_new ("{\"x\":");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (n, '[');
  for (int i = 0; i < 100000; i++)
    g_string_append_c (n, ']');
  g_string_append (n, ",\"ts\":1,\"ev\":\"mark\",\"text\":\"d\"}\n{\"ts\":2,\"ev\":\"mark\",\"text\":\"ok\"}\n");
  GString *c = g_string_new ("[{\"ph\":\"i\",\"ts\":1,\"pid\":1,\"tid\":1,\"name\":\"a\",\"args\":");
  for (int i = 0; i < 100000; i++)
    g_string_append (c, "{\"a\":");
  g_string_append (c, "1}]");
  GString *m = g_string_new ("{\"events\":[[0,");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (m, '[');
  g_string_append (m, "]]}\n");
  const Row rows[] = {
    { N, n->str, (gssize) n->len, 1, 1, "bad:1:70: nesting too deep", NULL, "bad:1:70: nesting too deep" },
    { C, c->str, (gssize) c->len, 0, 0, NULL, "bad:1:363: nesting too deep", "bad:1:363: nesting too deep" },
    { M, m->str, (gssize) m->len, 0, 1, "bad:1:76: nesting too deep", NULL, "bad:1:76: nesting too deep" },
  };
  check_rows (rows, G_N_ELEMENTS (rows));
  g_string_free (n, TRUE);
  g_string_free (c, TRUE);
  g_string_free (m, TRUE);
}

/* invalid UTF-8: overlongs, surrogates, lone continuation bytes, and lone
 * surrogate escapes: accepted, repaired to U+FFFD */
static void
test_invalid_utf8 (void **state)
{
  const char *text = "{\"ts\":1,\"ev\":\"spawn\",\"actor\":\"o\xc0\xaf|s\xed\xa0\x80|c\x80|t\xe2\x82|f\xff\"}\n"
                     "{\"ts\":2,\"ev\":\"spawn\",\"actor\":\"esc\\ud800x\"}\n";
  Run r = run_parse (N, TRUE, text, strlen (text), 1);
  assert_true (r.ok);
  assert_int_equal (ingest_store_n_actors (r.store), 2);
  const char *a = ingest_store_actor_name (r.store, 1);
  assert_true (g_utf8_validate (a, -1, NULL));
  assert_non_null (strstr (a, "\xef\xbf\xbd"));
  assert_true (g_str_has_prefix (a, "o\xef\xbf\xbd"));
  assert_true (g_str_has_suffix (a, "|f\xef\xbf\xbd"));
  const char *b = ingest_store_actor_name (r.store, 2);
  assert_true (g_utf8_validate (b, -1, NULL));
  assert_string_equal (b, "esc\xef\xbf\xbdx");
  run_clear (&r);

  const char *ctext = "[{\"ph\":\"i\",\"ts\":1,\"pid\":1,\"tid\":1,\"name\":\"o\xc0\xaf\xed\xa0\x80\x80\"},"
                      "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"\xff\xfe\"}}]";
  r = run_parse (C, TRUE, ctext, strlen (ctext), 1);
  assert_true (r.ok);
  for (guint id = 1; id <= ingest_store_n_actors (r.store); id++)
    assert_true (g_utf8_validate (ingest_store_actor_name (r.store, id), -1, NULL));
  run_clear (&r);
}

/* NUL bytes: inside a string, between tokens, a whole file of them */
static void
test_nul_bytes (void **state)
{
  static const char a[] = "{\"ts\":1,\"ev\":\"mark\",\"text\":\"a\0b\"}\n"
                          "{\"ts\":2,\0\"ev\":\"mark\",\"text\":\"b\"}\n"
                          "{\"ts\":3,\"ev\":\"mark\",\"text\":\"a\\u0000b\"}\n";
  static const char c[] = "[{\"ph\":\"i\",\"ts\":1,\"pid\":1,\"tid\":1,\"name\":\"a\0\"}]";
  static const char zeros[8192] = { 0 };
  const Row rows[] = {
    { N, a, sizeof a - 1, 1, 2, "bad:1:30: raw NUL byte in string", NULL,
      "bad:1:30: raw NUL byte in string" },
    { C, c, sizeof c - 1, 0, 0, NULL, "bad:1:44: raw control byte in string",
      "bad:1:44: raw control byte in string" },
    { A, zeros, sizeof zeros, 0, 0, NULL,
      "bad: binary data, not a trace format actorscope reads (Perfetto protobuf traces start with "
      "a packet field; this does not)",
      "bad: binary data, not a trace format actorscope reads (Perfetto protobuf traces start with "
      "a packet field; this does not)" },
  };
  check_rows (rows, G_N_ELEMENTS (rows));
  /* the NUL between tokens is named at its column; the \u0000 escape is
   * accepted and repaired */
  Run r = run_parse (N, FALSE, a, sizeof a - 1, 0);
  IngestParserOptions o2 = { .format = N, .source_name = "bad" };
  g_autoptr (IngestStore) s2 = ingest_store_new ();
  g_autoptr (IngestParser) p2 = ingest_parser_new (s2, &o2);
  assert_true (ingest_parser_feed (p2, (const guint8 *) a, sizeof a - 1, NULL));
  assert_true (ingest_parser_finish (p2, NULL));
  const GPtrArray *diags = ingest_parser_get_diagnostics (p2);
  assert_int_equal (diags->len, 2);
  assert_string_equal (((GError *) diags->pdata[1])->message, "bad:2:9: expected a string key");
  const IngestEvent *ev = ingest_store_event (r.store, 0);
  assert_string_equal (ingest_store_atom (r.store, ev->text), "a\xef\xbf\xbd" "b");
  run_clear (&r);
}

/* gzip bombs: 1 GB compressing to ~1 MB. Built without ever holding 1 GB:
 * one 1 MiB block deflated after a full flush (empty window) is the same
 * bytes every time, so the stream is that block 1024 times. */
static GBytes *
make_bomb (char fill, guint n_mib)
{
  static guint8 in[1 << 20];
  memset (in, fill, sizeof in);
  z_stream zs = { 0 };
  assert_int_equal (deflateInit2 (&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
  gsize cap = deflateBound (&zs, sizeof in) + 64;
  guint8 *block = g_malloc (cap);
  zs.next_in = in;
  zs.avail_in = sizeof in;
  zs.next_out = block;
  zs.avail_out = (uInt) cap;
  assert_int_equal (deflate (&zs, Z_FULL_FLUSH), Z_OK);
  gsize block_len = cap - zs.avail_out;
  guint8 tail[16];
  zs.next_out = tail;
  zs.avail_out = sizeof tail;
  assert_int_equal (deflate (&zs, Z_FINISH), Z_STREAM_END);
  gsize tail_len = sizeof tail - zs.avail_out;
  deflateEnd (&zs);

  uLong crc = crc32 (0, in, sizeof in), total = crc;
  for (guint i = 1; i < n_mib; i++)
    total = crc32_combine (total, crc, sizeof in);
  GByteArray *gz = g_byte_array_new ();
  static const guint8 header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
  g_byte_array_append (gz, header, sizeof header);
  for (guint i = 0; i < n_mib; i++)
    g_byte_array_append (gz, block, (guint) block_len);
  g_byte_array_append (gz, tail, (guint) tail_len);
  guint32 isize = (guint32) ((guint64) n_mib << 20);
  guint8 trailer[8] = { total & 0xff, (total >> 8) & 0xff, (total >> 16) & 0xff, (total >> 24) & 0xff,
                        isize & 0xff, (isize >> 8) & 0xff, (isize >> 16) & 0xff, (isize >> 24) & 0xff };
  g_byte_array_append (gz, trailer, sizeof trailer);
  g_free (block);
  return g_byte_array_free_to_bytes (gz);
}

typedef struct {
  GBytes *gz;
  IngestParserOptions opts;
  const char *want;        /* error message */
  gboolean want_ok;
  guint64 want_events;
} BombCase;

static gboolean
bomb_case (gpointer data, char *what, gsize what_len)
{
  BombCase *bc = data;
  g_autoptr (IngestStore) store = ingest_store_new ();
  g_autoptr (IngestParser) p = ingest_parser_new (store, &bc->opts);
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *d = g_bytes_get_data (bc->gz, &len);
  gboolean ok = TRUE;
  /* 256 KiB reads, like ingest_load_file */
  for (gsize off = 0; ok && off < len; off += 256 * 1024)
    ok = ingest_parser_feed (p, d + off, MIN (256 * 1024, len - off), &error);
  if (ok)
    ok = ingest_parser_finish (p, &error);
  g_snprintf (what, what_len, "ok=%d events=%" G_GUINT64_FORMAT " %s", ok, ingest_store_n_events (store),
              error ? error->message : "");
  if (bc->want_ok)
    return ok && ingest_store_n_events (store) == bc->want_events;
  return !ok && g_strcmp0 (error->message, bc->want) == 0;
}

static void
test_gzip_bomb (void **state)
{
  g_autoptr (GBytes) zeros = make_bomb ('\0', 1024);
  g_autoptr (GBytes) newlines = make_bomb ('\n', 1024);
  g_autoptr (GBytes) small = make_bomb ('\n', 32);
  print_message ("  1 GiB of zeros -> %" G_GSIZE_FORMAT " bytes of gzip\n", g_bytes_get_size (zeros));
  assert_true (g_bytes_get_size (zeros) < 2u << 20);

  BombCase cases[] = {
    { zeros, { .source_name = "bomb.gz" },
      "bomb.gz: binary data, not a trace format actorscope reads (Perfetto protobuf traces start with "
      "a packet field; this does not)", FALSE, 0 },
    { newlines, { .source_name = "bomb.gz" },
      "bomb.gz: gzip data expands more than 200 times (67174400 bytes from 262144): refused as a gzip bomb",
      FALSE, 0 },
    { newlines, { .source_name = "bomb.gz", .max_gzip_ratio = 100000, .max_decompressed = 100u << 20 },
      "bomb.gz: decompressed size exceeds the limit of 104857600 bytes", FALSE, 0 },
    /* under the 64 MiB grace, a 32 MiB bomb of blank lines is just slow
     * nothing: accepted */
    { small, { .source_name = "bomb.gz" }, NULL, TRUE, 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      glong grow = run_heavy (bomb_case, &cases[i], "gzip bomb");
      assert_true (grow < 64 * 1024 + RSS_SLACK_KB);
    }

  /* the CLI: exit 1, the message on stderr */
  g_autofree char *path = g_build_filename (tmp_dir, "bomb.gz", NULL);
  assert_true (g_file_set_contents (path, g_bytes_get_data (newlines, NULL), (gssize) g_bytes_get_size (newlines),
                                    NULL));
  g_autofree char *err = NULL;
  int rc = run_cli (&err, NULL, "stats", "--json", "bomb.gz", NULL);
  assert_int_equal (rc, 1);
  assert_non_null (strstr (err, "bomb.gz: gzip data expands more than 200 times"));
}

/* unknown event kinds */
static void
test_unknown_kinds (void **state)
{
  const Row rows[] = {
    { N, "{\"ts\":1,\"ev\":\"teleport\",\"actor\":\"b\",\"id\":9}\n{\"ts\":1}\n{}\n[]\n\"str\"\n42\nnull\n"
         "{\"ts\":1,\"ev\":\"mark\",\"text\":\"ok\",\"future\":{\"x\":[1,2]}}\n", -1,
      1, 7, "bad:1:14: unknown \"ev\" value", NULL, "bad:1:14: unknown \"ev\" value" },
    { C, "[{\"ph\":\"Z\",\"ts\":1,\"pid\":1,\"tid\":1,\"name\":\"a\"},"
         "{\"ph\":\"C\",\"ts\":1,\"pid\":1,\"tid\":1,\"name\":\"counter\",\"args\":{\"v\":1}},"
         "{\"ph\":\"i\",\"ts\":2,\"pid\":1,\"tid\":1,\"name\":\"ok\"}]", -1,
      1, 1, "bad:1:2: unknown \"ph\" 'Z'", NULL, "bad:1:2: unknown \"ph\" 'Z'" },
    { M, "{\"events\":[[0,{\"time\":1.5,\"input\":\"a\",\"queue\":\"q\",\"message\":[\"Teleport\",[\"q\",0],{}]}]]}\n",
      -1, 0, 1, "bad:1:12: unknown message variant", NULL, "bad:1:12: unknown message variant" },
  };
  check_rows (rows, G_N_ELEMENTS (rows));
}

/* empty file, only whitespace, BOM, CRLF, binary garbage */
static void
test_odd_files (void **state)
{
  guint8 garbage[4096];
  GRand *rand = g_rand_new_with_seed (42);
  for (gsize i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  garbage[0] = 0x01; /* not '{', '[' nor gzip magic */
  const Row rows[] = {
    { A, "", 0, 0, 0, NULL, NULL, NULL },
    { A, "   \n\n\t\n  \r\n", -1, 0, 0, NULL, NULL, NULL },
    { A, "\xef\xbb\xbf{\"ts\":1,\"ev\":\"mark\",\"text\":\"bom\"}\n", -1, 1, 0, NULL, NULL, NULL },
    { A, "\xef\xbb\xbf{\"ts\":1,\"ev\":\"mark\",\"text\":\"bom\"", -1, 0, 1, "bad:1:36: expected ',' or '}' (truncated last line: the input ends without a newline)",
      NULL, "bad:1:36: expected ',' or '}' (truncated last line: the input ends without a newline)" },
    { A, "\xef\xbb\xbf[{\"ph\":\"i\",\"ts\":1,\"pid\":1,\"tid\":1,\"name\":\"x\"}]", -1, 1, 0, NULL, NULL, NULL },
    { A, "{\"ts\":1,\"ev\":\"mark\",\"text\":\"a\"}\r\n{\"ts\":2,\"ev\":\"mark\",\"text\":\"b\"}\r\n", -1,
      2, 0, NULL, NULL, NULL },
    { A, (const char *) garbage, sizeof garbage, 0, 0, NULL,
      "bad: binary data, not a trace format actorscope reads (Perfetto protobuf traces start with "
      "a packet field; this does not)",
      "bad: binary data, not a trace format actorscope reads (Perfetto protobuf traces start with "
      "a packet field; this does not)" },
    /* text that is not JSON at all */
    { A, "hello world\nthis is not a trace\n", -1, 0, 2, "bad:1:1: expected '{' (one JSON object per line)",
      NULL, "bad:1:1: expected '{' (one JSON object per line)" },
  };
  check_rows (rows, G_N_ELEMENTS (rows));
}

/* millions of distinct actor names: the store's actor cap */
typedef struct {
  IngestFormat format;
  guint n_names;
  guint32 cap;
} ActorsCase;

static gboolean
actors_case (gpointer data, char *what, gsize what_len)
{
  ActorsCase *ac = data;
  IngestStoreOptions sopts = { .max_actors = ac->cap };
  g_autoptr (IngestStore) store = ingest_store_new_with_options (&sopts);
  IngestParserOptions opts = { .format = ac->format, .strict = TRUE, .source_name = "many" };
  g_autoptr (IngestParser) p = ingest_parser_new (store, &opts);
  g_autoptr (GError) error = NULL;
  GString *buf = g_string_new (ac->format == C ? "[" : "");
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < ac->n_names; i++)
    {
      /* (formatted on the stack: g_string_append_printf allocates per call,
       * which ASan's quarantine would count against the bound) */
      char line[128];
      int n;
      if (ac->format == C)
        n = g_snprintf (line, sizeof line, "{\"ph\":\"i\",\"ts\":%u,\"pid\":%u,\"tid\":%u,\"name\":\"m\"},",
                        i, i / 4, i);
      else
        n = g_snprintf (line, sizeof line, "{\"ev\":\"actor\",\"actor\":\"/user/actor-%u-%u\"}\n", i, i * 7919u);
      g_string_append_len (buf, line, n);
      if (buf->len > 60000)
        {
          ok = ingest_parser_feed (p, (const guint8 *) buf->str, buf->len, &error);
          g_string_truncate (buf, 0);
        }
    }
  if (ac->format == C)
    g_string_append (buf, "{\"ph\":\"i\",\"ts\":0,\"pid\":1,\"tid\":1,\"name\":\"end\"}]");
  if (ok)
    ok = ingest_parser_feed (p, (const guint8 *) buf->str, buf->len, &error);
  if (ok)
    ok = ingest_parser_finish (p, &error);
  g_string_free (buf, TRUE);
  guint64 folded = ingest_store_counters (store)->folded_actor_refs;
  g_snprintf (what, what_len, "ok=%d actors=%u folded=%" G_GUINT64_FORMAT " store=%" G_GSIZE_FORMAT " KiB %s",
              ok, ingest_store_n_actors (store), folded, ingest_store_memory_bytes (store) / 1024,
              error ? error->message : "");
  IngestActorId other = ingest_store_other_actors (store);
  return ok && ingest_store_n_actors (store) <= ac->cap + 1 && other != 0
         && g_strcmp0 (ingest_store_actor_name (store, other), INGEST_STORE_OTHER_ACTORS) == 0
         && folded > 0;
}

static void
test_many_actors (void **state)
{
  /* 2 million distinct names (plus their "/user" parent) against a 20,000
   * cap, and 300,000 Chrome threads against a 10,000 cap. */
  ActorsCase n = { N, 2000000, 20000 };
  glong grow = run_heavy (actors_case, &n, "2M actor names, native");
  assert_true (grow < 96 * 1024 + RSS_SLACK_KB);
  ActorsCase c = { C, 300000, 10000 };
  grow = run_heavy (actors_case, &c, "300k Chrome threads");
  assert_true (grow < 96 * 1024 + RSS_SLACK_KB);
}

/* The CLI: exit codes and source:line:col on stderr, lenient and strict,
 * stats and export. */
static void
test_cli (void **state)
{
  g_autofree char *trunc = write_tmp ("trunc.ndjson",
                                      "{\"ts\":1,\"ev\":\"mark\",\"text\":\"x\"}\n"
                                      "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":1", -1);
  g_autofree char *err = NULL, *out = NULL;

  int rc = run_cli (&err, &out, "stats", "--json", "trunc.ndjson", NULL);
  assert_int_equal (rc, 0);
  assert_non_null (strstr (err, "trunc.ndjson:2:48: expected ',' or '}'"));
  g_autoptr (GError) error = NULL;
  assert_non_null (strstr (out, "\"skipped\": 1"));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  rc = run_cli (&err, &out, "stats", "--json", "--strict", "trunc.ndjson", NULL);
  assert_int_equal (rc, 1);
  assert_non_null (strstr (err, "trunc.ndjson:2:48: expected ',' or '}'"));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  rc = run_cli (&err, NULL, "export", "--strict", "-o", "out.svg", "trunc.ndjson", NULL);
  assert_int_equal (rc, 1);
  assert_non_null (strstr (err, "trunc.ndjson:2:48: expected ',' or '}'"));
  g_clear_pointer (&err, g_free);
  rc = run_cli (&err, NULL, "export", "-o", "out.svg", "trunc.ndjson", NULL);
  assert_int_equal (rc, 0);
  assert_non_null (strstr (err, "trunc.ndjson:2:48:"));
  g_autofree char *svg_path = g_build_filename (tmp_dir, "out.svg", NULL);
  assert_true (g_file_test (svg_path, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&err, g_free);

  /* Chrome: a fatal syntax error fails even in lenient mode */
  g_free (write_tmp ("nan.json", "[{\"ph\":\"i\",\"ts\":NaN}]", -1));
  rc = run_cli (&err, NULL, "stats", "--json", "nan.json", NULL);
  assert_int_equal (rc, 1);
  assert_non_null (strstr (err, "nan.json:1:17: unexpected character (NaN and Infinity are not JSON)"));
  g_clear_pointer (&err, g_free);

  /* binary garbage */
  static const guint8 garbage[] = { 0x01, 0x02, 0xff, 0x00, 0x7f, 0x1b, 0x5b };
  g_free (write_tmp ("garbage.bin", (const char *) garbage, sizeof garbage));
  rc = run_cli (&err, NULL, "convert", "-o", "out.ndjson", "garbage.bin", NULL);
  assert_int_equal (rc, 1);
  assert_non_null (strstr (err, "garbage.bin: binary data, not a trace format actorscope reads"));
  g_clear_pointer (&err, g_free);

  /* empty file: zero events, no error */
  g_free (write_tmp ("empty.ndjson", "", 0));
  rc = run_cli (&err, &out, "stats", "--json", "empty.ndjson", NULL);
  assert_int_equal (rc, 0);
  assert_non_null (strstr (out, "\"events\": 0"));
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  /* a missing file */
  rc = run_cli (&err, NULL, "stats", "no-such-file.ndjson", NULL);
  assert_int_equal (rc, 1);
  assert_non_null (strstr (err, "no-such-file.ndjson"));
  g_clear_pointer (&err, g_free);

  /* ingest_load_file: the same diagnostics, named after the path given */
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestParserOptions lopts = { .source_name = "trunc.ndjson" };
  assert_true (ingest_load_file (store, trunc, &lopts, NULL, NULL, &error));
  assert_int_equal (ingest_store_n_events (store), 1);
  assert_int_equal (ingest_store_counters (store)->skipped_records, 1);
  lopts.strict = TRUE;
  g_autoptr (IngestStore) store2 = ingest_store_new ();
  assert_false (ingest_load_file (store2, trunc, &lopts, NULL, NULL, &error));
  assert_string_equal (error->message, "trunc.ndjson:2:48: expected ',' or '}' (truncated last line: the input ends without a newline)");
}

/* `serve --replay`: lenient skips are reported with source:line:col;
 * --strict refuses the file at startup. */
static void
test_serve_replay (void **state)
{
  g_free (write_tmp ("serve-trunc.ndjson",
                     "{\"ts\":1,\"ev\":\"mark\",\"text\":\"x\"}\n"
                     "{\"ts\":1,\"ev\":\"send\",\"actor\":\"a\",\"to\":\"b\",\"id\":1\n"
                     "{\"ts\":2,\"ev\":\"teleport\"}\n", -1));
  g_autofree char *err = NULL;
  int rc = run_cli (&err, NULL, "serve", "-p", "0", "--strict", "--replay", "serve-trunc.ndjson", NULL);
  assert_int_equal (rc, 1);
  assert_non_null (strstr (err, "serve-trunc.ndjson:2:48: expected ',' or '}'"));

  /* Lenient: the service starts; its warnings name line and column. */
  const char *argv[] = { cli_path, "serve", "-p", "0", "--replay", "serve-trunc.ndjson", "--speed", "0", NULL };
  GPid pid;
  int err_fd;
  g_autoptr (GError) error = NULL;
  assert_true (g_spawn_async_with_pipes (tmp_dir, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                         &pid, NULL, NULL, &err_fd, &error));
  GString *text = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  char buf[4096];
  while (g_get_monotonic_time () < deadline && !strstr (text->str, ":3:14: unknown"))
    {
      GPollFD pfd = { err_fd, G_IO_IN, 0 };
      if (g_poll (&pfd, 1, 200) > 0)
        {
          ssize_t n = read (err_fd, buf, sizeof buf);
          if (n <= 0)
            break;
          g_string_append_len (text, buf, n);
        }
    }
  kill (pid, SIGKILL);
  int status;
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
  close (err_fd);
  print_message ("  serve said: %s", text->str);
  assert_non_null (strstr (text->str, "replay:serve-trunc.ndjson: skipped a malformed record: "
                                      "serve-trunc.ndjson:2:48: expected ',' or '}'"));
  assert_non_null (strstr (text->str, "serve-trunc.ndjson:3:14: unknown \"ev\" value"));
  g_string_free (text, TRUE);
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s ACTORSCOPE\n", argv[0]);
      return 2;
    }
  cli_path = g_canonicalize_filename (argv[1], NULL);
  tmp_dir = test_tmpdir_new ("actorscope-bad-input-XXXXXX");

  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_truncated),
    cmocka_unit_test (test_wrong_types),
    cmocka_unit_test (test_huge_numbers),
    cmocka_unit_test (test_nan_inf),
    cmocka_unit_test (test_time_backwards),
    cmocka_unit_test (test_ids),
    cmocka_unit_test (test_unmatched),
    cmocka_unit_test (test_huge_line),
    cmocka_unit_test (test_deep_nesting),
    cmocka_unit_test (test_invalid_utf8),
    cmocka_unit_test (test_nul_bytes),
    cmocka_unit_test (test_gzip_bomb),
    cmocka_unit_test (test_unknown_kinds),
    cmocka_unit_test (test_odd_files),
    cmocka_unit_test (test_many_actors),
    cmocka_unit_test (test_cli),
    cmocka_unit_test (test_serve_replay),
  };
  int rc = cmocka_run_group_tests (tests, NULL, NULL);
  /* the temporary folder and whatever the CLI wrote there */
  test_tmpdir_clear (&tmp_dir);
  return rc;
}
