/* test-fault-datadir.c: `actorscope serve --data-dir DIR` run as a real
 * process, a producer flooding its unix socket.
 *
 * kill -9 during heavy ingest: with -v the server prints "data: N events
 * durable" after each flush (write + fdatasync); every such line was
 * printed before the kill, so DIR must hold at least the largest N seen
 * (the loss is at most what came after the last flush: about 200 ms), and
 * exactly a prefix of what the producer sent. A restart on DIR restores
 * those events, and `stats DIR` / `convert DIR` give exactly the store the
 * service serves (its --record of the whole store from seq 0, the same
 * native writer /events?from=0 streams).
 *
 * `stats DIR` says how many events retention dropped.
 *
 * A second service on DIR is refused, naming the first one's pid. A full
 * disk (a 1 MiB tmpfs, when mounting is permitted) stops the service
 * non-zero, saying how many events are safely stored; DIR holds exactly
 * those.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <cmocka.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "ingest-log-disk.h"
#include "ingest-store.h"
#include "test-util.h"

static const char *cli_path;

/* Event i of the producer's stream; big_payload makes it incompressible
 * enough to fill a small disk. */
static void
append_event (GString *s, guint64 i, gboolean big_payload)
{
  guint64 m = i / 2;
  if (i % 2 == 0)
    {
      g_string_append_printf (s, "{\"ts\":%" G_GUINT64_FORMAT ",\"ev\":\"send\",\"actor\":\"a%u\","
                              "\"to\":\"b%u\",\"id\":\"m%" G_GUINT64_FORMAT "\",\"label\":\"job\"",
                              1000000000 + i * 1000, (guint) (m % 5), (guint) (m % 3), m);
      if (big_payload)
        {
          g_string_append (s, ",\"payload\":\"");
          for (int k = 0; k < 300; k++)
            g_string_append_c (s, (char) ('a' + g_random_int_range (0, 26)));
          g_string_append_c (s, '"');
        }
      g_string_append (s, "}\n");
    }
  else
    g_string_append_printf (s, "{\"ts\":%" G_GUINT64_FORMAT ",\"ev\":\"recv\",\"actor\":\"b%u\","
                            "\"from\":\"a%u\",\"id\":\"m%" G_GUINT64_FORMAT "\"}\n",
                            1000000000 + i * 1000, (guint) (m % 3), (guint) (m % 5), m);
}

/* ---- the server process ---- */

typedef struct {
  GSubprocess *proc;
  GThread *err_reader, *out_reader;
  GMutex lock;
  GString *err, *out;
  guint64 max_durable;        /* largest "data: N events durable" */
  char *sock_path;
} Server;

static gpointer
read_lines (Server *sv, GInputStream *stream, GString *into, gboolean parse)
{
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (stream);
  char *line;

  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL)) != NULL)
    {
      const char *p = strstr (line, "data: ");
      g_mutex_lock (&sv->lock);
      g_string_append_printf (into, "%s\n", line);
      if (parse && p != NULL && strstr (p, " events durable") != NULL)
        sv->max_durable = MAX (sv->max_durable, g_ascii_strtoull (p + 6, NULL, 10));
      g_mutex_unlock (&sv->lock);
      g_free (line);
    }
  return NULL;
}

static gpointer
stderr_reader (gpointer data)
{
  Server *sv = data;
  return read_lines (sv, g_subprocess_get_stderr_pipe (sv->proc), sv->err, TRUE);
}

static gpointer
stdout_reader (gpointer data)
{
  Server *sv = data;
  return read_lines (sv, g_subprocess_get_stdout_pipe (sv->proc), sv->out, FALSE);
}

/* serve --data-dir dir [--record record] on a unix socket named name. */
static void
server_start (Server *sv, const char *name, const char *dir, const char *record)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *sock_name = g_strconcat (name, ".sock", NULL);
  g_autofree char *listen = NULL;
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;

  memset (sv, 0, sizeof *sv);
  g_mutex_init (&sv->lock);
  sv->err = g_string_new (NULL);
  sv->out = g_string_new (NULL);
  sv->sock_path = g_build_filename (test_tmpdir (), sock_name, NULL);
  listen = g_strconcat ("unix:", sv->sock_path, NULL);
  g_strv_builder_add_many (b, cli_path, "serve", "--port", "0", "--listen", listen,
                           "--data-dir", dir, "-v", NULL);
  if (record != NULL)
    g_strv_builder_add_many (b, "--record", record, NULL);
  argv = g_strv_builder_end (b);
  sv->proc = g_subprocess_newv ((const char *const *) argv,
                                G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                &error);
  assert_non_null (sv->proc);
  sv->err_reader = g_thread_new ("stderr", stderr_reader, sv);
  sv->out_reader = g_thread_new ("stdout", stdout_reader, sv);
}

static int
server_wait (Server *sv)
{
  g_subprocess_wait (sv->proc, NULL, NULL);
  g_thread_join (sv->err_reader);
  g_thread_join (sv->out_reader);
  fprintf (stderr, "# serve stderr (last lines):\n");
  {
    g_auto (GStrv) lines = g_strsplit (sv->err->str, "\n", -1);
    guint n = g_strv_length (lines);
    for (guint i = n > 6 ? n - 6 : 0; i < n; i++)
      if (lines[i][0] != '\0')
        fprintf (stderr, "#   %s\n", lines[i]);
  }
  return g_subprocess_get_if_exited (sv->proc) ? g_subprocess_get_exit_status (sv->proc) : -1;
}

static void
server_clear (Server *sv)
{
  g_clear_object (&sv->proc);
  g_string_free (sv->err, TRUE);
  g_string_free (sv->out, TRUE);
  g_mutex_clear (&sv->lock);
  g_unlink (sv->sock_path);
  g_free (sv->sock_path);
}

static guint64
server_max_durable (Server *sv)
{
  guint64 n;
  g_mutex_lock (&sv->lock);
  n = sv->max_durable;
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

typedef struct {
  GSocketConnection *conn;
  gboolean big_payload;
  volatile gint stop;
  guint64 sent;
} Producer;

static gpointer
producer_run (gpointer data)
{
  Producer *p = data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (p->conn));
  g_autoptr (GString) batch = g_string_new (NULL);
  guint64 i = 0;

  while (!g_atomic_int_get (&p->stop))
    {
      guint64 first = i;
      g_string_truncate (batch, 0);
      for (; i - first < 256; i++)
        append_event (batch, i, p->big_payload);
      if (!g_output_stream_write_all (out, batch->str, batch->len, NULL, NULL, NULL))
        break;
      p->sent = i;
      /* paced, so several flushes succeed before the disk is full */
      if (p->big_payload)
        g_usleep (20 * 1000);
    }
  g_io_stream_close (G_IO_STREAM (p->conn), NULL, NULL);
  return NULL;
}

/* DIR read back as a reader would, without the lock. */
static IngestStore *
read_dir (const char *dir)
{
  IngestLogDiskOptions o = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestLog) log = NULL;
  IngestStore *store = ingest_store_new ();

  o.read_only = TRUE;
  log = ingest_log_disk_open (dir, &o, &error);
  assert_non_null (log);
  assert_true (ingest_log_read_into_store (log, 0, G_MAXUINT64, store, NULL, NULL, &error));
  return store;
}

/* The store holds exactly the producer's first n events, in order. */
static void
assert_sent_prefix (IngestStore *store)
{
  guint64 n = ingest_store_n_events (store);
  for (guint64 i = 0; i < n; i++)
    {
      const IngestEvent *ev = ingest_store_event (store, i);
      const IngestMessage *m = ingest_store_message (store, ev->message);
      g_autofree char *key = g_strdup_printf ("m%" G_GUINT64_FORMAT, i / 2);
      assert_int_equal (ev->time_ns, 1000000000 + i * 1000);
      assert_int_equal (ev->kind, i % 2 == 0 ? INGEST_EVENT_SEND : INGEST_EVENT_RECEIVE);
      assert_string_equal (ingest_store_atom (store, m->key), key);
    }
}

static char *
run_cli_out (const char *arg1, const char *arg2, const char *arg3, const char *arg4, int *status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, cli_path,
                                                arg1, arg2, arg3, arg4, NULL);
  char *out = NULL;
  assert_non_null (p);
  assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  *status = g_subprocess_get_exit_status (p);
  return out;
}

static void
test_kill9_then_restart (void **state)
{
  g_autofree char *dir = g_build_filename (test_tmpdir (), "kill9", NULL);
  g_autofree char *record = g_build_filename (test_tmpdir (), "served.ndjson", NULL);
  g_autofree char *converted = g_build_filename (test_tmpdir (), "converted.ndjson", NULL);
  g_autoptr (IngestStore) kept = NULL;
  Server sv, again;
  Producer prod = { 0 };
  GThread *t;
  guint64 seen, n;
  gint64 end;
  (void) state;

  server_start (&sv, "kill9", dir, NULL);
  prod.conn = producer_connect (&sv);
  t = g_thread_new ("producer", producer_run, &prod);
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (server_max_durable (&sv) < 100000 && g_get_monotonic_time () < end)
    g_usleep (10 * 1000);
  seen = server_max_durable (&sv);
  g_subprocess_send_signal (sv.proc, SIGKILL);
  server_wait (&sv);
  g_atomic_int_set (&prod.stop, 1);
  g_thread_join (t);
  g_object_unref (prod.conn);
  assert_true (seen >= 100000);

  /* At least every event of the last flush reported; exactly a prefix. */
  kept = read_dir (dir);
  n = ingest_store_n_events (kept);
  fprintf (stderr, "# sent %" G_GUINT64_FORMAT ", last durable line %" G_GUINT64_FORMAT
           ", kept %" G_GUINT64_FORMAT "\n", prod.sent, seen, n);
  assert_true (n >= seen);
  assert_true (n <= prod.sent);
  assert_sent_prefix (kept);

  /* Restart: the history comes back, and what the service serves from seq
   * 0 is what `convert DIR` and `stats DIR` say. */
  server_start (&again, "again", dir, record);
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *want = g_strdup_printf ("(%" G_GUINT64_FORMAT " events restored", n);
      gboolean found;
      g_mutex_lock (&again.lock);
      found = strstr (again.out->str, want) != NULL && strstr (again.out->str, "listening on") != NULL;
      g_mutex_unlock (&again.lock);
      if (found)
        break;
      assert_true (g_get_monotonic_time () < end);
      g_usleep (20 * 1000);
    }
  g_subprocess_send_signal (again.proc, SIGTERM);
  assert_int_equal (server_wait (&again), 0);
  server_clear (&again);
  {
    int status;
    g_autofree char *stats = run_cli_out ("stats", dir, "--json", NULL, &status);
    g_autofree char *want = g_strdup_printf ("\"events\": %" G_GUINT64_FORMAT, n);
    g_autofree char *want2 = g_strdup_printf ("\"events\":%" G_GUINT64_FORMAT, n);
    g_autofree char *served = NULL, *conv = NULL;
    assert_int_equal (status, 0);
    assert_true (strstr (stats, want) != NULL || strstr (stats, want2) != NULL);
    g_free (run_cli_out ("convert", dir, "-o", converted, &status));
    assert_int_equal (status, 0);
    assert_true (g_file_get_contents (record, &served, NULL, NULL));
    assert_true (g_file_get_contents (converted, &conv, NULL, NULL));
    assert_string_equal (served, conv);
  }
  server_clear (&sv);
  g_unlink (record);
  g_unlink (converted);
  test_tmpdir_remove (dir);
}

static void
test_second_writer_refused (void **state)
{
  g_autofree char *dir = g_build_filename (test_tmpdir (), "locked", NULL);
  g_autofree char *pid = NULL;
  Server first, second;
  gint64 end;
  (void) state;

  server_start (&first, "first", dir, NULL);
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (;;)
    {
      gboolean up;
      g_mutex_lock (&first.lock);
      up = strstr (first.out->str, "listening on") != NULL;
      g_mutex_unlock (&first.lock);
      if (up)
        break;
      assert_true (g_get_monotonic_time () < end);
      g_usleep (20 * 1000);
    }
  server_start (&second, "second", dir, NULL);
  assert_int_equal (server_wait (&second), 1);
  pid = g_strdup_printf ("in use by another writer (pid %s)",
                         g_subprocess_get_identifier (first.proc));
  assert_non_null (strstr (second.err->str, pid));
  server_clear (&second);
  g_subprocess_send_signal (first.proc, SIGTERM);
  assert_int_equal (server_wait (&first), 0);
  server_clear (&first);
  test_tmpdir_remove (dir);
}

static void
test_full_disk_stops (void **state)
{
  g_autofree char *mnt = g_build_filename (test_tmpdir (), "tiny", NULL);
  g_autofree char *dir = g_build_filename (mnt, "data", NULL);
  g_autoptr (IngestStore) kept = NULL;
  Server sv;
  Producer prod = { 0 };
  GThread *t;
  const char *p;
  guint64 safe;
  (void) state;

  g_mkdir (mnt, 0700);
  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0)
    {
      int e = errno;
      g_rmdir (mnt);
      print_message ("skipped: cannot mount a 1 MiB tmpfs (%s); the unit test "
                     "ingest-log injects ENOSPC instead\n", g_strerror (e));
      skip ();
    }
  server_start (&sv, "full", dir, NULL);
  prod.conn = producer_connect (&sv);
  prod.big_payload = TRUE;
  t = g_thread_new ("producer", producer_run, &prod);
  /* the service stops by itself once the disk is full */
  assert_int_equal (server_wait (&sv), 1);
  g_atomic_int_set (&prod.stop, 1);
  g_thread_join (t);
  g_object_unref (prod.conn);
  assert_non_null (strstr (sv.err->str, g_strerror (ENOSPC)));
  p = strstr (sv.err->str, " events are safely stored");
  assert_non_null (p);
  while (p > sv.err->str && g_ascii_isdigit (p[-1]))
    p--;
  safe = g_ascii_strtoull (p, NULL, 10);
  assert_true (safe > 0);
  kept = read_dir (dir);
  assert_int_equal (ingest_store_n_events (kept), safe);
  assert_sent_prefix (kept);
  server_clear (&sv);
  umount (mnt);
  g_rmdir (mnt);
}

/* Retention's count reaches `stats DIR`, and a corrupt block is named. */
static void
test_stats_reports_retention (void **state)
{
  g_autofree char *dir = g_build_filename (test_tmpdir (), "retained", NULL);
  g_autoptr (IngestStore) store = ingest_store_new ();
  IngestLogDiskOptions o = { 0 };
  guint64 dropped;
  (void) state;

  for (guint64 i = 0; i < 40000; i++)
    {
      IngestEventInput in = { 0 };
      g_autofree char *key = g_strdup_printf ("m%" G_GUINT64_FORMAT, i / 2);
      in.kind = i % 2 ? INGEST_EVENT_RECEIVE : INGEST_EVENT_SEND;
      in.time_ns = 1000000000 + (gint64) i * 1000;
      in.actor = INGEST_STR (i % 2 ? "b" : "a");
      in.peer = INGEST_STR (i % 2 ? "a" : "b");
      in.message_key = INGEST_STR (key);
      ingest_store_append (store, &in);
    }
  o.segment_bytes = 8 * 1024;
  o.retain_bytes = 32 * 1024;
  {
    g_autoptr (IngestLog) log = ingest_log_disk_open (dir, &o, NULL);
    assert_non_null (log);
    for (guint64 from = 0; from < 40000; from += 1000)
      {
        assert_true (ingest_log_append (log, store, from, from + 1000, NULL));
        assert_true (ingest_log_flush (log, NULL));
      }
    dropped = ingest_log_disk_get_info (log)->dropped_events;
    assert_true (dropped > 0);
    assert_true (ingest_log_close (log, NULL));
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GSubprocess) p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                  | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                                                  cli_path, "stats", dir, "--json", NULL);
    g_autofree char *out = NULL, *err = NULL;
    g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT " events dropped by retention",
                                             dropped);
    g_autofree char *events = g_strdup_printf ("%" G_GUINT64_FORMAT, 40000 - dropped);
    assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error));
    assert_int_equal (g_subprocess_get_exit_status (p), 0);
    assert_non_null (strstr (err, want));
    assert_non_null (strstr (out, events));
  }
  test_tmpdir_remove (dir);
}

int
main (int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_second_writer_refused),
    cmocka_unit_test (test_kill9_then_restart),
    cmocka_unit_test (test_full_disk_stops),
    cmocka_unit_test (test_stats_reports_retention),
  };
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s ACTORSCOPE\n", argv[0]);
      return 2;
    }
  cli_path = argv[1];
  signal (SIGPIPE, SIG_IGN);
  return cmocka_run_group_tests (tests, test_tmpdir_group_setup, test_tmpdir_group_teardown);
}
