/* test-fault-record.c: `actorscope serve --record FILE` run as a real
 * process, a producer flooding its unix socket.
 *
 * kill -9 during heavy ingest: the bound documented in
 * ingest/sources/ingest-source-record.h is that the file holds every event accepted
 * up to the last completed flush. With -v the server prints
 * "record: N events written" after each flush, once N events are in the
 * file; every such line read from its stderr was printed before the kill,
 * so the file must hold at least the largest N seen. It must also be
 * readable (whole lines; at most one torn last line, reported as exactly
 * that line), and hold exactly the first K events the producer sent, in
 * order, none missing or repeated.
 *
 * Graceful stop (SIGTERM, SIGINT) right after the producer sent N events
 * and hung up: the file holds exactly those N, each equal to what
 * `actorscope convert` makes of the sent stream.
 *
 * The file itself: an existing recording is appended to; symbolic links,
 * /dev/full, FIFOs (with a reader or not) and a file that is also an input
 * are refused before a port is bound; a failed write (a file size limit
 * standing in for a full disk) is reported at once, retried, and loses
 * nothing; --record-no-loss stops the service instead.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "ingest-native-writer.h"
#include "ingest-parser.h"
#include "ingest-store.h"
#include "test-util.h"

static const char *cli_path;

/* Event i of the producer's stream: sends and receives of message m<i/2>,
 * a payload that needs escaping now and then. */
static void
append_event (GString *s, guint64 i)
{
  guint64 m = i / 2;
  if (i % 2 == 0)
    g_string_append_printf (s, "{\"ts\":%" G_GUINT64_FORMAT ",\"ev\":\"send\",\"actor\":\"a%u\","
                            "\"to\":\"b%u\",\"id\":\"m%" G_GUINT64_FORMAT "\",\"label\":\"job\","
                            "\"payload\":\"n=%" G_GUINT64_FORMAT "%s\"}\n",
                            1000000000 + i * 1000, (guint) (m % 5), (guint) (m % 3), m, m,
                            m % 100 == 0 ? " \\\"quoted\\\" \\u00e9" : "");
  else
    g_string_append_printf (s, "{\"ts\":%" G_GUINT64_FORMAT ",\"ev\":\"recv\",\"actor\":\"b%u\","
                            "\"from\":\"a%u\",\"id\":\"m%" G_GUINT64_FORMAT "\"}\n",
                            1000000000 + i * 1000, (guint) (m % 3), (guint) (m % 5), m);
}

/* ---- the server process ---- */

typedef struct {
  GSubprocess *proc;
  GThread *reader;
  GMutex lock;
  GString *err;
  guint64 max_written;        /* largest "record: N events written" */
  guint n_flush_lines;
  char *sock_path;
  char *record;
} Server;

static gpointer
stderr_reader (gpointer data)
{
  Server *sv = data;
  g_autoptr(GDataInputStream) in =
    g_data_input_stream_new (g_subprocess_get_stderr_pipe (sv->proc));
  char *line;

  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL)) != NULL)
    {
      const char *p = strstr (line, "record: ");
      g_mutex_lock (&sv->lock);
      g_string_append_printf (sv->err, "%s\n", line);
      if (p != NULL && strstr (p, " events written") != NULL)
        {
          guint64 n = g_ascii_strtoull (p + 8, NULL, 10);
          sv->max_written = MAX (sv->max_written, n);
          sv->n_flush_lines++;
        }
      g_mutex_unlock (&sv->lock);
      g_free (line);
    }
  return NULL;
}

/* The recorder's file size limit in the write-error tests: a full disk
 * that can be emptied again (prlimit) without root or a small filesystem. */
#define SMALL_FILE_LIMIT (256 * 1024)

static void
limit_file_size (gpointer data)
{
  struct rlimit rl;
  getrlimit (RLIMIT_FSIZE, &rl);
  rl.rlim_cur = SMALL_FILE_LIMIT;
  setrlimit (RLIMIT_FSIZE, &rl);
}

/* Starts serve recording to TMPDIR/name.ndjson (not created here: a new
 * file), with extra arguments; small_file: under SMALL_FILE_LIMIT. */
static void
server_start_full (Server *sv, const char *name, const char *extra, gboolean small_file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *record_name = g_strconcat (name, ".ndjson", NULL);
  g_autofree char *sock_name = g_strconcat (name, ".sock", NULL);

  memset (sv, 0, sizeof *sv);
  g_mutex_init (&sv->lock);
  sv->err = g_string_new (NULL);
  sv->sock_path = g_build_filename (test_tmpdir (), sock_name, NULL);
  sv->record = g_build_filename (test_tmpdir (), record_name, NULL);
  listen = g_strconcat ("unix:", sv->sock_path, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (small_file)
    g_subprocess_launcher_set_child_setup (launcher, limit_file_size, NULL, NULL);
  sv->proc = g_subprocess_launcher_spawn (launcher, &error, cli_path, "serve", "--port", "0",
                                          "--listen", listen, "--record", sv->record, "-v",
                                          extra, NULL);
  assert_non_null (sv->proc);
  sv->reader = g_thread_new ("stderr", stderr_reader, sv);
}

static void
server_start (Server *sv, const char *name)
{
  server_start_full (sv, name, NULL, FALSE);
}

/* Waits until the server's stderr has text (FALSE after 30 s). */
static gboolean
server_wait_for (Server *sv, const char *text)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  gboolean found = FALSE;

  while (!found && g_get_monotonic_time () < end)
    {
      g_mutex_lock (&sv->lock);
      found = strstr (sv->err->str, text) != NULL;
      g_mutex_unlock (&sv->lock);
      if (!found)
        g_usleep (10 * 1000);
    }
  return found;
}

static void
server_wait (Server *sv)
{
  g_subprocess_wait (sv->proc, NULL, NULL);
  g_thread_join (sv->reader);
  fprintf (stderr, "# serve stderr (last lines):\n");
  {
    g_auto(GStrv) lines = g_strsplit (sv->err->str, "\n", -1);
    guint n = g_strv_length (lines);
    for (guint i = n > 8 ? n - 8 : 0; i < n; i++)
      if (lines[i][0] != '\0')
        fprintf (stderr, "#   %s\n", lines[i]);
  }
}

static void
server_clear (Server *sv)
{
  g_clear_object (&sv->proc);
  g_string_free (sv->err, TRUE);
  g_mutex_clear (&sv->lock);
  g_unlink (sv->record);
  g_unlink (sv->sock_path);
  g_free (sv->record);
  g_free (sv->sock_path);
}

static guint64
server_max_written (Server *sv)
{
  guint64 n;
  g_mutex_lock (&sv->lock);
  n = sv->max_written;
  g_mutex_unlock (&sv->lock);
  return n;
}

static GSocketConnection *
producer_connect (Server *sv)
{
  GSocketConnection *c = test_unix_connect (sv->sock_path, 30 * 1000);

  if (c == NULL)
    fail_msg ("the server never listened on %s", sv->sock_path);
  return c;
}

/* ---- a flooding producer thread ---- */

typedef struct {
  GSocketConnection *conn;
  guint64 limit;              /* events to send (G_MAXUINT64: until it fails) */
  volatile gint stop;
  guint64 sent;               /* events fully written to the socket */
} Producer;

static gpointer
producer_run (gpointer data)
{
  Producer *p = data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (p->conn));
  g_autoptr(GString) batch = g_string_new (NULL);
  guint64 i = 0;

  while (i < p->limit && !g_atomic_int_get (&p->stop))
    {
      guint64 first = i;
      g_string_truncate (batch, 0);
      for (; i < p->limit && i - first < 256; i++)
        append_event (batch, i);
      if (!g_output_stream_write_all (out, batch->str, batch->len, NULL, NULL, NULL))
        break;
      p->sent = i;
    }
  g_io_stream_close (G_IO_STREAM (p->conn), NULL, NULL);
  return NULL;
}

/* ---- reading the record back ---- */

typedef struct {
  IngestStore *store;
  guint64 skipped;
  guint64 bad_line;           /* line of the first diagnostic, 0 if none */
  char *bad_message;
  guint64 n_lines;
  gboolean ends_with_newline;
} Loaded;

static void
load_record (const char *path, Loaded *out)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(IngestParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  IngestParserOptions po = { 0 };
  const GPtrArray *diags;

  memset (out, 0, sizeof *out);
  assert_true (g_file_get_contents (path, &data, &len, NULL));
  for (gsize i = 0; i < len; i++)
    if (data[i] == '\n')
      out->n_lines++;
  out->ends_with_newline = len > 0 && data[len - 1] == '\n';
  if (!out->ends_with_newline && len > 0)
    out->n_lines++;
  out->store = ingest_store_new ();
  po.source_name = "record";
  parser = ingest_parser_new (out->store, &po);
  assert_true (ingest_parser_feed (parser, (const guint8 *) data, len, &error));
  assert_true (ingest_parser_finish (parser, &error));
  out->skipped = ingest_parser_n_skipped (parser);
  diags = ingest_parser_get_diagnostics (parser);
  if (diags != NULL && diags->len > 0)
    {
      const GError *e = g_ptr_array_index (diags, 0);
      const char *p = e->message + strlen ("record:");
      out->bad_line = g_ascii_strtoull (p, NULL, 10);
      out->bad_message = g_strdup (e->message);
    }
  assert_int_equal (ingest_parser_get_format (parser), INGEST_FORMAT_NATIVE);
}

static void
loaded_clear (Loaded *l)
{
  g_clear_pointer (&l->store, ingest_store_free);
  g_clear_pointer (&l->bad_message, g_free);
}

/* Event seq of the store is the producer's event seq: same kind, time,
 * actors, message key. */
static void
assert_is_sent_event (IngestStore *store, guint64 seq)
{
  const IngestEvent *ev = ingest_store_event (store, seq);
  const IngestMessage *msg;
  guint64 m = seq / 2;
  g_autofree char *key = g_strdup_printf ("m%" G_GUINT64_FORMAT, m);
  g_autofree char *actor = g_strdup_printf (seq % 2 == 0 ? "a%u" : "b%u",
                                            (guint) (seq % 2 == 0 ? m % 5 : m % 3));

  assert_non_null (ev);
  if (ev->time_ns != (gint64) (1000000000 + seq * 1000))
    fail_msg ("event %" G_GUINT64_FORMAT " has time %" G_GINT64_FORMAT, seq, ev->time_ns);
  assert_int_equal (ev->kind, seq % 2 == 0 ? INGEST_EVENT_SEND : INGEST_EVENT_RECEIVE);
  assert_string_equal (ingest_store_actor_name (store, ev->actor), actor);
  msg = ingest_store_message (store, ev->message);
  assert_non_null (msg);
  assert_string_equal (ingest_store_atom (store, msg->key), key);
}

/* ---- kill -9 during heavy ingest ---- */

static void
test_kill9_during_ingest (void **state)
{
  Server sv;
  Producer p = { 0 };
  GThread *thread;
  Loaded l;
  guint64 reported, sent, elapsed_ms;
  gint64 t0, end;

  server_start (&sv, "kill9");
  p.conn = producer_connect (&sv);
  p.limit = G_MAXUINT64;
  t0 = g_get_monotonic_time ();
  thread = g_thread_new ("producer", producer_run, &p);
  /* Heavy ingest under way: several flushes and many events on disk. */
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end
         && !(server_max_written (&sv) >= 100000 && sv.n_flush_lines >= 3))
    g_usleep (5000);
  assert_true (server_max_written (&sv) >= 100000);
  g_subprocess_force_exit (sv.proc);       /* SIGKILL, mid-stream */
  server_wait (&sv);
  elapsed_ms = (guint64) (g_get_monotonic_time () - t0) / 1000;
  g_atomic_int_set (&p.stop, 1);
  g_thread_join (thread);
  assert_true (g_subprocess_get_if_signaled (sv.proc));
  assert_int_equal (g_subprocess_get_term_sig (sv.proc), SIGKILL);
  reported = sv.max_written;
  sent = p.sent;

  load_record (sv.record, &l);
  fprintf (stderr, "# sent >= %" G_GUINT64_FORMAT " events in %" G_GUINT64_FORMAT " ms; last "
           "flush reported %" G_GUINT64_FORMAT "; file holds %" G_GUINT64_FORMAT " (%"
           G_GUINT64_FORMAT " lines, torn last line: %s); %u flush lines\n",
           sent, elapsed_ms, reported, ingest_store_n_events (l.store), l.n_lines,
           l.ends_with_newline ? "no" : "yes", sv.n_flush_lines);
  /* The bound: everything flushed before the kill is there. */
  assert_true (ingest_store_n_events (l.store) >= reported);
  assert_true (ingest_store_n_events (l.store) <= sent + 256);
  /* Readable: at most one bad line, and then it is the torn last one. */
  if (l.ends_with_newline)
    assert_int_equal (l.skipped, 0);
  else
    {
      assert_true (l.skipped <= 1);
      if (l.skipped == 1)
        {
          fprintf (stderr, "# torn last line reported as: %s\n", l.bad_message);
          assert_int_equal (l.bad_line, l.n_lines);
        }
    }
  /* Exactly the first K events sent, in order. */
  for (guint64 seq = 0; seq < ingest_store_n_events (l.store); seq++)
    assert_is_sent_event (l.store, seq);

  loaded_clear (&l);
  server_clear (&sv);
}

/* ---- graceful stop ---- */

static void
graceful_stop (int signum, const char *name)
{
  const guint64 n = 60000;
  Server sv;
  Producer p = { 0 };
  Loaded l, want;
  g_autofree char *sent_path = g_build_filename (test_tmpdir (), "sent.ndjson", NULL);
  g_autofree char *conv_path = g_build_filename (test_tmpdir (), "sent-converted.ndjson", NULL);
  g_autoptr(GString) all = g_string_new (NULL);
  g_autoptr(GSubprocess) convert = NULL;
  g_autoptr(GError) error = NULL;

  server_start (&sv, name);
  p.conn = producer_connect (&sv);
  p.limit = n;
  producer_run (&p);              /* sends all, then hangs up */
  assert_int_equal (p.sent, n);
  /* At once: most of it is still in the socket or the store, not the file. */
  g_subprocess_send_signal (sv.proc, signum);
  server_wait (&sv);
  assert_true (g_subprocess_get_if_exited (sv.proc));
  assert_int_equal (g_subprocess_get_exit_status (sv.proc), 0);

  load_record (sv.record, &l);
  assert_true (l.ends_with_newline);
  assert_int_equal (l.skipped, 0);
  assert_int_equal (ingest_store_n_events (l.store), n);

  /* Each equal to what convert makes of the sent stream. */
  for (guint64 i = 0; i < n; i++)
    append_event (all, i);
  assert_true (g_file_set_contents (sent_path, all->str, (gssize) all->len, NULL));
  convert = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, cli_path, "convert", sent_path,
                              "-o", conv_path, NULL);
  assert_non_null (convert);
  assert_true (g_subprocess_wait_check (convert, NULL, &error));
  load_record (conv_path, &want);
  assert_int_equal (ingest_store_n_events (want.store), n);
  for (guint64 seq = 0; seq < n; seq++)
    {
      g_autoptr(GString) a = g_string_new (NULL);
      g_autoptr(GString) b = g_string_new (NULL);
      ingest_native_format_event (l.store, seq, a);
      ingest_native_format_event (want.store, seq, b);
      if (strcmp (a->str, b->str) != 0)
        fail_msg ("event %" G_GUINT64_FORMAT " differs:\n  recorded  %s  converted %s", seq,
                  a->str, b->str);
    }
  assert_int_equal (ingest_store_n_actors (l.store), ingest_store_n_actors (want.store));
  assert_int_equal (ingest_store_n_messages (l.store), ingest_store_n_messages (want.store));

  loaded_clear (&l);
  loaded_clear (&want);
  g_unlink (sent_path);
  g_unlink (conv_path);
  server_clear (&sv);
}

static void
test_sigterm_loses_nothing (void **state)
{
  graceful_stop (SIGTERM, "sigterm");
}

/* ---- a torn last line: what a kill in the middle of a flush's write
 * leaves. Every cut inside the last event line is reported as exactly that
 * line, truncated, and everything before it is kept (library and CLI). ---- */

static void
test_torn_last_line (void **state)
{
  g_autofree char *path = g_build_filename (test_tmpdir (), "torn.ndjson", NULL);
  g_autoptr(GString) all = g_string_new ("{\"actorscope\":1}\n");
  const guint64 n = 100;
  gsize last_start;

  for (guint64 i = 0; i < n; i++)
    {
      if (i == n - 1)
        last_start = all->len;
      append_event (all, i);
    }
  for (gsize cut = last_start + 1; cut < all->len - 1; cut += 7)
    {
      Loaded l;
      assert_true (g_file_set_contents (path, all->str, (gssize) cut, NULL));
      load_record (path, &l);
      assert_false (l.ends_with_newline);
      assert_int_equal (ingest_store_n_events (l.store), n - 1);
      assert_int_equal (l.skipped, 1);
      assert_int_equal (l.bad_line, l.n_lines);
      assert_int_equal (l.n_lines, n + 1);
      assert_non_null (strstr (l.bad_message, "truncated last line"));
      loaded_clear (&l);
    }
  /* Cut just before its newline: the line is whole, nothing is lost. */
  {
    Loaded l;
    assert_true (g_file_set_contents (path, all->str, (gssize) all->len - 1, NULL));
    load_record (path, &l);
    assert_int_equal (ingest_store_n_events (l.store), n);
    assert_int_equal (l.skipped, 0);
    loaded_clear (&l);
  }
  /* The CLI: lenient stats count it, strict stats name the line. */
  {
    g_autoptr(GSubprocess) proc = NULL;
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *want = g_strdup_printf ("torn.ndjson:%" G_GUINT64_FORMAT ":", n + 1);
    assert_true (g_file_set_contents (path, all->str, (gssize) last_start + 20, NULL));
    proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL,
                             cli_path, "stats", "--json", path, NULL);
    assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, NULL));
    assert_int_equal (g_subprocess_get_exit_status (proc), 0);
    assert_non_null (strstr (out, "\"events\": 99,"));
    assert_non_null (strstr (out, "\"skipped\": 1,"));
    assert_non_null (strstr (err, want));
    assert_non_null (strstr (err, "truncated last line"));
    g_clear_object (&proc);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL,
                             cli_path, "stats", "--strict", path, NULL);
    assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, NULL));
    assert_int_not_equal (g_subprocess_get_exit_status (proc), 0);
    assert_non_null (strstr (err, want));
  }
  g_unlink (path);
}

static void
test_sigint_loses_nothing (void **state)
{
  graceful_stop (SIGINT, "sigint");
}

/* ---- the file --record is given ---- */

typedef struct {
  int status;                 /* exit status; 124: still running after 10 s */
  char *out, *err;
} Run;

/* serve with args (NULL-terminated) and --port 0, for at most 10 s;
 * stdin_path (may be NULL) as its standard input. */
static void
run_serve (Run *r, const char *stdin_path, const char *const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  const char *const head[] = { "timeout", "10", cli_path, "serve", "--port", "0" };

  for (gsize i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, (char *) head[i]);
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  if (stdin_path != NULL)
    g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  assert_non_null (proc);
  assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &r->out, &r->err, &error));
  r->status = g_subprocess_get_exit_status (proc);
  fprintf (stderr, "# exit %d: %s", r->status, r->err);
}

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

/* serve with args refuses to start: exit status, a message with want,
 * no port bound; at once (10 s at most: never hangs). */
static void
assert_refused (int status, const char *want, const char *stdin_path, const char *const *args)
{
  Run r = { 0 };

  run_serve (&r, stdin_path, args);
  assert_int_equal (r.status, status);
  assert_non_null (strstr (r.err, want));
  assert_null (strstr (r.out, "listening on"));
  run_clear (&r);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
assert_file_is (const char *path, const char *want)
{
  g_autofree char *data = NULL;
  assert_true (g_file_get_contents (path, &data, NULL, NULL));
  assert_string_equal (data, want);
}

/* An existing recording is appended to (--help says "Append"): the old
 * session stays, a torn last line of it is ended first, the new session
 * follows with its own header. A file that is not a native trace is
 * refused, untouched. */
static void
test_record_appends (void **state)
{
  const char *previous = "{\"actorscope\":1}\n{\"ts\":5,\"ev\":\"mark\",\"text\":\"previous\"}\n"
                         "{\"ts\":6,\"ev\":\"ma";
  const guint64 n = 3000;
  Server sv;
  Producer p = { 0 };
  Loaded l;
  const IngestEvent *ev;
  g_autofree char *other = g_build_filename (test_tmpdir (), "other.txt", NULL);

  /* a previous session at the path, killed mid-line */
  {
    g_autofree char *path = g_build_filename (test_tmpdir (), "append.ndjson", NULL);
    assert_true (g_file_set_contents (path, previous, -1, NULL));
  }
  server_start_full (&sv, "append", NULL, FALSE);
  p.conn = producer_connect (&sv);
  p.limit = n;
  producer_run (&p);
  g_subprocess_send_signal (sv.proc, SIGTERM);
  server_wait (&sv);
  assert_int_equal (g_subprocess_get_exit_status (sv.proc), 0);
  load_record (sv.record, &l);
  assert_true (l.ends_with_newline);
  assert_int_equal (l.skipped, 1);          /* the torn line, ended */
  assert_int_equal (l.bad_line, 3);
  assert_int_equal (ingest_store_n_events (l.store), 1 + n);
  ev = ingest_store_event (l.store, 0);
  assert_int_equal (ev->time_ns, 5);
  ev = ingest_store_event (l.store, n);
  assert_int_equal (ev->time_ns, (gint64) (1000000000 + (n - 1) * 1000));
  loaded_clear (&l);
  server_clear (&sv);

  assert_true (g_file_set_contents (other, "old contents\n", -1, NULL));
  assert_refused (1, "not a native trace", NULL, ARGS ("--record", other));
  assert_file_is (other, "old contents\n");
  g_unlink (other);
}

/* A symbolic link at the path is not followed (it truncated its target);
 * /dev/full and FIFOs are refused before a port is bound, without
 * hanging in open(), with or without a reader. */
static void
test_record_not_a_plain_file (void **state)
{
  g_autofree char *target = g_build_filename (test_tmpdir (), "target.txt", NULL);
  g_autofree char *link = g_build_filename (test_tmpdir (), "link.ndjson", NULL);
  g_autofree char *fifo = g_build_filename (test_tmpdir (), "fifo.ndjson", NULL);
  int reader;

  assert_true (g_file_set_contents (target, "keep me\n", -1, NULL));
  assert_int_equal (symlink (target, link), 0);
  assert_refused (1, "symbolic link", NULL, ARGS ("--record", link));
  assert_file_is (target, "keep me\n");
  assert_refused (1, "not a regular file", NULL, ARGS ("--record", "/dev/full"));
  assert_int_equal (mkfifo (fifo, 0600), 0);
  /* no reader: it hung in open() */
  assert_refused (1, "not a regular file", NULL, ARGS ("--record", fifo));
  reader = open (fifo, O_RDONLY | O_NONBLOCK);         /* a reader that then goes away */
  assert_true (reader >= 0);
  assert_refused (1, "not a regular file", NULL, ARGS ("--record", fifo));
  close (reader);
  g_unlink (fifo);
  g_unlink (link);
  g_unlink (target);
}

/* --follow X --record X fed itself forever: refused, also through another
 * name of the same file, for --replay and for standard input. */
static void
test_record_is_an_input (void **state)
{
  g_autofree char *x = g_build_filename (test_tmpdir (), "self.ndjson", NULL);
  g_autofree char *alias = g_build_filename (test_tmpdir (), "alias.ndjson", NULL);
  g_autofree char *fresh = g_build_filename (test_tmpdir (), "fresh.ndjson", NULL);
  const char *header = "{\"actorscope\":1}\n{\"ts\":1,\"ev\":\"mark\",\"text\":\"x\"}\n";

  assert_true (g_file_set_contents (x, header, -1, NULL));
  assert_int_equal (symlink (x, alias), 0);
  assert_refused (2, "is also an input (--follow", NULL, ARGS ("--follow", x, "--record", x));
  assert_refused (2, "is also an input (--follow", NULL, ARGS ("--follow", alias, "--record", x));
  assert_refused (2, "is also an input (--replay", NULL, ARGS ("--replay", x, "--record", x));
  assert_refused (2, "is also an input (--stdin", x, ARGS ("--stdin", "--record", x));
  /* a --follow of a file not there yet, recorded to that name */
  assert_refused (2, "is also an input (--follow", NULL, ARGS ("--follow", fresh, "--record", fresh));
  assert_file_is (x, header);
  g_unlink (fresh);
  g_unlink (alias);
  g_unlink (x);
}

/* A write that fails (here EFBIG from a file size limit; ENOSPC takes the
 * same path) is reported at once with its cause; the file is cut back to
 * whole lines; events keep being accepted, and once the file can grow
 * again every one of them is written, in order, none twice. */
static void
test_record_write_error_resumes (void **state)
{
  const guint64 n = 20000;              /* about 2.5 MB: well past the limit */
  Server sv;
  Producer p = { 0 };
  Loaded l;
  struct rlimit rl;
  struct stat st;
  pid_t pid;

  server_start_full (&sv, "efbig", NULL, TRUE);
  p.conn = producer_connect (&sv);
  p.limit = n;
  producer_run (&p);
  assert_int_equal (p.sent, n);
  assert_true (server_wait_for (&sv, "File too large"));
  assert_true (server_wait_for (&sv, "still accepting events"));
  /* While failing: the whole batches that fitted, cut back to whole lines. */
  load_record (sv.record, &l);
  assert_true (l.n_lines == 0 || l.ends_with_newline);
  assert_int_equal (l.skipped, 0);
  assert_true (ingest_store_n_events (l.store) > 0);
  for (guint64 seq = 0; seq < ingest_store_n_events (l.store); seq++)
    assert_is_sent_event (l.store, seq);
  assert_true (g_stat (sv.record, (GStatBuf *) &st) == 0 && st.st_size <= SMALL_FILE_LIMIT);
  loaded_clear (&l);
  /* Room again. */
  pid = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (sv.proc), NULL, 10);
  assert_int_equal (prlimit (pid, RLIMIT_FSIZE, NULL, &rl), 0);
  rl.rlim_cur = rl.rlim_max;
  assert_int_equal (prlimit (pid, RLIMIT_FSIZE, &rl, NULL), 0);
  assert_true (server_wait_for (&sv, "writing again"));
  g_subprocess_send_signal (sv.proc, SIGTERM);
  server_wait (&sv);
  assert_int_equal (g_subprocess_get_exit_status (sv.proc), 0);
  load_record (sv.record, &l);
  assert_true (l.ends_with_newline);
  assert_int_equal (l.skipped, 0);
  assert_int_equal (ingest_store_n_events (l.store), n);
  for (guint64 seq = 0; seq < n; seq++)
    assert_is_sent_event (l.store, seq);
  loaded_clear (&l);
  server_clear (&sv);
}

/* --record-no-loss: the first failed write stops the service, exit 1. */
static void
test_record_no_loss_stops (void **state)
{
  Server sv;
  Producer p = { 0 };
  Loaded l;

  server_start_full (&sv, "noloss", "--record-no-loss", TRUE);
  p.conn = producer_connect (&sv);
  p.limit = 20000;
  producer_run (&p);
  server_wait (&sv);
  assert_true (g_subprocess_get_if_exited (sv.proc));
  assert_int_equal (g_subprocess_get_exit_status (sv.proc), 1);
  assert_non_null (strstr (sv.err->str, "File too large"));
  assert_non_null (strstr (sv.err->str, "stopping the service"));
  load_record (sv.record, &l);
  assert_true (l.n_lines == 0 || l.ends_with_newline);
  assert_int_equal (l.skipped, 0);
  loaded_clear (&l);
  server_clear (&sv);
}

int
main (int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_sigterm_loses_nothing),
    cmocka_unit_test (test_sigint_loses_nothing),
    cmocka_unit_test (test_torn_last_line),
    cmocka_unit_test (test_record_appends),
    cmocka_unit_test (test_record_not_a_plain_file),
    cmocka_unit_test (test_record_is_an_input),
    cmocka_unit_test (test_record_write_error_resumes),
    cmocka_unit_test (test_record_no_loss_stops),
    cmocka_unit_test (test_kill9_during_ingest),
  };
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s ACTORSCOPE\n", argv[0]);
      return 2;
    }
  cli_path = argv[1];
  /* The producer writes to a server that gets killed. */
  signal (SIGPIPE, SIG_IGN);
  return cmocka_run_group_tests (tests, test_tmpdir_group_setup, test_tmpdir_group_teardown);
}
