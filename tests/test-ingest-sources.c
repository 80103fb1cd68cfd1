/* test-ingest-sources.c: the live sources of `actorscope serve` against real
 * sockets and files in a temporary folder: TCP and unix producers (partial
 * lines, the producer limit), tail -F (append, truncation, rotation),
 * --record then --replay (same model), the message-switch client against a
 * fake broker with the real long-poll semantics (ring wrap, restart), and
 * the XState adapter. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ingest-parser.h"
#include "ingest-source-follow.h"
#include "ingest-source-mswitch.h"
#include "ingest-source-record.h"
#include "ingest-source-replay.h"
#include "ingest-source-socket.h"
#include "ingest-xstate-adapter.h"
#include "test-util.h"


static void
spin_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while (!cond (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

typedef struct { IngestStore *store; guint64 want; } WantEvents;
static gboolean
have_events (gpointer p)
{
  WantEvents *w = p;
  return ingest_store_n_events (w->store) >= w->want;
}

static const char line1[] = "{\"ts\":1000000000,\"ev\":\"send\",\"from\":\"/a\",\"to\":\"/b\",\"id\":1,\"label\":\"Ping\"}\n";
static const char line2[] = "{\"ts\":1000001000,\"ev\":\"receive\",\"actor\":\"/b\",\"id\":1}\n";

static GSocketConnection *
connect_to (const char *spec)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) addr = ingest_socket_parse_address (spec, NULL);
  g_autoptr(GError) error = NULL;
  GSocketConnection *c = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, &error);
  assert_non_null (c);
  return c;
}

static void
producer_send (const char *address)
{
  g_autoptr(GSocketConnection) c = connect_to (address);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c));
  gsize half = sizeof line1 / 2;

  /* A line split across writes, then two lines in one. */
  assert_true (g_output_stream_write_all (out, line1, half, NULL, NULL, NULL));
  g_output_stream_flush (out, NULL, NULL);
  g_usleep (20000);
  g_output_stream_write_all (out, line1 + half, strlen (line1) - half, NULL, NULL, NULL);
  g_output_stream_write_all (out, line2, strlen (line2), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (c), NULL, NULL);
}

static void
test_socket_tcp_and_unix (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestSocketSource) src = ingest_socket_source_new (store, NULL, NULL);
  g_autofree char *unix_spec = g_strdup_printf ("unix:%s/prod.sock", test_tmpdir ());
  WantEvents w = { store, 2 };

  assert_true (ingest_socket_source_listen (src, "tcp://127.0.0.1:0", NULL));
  assert_true (ingest_socket_source_listen (src, unix_spec, NULL));
  assert_true (g_str_has_prefix (ingest_socket_source_get_address (src, 0), "tcp://127.0.0.1:"));
  producer_send (ingest_socket_source_get_address (src, 0));
  spin_until (have_events, &w, 3000);
  assert_int_equal (ingest_store_n_events (store), 2);
  producer_send (ingest_socket_source_get_address (src, 1));
  w.want = 4;
  spin_until (have_events, &w, 3000);
  assert_int_equal (ingest_store_n_events (store), 4);
  assert_int_not_equal (ingest_store_find_actor (store, "/a"), 0);
  assert_int_not_equal (ingest_store_find_actor (store, "/b"), 0);
}

static gboolean
refused_once (gpointer p)
{
  return ingest_socket_source_n_refused (p) > 0;
}

static void
test_socket_producer_limit (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  IngestSocketOptions opts = { .max_producers = 1 };
  g_autoptr(IngestSocketSource) src = ingest_socket_source_new (store, &opts, NULL);
  g_autoptr(GSocketConnection) first = NULL, second = NULL;
  char buf[256] = { 0 };
  gssize n;
  gint64 end;

  assert_true (ingest_socket_source_listen (src, "tcp://127.0.0.1:0", NULL));
  first = connect_to (ingest_socket_source_get_address (src, 0));
  end = g_get_monotonic_time () + 2000000;
  while (ingest_socket_source_n_producers (src) < 1 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  assert_int_equal (ingest_socket_source_n_producers (src), 1);
  second = connect_to (ingest_socket_source_get_address (src, 0));
  spin_until (refused_once, src, 2000);
  n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (second)), buf,
                           sizeof buf - 1, NULL, NULL);
  assert_true (n > 0);
  assert_non_null (strstr (buf, "error: too many producers (limit 1)"));
}

static void
test_socket_bad_address (void **state)
{
  g_autoptr(GError) error = NULL;
  assert_null (ingest_socket_parse_address ("tcp://nohost", &error));
  assert_non_null (error);
  g_clear_error (&error);
  assert_null (ingest_socket_parse_address ("udp://1.2.3.4:5", &error));
  g_clear_error (&error);
  assert_null (ingest_socket_parse_address ("tcp://127.0.0.1:99999", &error));
}

static gboolean
rejected_at_least (gpointer p)
{
  gpointer *args = p;
  return ingest_socket_source_n_rejected (args[0]) >= GPOINTER_TO_UINT (args[1]);
}

/* Sends text on a new connection to address, waits until src has rejected
 * want connections in all, returns what the service wrote back. */
static char *
send_expect_rejected (IngestSocketSource *src, const char *address, const char *text, guint want)
{
  g_autoptr(GSocketConnection) c = connect_to (address);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c));
  gpointer args[2] = { src, GUINT_TO_POINTER (want) };
  char buf[512] = { 0 };
  gsize got = 0;

  g_output_stream_write_all (out, text, strlen (text), NULL, NULL, NULL);
  spin_until (rejected_at_least, args, 3000);
  assert_int_equal (ingest_socket_source_n_rejected (src), want);
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (c)), buf, sizeof buf - 1,
                           &got, NULL, NULL);
  return g_strndup (buf, got);
}

/* An HTTP request on the producer port (a web page fetch()ing it) is closed
 * at its request line; beyond loopback producers need a token line, and a
 * source without a token refuses to listen there. */
static void
test_socket_gate (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestSocketSource) src = ingest_socket_source_new (store, NULL, NULL);
  IngestSocketOptions topts = { .token = "s3cret-Tok" };
  g_autoptr(IngestSocketSource) tsrc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL, *wild = NULL;
  WantEvents w = { store, 2 };
  const char *addr;

  assert_false (ingest_socket_source_listen (src, "tcp://0.0.0.0:0", &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  assert_non_null (strstr (error->message, "beyond loopback"));
  g_clear_error (&error);
  assert_false (ingest_socket_source_listen (src, "tcp://[::]:0", NULL));
  assert_true (ingest_socket_source_listen (src, "tcp://127.0.0.1:0", NULL));
  addr = ingest_socket_source_get_address (src, 0);

  reply = send_expect_rejected (src, addr,
                                "POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Content-Type: text/plain\r\n\r\n" "{\"ts\":1,\"ev\":\"send\","
                                "\"from\":\"/web\",\"to\":\"/x\",\"id\":9}\n", 1);
  assert_non_null (strstr (reply, "error: this is an actorscope producer port, not an HTTP server"));
  g_free (reply);
  reply = send_expect_rejected (src, addr, "GET / HTTP/1.0\r\n\r\n", 2);
  g_free (reply);
  reply = send_expect_rejected (src, addr, "BREW /pot HTTP/1.1\r\n\r\n", 3);
  g_free (reply);
  reply = send_expect_rejected (src, addr, "OPTIONS * HTTP/1.1\r\n", 4);
  assert_int_equal (ingest_store_n_events (store), 0);
  assert_int_equal (ingest_store_find_actor (store, "/web"), 0);

  /* With a token, 0.0.0.0 listens; every producer there sends it first. */
  tsrc = ingest_socket_source_new (store, &topts, NULL);
  assert_true (ingest_socket_source_listen (tsrc, "tcp://0.0.0.0:0", NULL));
  wild = g_strdup_printf ("tcp://127.0.0.1:%s", strrchr (ingest_socket_source_get_address (tsrc, 0), ':') + 1);
  g_free (reply);
  reply = send_expect_rejected (tsrc, wild, line1, 1);
  assert_non_null (strstr (reply, "error: missing or wrong token"));
  g_free (reply);
  reply = send_expect_rejected (tsrc, wild, "{\"token\":\"s3cret-To\"}\n", 2);
  g_free (reply);
  reply = send_expect_rejected (tsrc, wild, "{\"token\":\"s3cret-TokX\"}\n", 3);
  {
    g_autoptr(GSocketConnection) c = connect_to (wild);
    GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c));
    g_output_stream_write_all (out, " { \"token\" : \"s3cret-Tok\" }\r\n", 29, NULL, NULL, NULL);
    g_output_stream_write_all (out, line1, strlen (line1), NULL, NULL, NULL);
    g_output_stream_write_all (out, line2, strlen (line2), NULL, NULL, NULL);
    spin_until (have_events, &w, 3000);
  }
  assert_int_equal (ingest_store_n_events (store), 2);
  assert_int_equal (ingest_socket_source_n_rejected (tsrc), 3);
}

typedef struct { guint notes, accept_notes; } NoteCount;

static void
count_note (IngestSourceNoteLevel level, const char *source, const char *message, gpointer user_data)
{
  NoteCount *n = user_data;
  n->notes++;
  n->accept_notes += strstr (message, "cannot accept producers") != NULL;
}

static guint
count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;
  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static double
cpu_seconds (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static gboolean
producers_at_least (gpointer p)
{
  gpointer *args = p;
  return ingest_socket_source_n_producers (args[0]) >= GPOINTER_TO_UINT (args[1]);
}

/* Out of file descriptors, accept() fails with EMFILE while connections
 * wait: the source pauses instead of spinning, says so once, and takes the
 * waiting producers when descriptors are free again. */
static void
test_socket_out_of_fds (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  NoteCount notes = { 0 };
  IngestSourceHooks hooks = { .note = count_note, .user_data = &notes };
  g_autoptr(IngestSocketSource) src = ingest_socket_source_new (store, NULL, &hooks);
  struct rlimit saved, low;
  guint16 port;
  pid_t child;
  int status;
  double cpu0, cpu;
  gpointer args[2];

  assert_true (ingest_socket_source_listen (src, "tcp://127.0.0.1:0", NULL));
  port = (guint16) atoi (strrchr (ingest_socket_source_get_address (src, 0), ':') + 1);
  child = fork ();
  assert_true (child >= 0);
  if (child == 0)
    {
      /* 20 producers that connect and wait. */
      struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (port) };
      sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      for (int i = 0; i < 20; i++)
        {
          int fd = socket (AF_INET, SOCK_STREAM, 0);
          if (fd < 0 || connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0)
            _exit (1);
        }
      sleep (30);
      _exit (0);
    }
  /* Room for two more descriptors in this process. */
  assert_int_equal (getrlimit (RLIMIT_NOFILE, &saved), 0);
  low = saved;
  low.rlim_cur = count_open_fds () + 2;
  assert_int_equal (setrlimit (RLIMIT_NOFILE, &low), 0);
  cpu0 = cpu_seconds ();
  {
    gint64 end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
    while (g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  }
  cpu = cpu_seconds () - cpu0;
  assert_int_equal (setrlimit (RLIMIT_NOFILE, &saved), 0);
  print_message ("out of fds: %.2f s CPU in 3 s, %u producers, %u notes (%u about accept)\n",
                 cpu, ingest_socket_source_n_producers (src), notes.notes, notes.accept_notes);
  assert_true (cpu < 0.5);
  assert_int_equal (notes.accept_notes, 1);
  assert_true (ingest_socket_source_n_producers (src) < 20);
  /* Descriptors back: the waiting producers are taken. */
  args[0] = src;
  args[1] = GUINT_TO_POINTER (20);
  spin_until (producers_at_least, args, 5000);
  assert_int_equal (ingest_socket_source_n_producers (src), 20);
  kill (child, SIGKILL);
  waitpid (child, &status, 0);
}

static gboolean
producers_at_most (gpointer p)
{
  gpointer *args = p;
  return ingest_socket_source_n_producers (args[0]) <= GPOINTER_TO_UINT (args[1]);
}

/* A producer silent for the idle timeout is closed with a reason; one that
 * keeps sending (blank lines, every 10 ms or so: far inside the timeout, so
 * a loaded machine's stall does not close it too) stays. One address
 * beyond loopback gets at most half of the slots. */
static void
test_socket_idle_and_per_address (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  IngestSocketOptions opts = { .idle_timeout_ms = 800, .max_producers = 4, .token = "t0k" };
  g_autoptr(IngestSocketSource) src = ingest_socket_source_new (store, &opts, NULL);
  g_autoptr(GSocketConnection) silent = NULL, chatty = NULL;
  g_autoptr(GInetAddress) lan = NULL;
  g_autofree char *lan_spec = NULL;
  gpointer args[2] = { src, GUINT_TO_POINTER (1) };
  char buf[256] = { 0 };
  gsize got = 0;
  gint64 end;

  assert_true (ingest_socket_source_listen (src, "tcp://127.0.0.1:0", NULL));
  silent = connect_to (ingest_socket_source_get_address (src, 0));
  chatty = connect_to (ingest_socket_source_get_address (src, 0));
  args[1] = GUINT_TO_POINTER (2);
  spin_until (producers_at_least, args, 2000);
  end = g_get_monotonic_time () + 2000 * 1000;
  while (g_get_monotonic_time () < end)
    {
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (chatty)), "\n", 1,
                                 NULL, NULL, NULL);
      for (int i = 0; i < 10; i++)
        g_main_context_iteration (NULL, FALSE), g_usleep (1000);
    }
  assert_int_equal (ingest_socket_source_n_producers (src), 1);
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (silent)), buf, sizeof buf - 1,
                           &got, NULL, NULL);
  assert_non_null (strstr (buf, "error: no data for 800 ms: closed"));
  g_clear_object (&chatty);
  args[1] = GUINT_TO_POINTER (0);
  spin_until (producers_at_most, args, 2000);

  /* Beyond loopback (this host's first non-loopback IPv4 address, if any):
   * 2 of 4 slots per address. */
  {
    g_autoptr(GSocket) probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_DEFAULT, NULL);
    g_autoptr(GSocketAddress) dst = g_inet_socket_address_new_from_string ("192.0.2.254", 9);
    g_autoptr(GSocketAddress) local = NULL;
    if (probe != NULL && g_socket_connect (probe, dst, NULL, NULL))
      local = g_socket_get_local_address (probe, NULL);
    if (local != NULL)
      lan = g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  }
  if (lan == NULL || g_inet_address_get_is_loopback (lan))
    {
      print_message ("no non-loopback address: per-address cap not tested\n");
      return;
    }
  {
    g_autofree char *ip = g_inet_address_to_string (lan);
    g_autoptr(GSocketConnection) a = NULL, b = NULL, c = NULL;
    const char *wild;

    assert_true (ingest_socket_source_listen (src, "tcp://0.0.0.0:0", NULL));
    wild = ingest_socket_source_get_address (src, 1);
    lan_spec = g_strdup_printf ("tcp://%s:%s", ip, strrchr (wild, ':') + 1);
    a = connect_to (lan_spec);
    b = connect_to (lan_spec);
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (a)), "\n", 1, NULL, NULL, NULL);
    args[1] = GUINT_TO_POINTER (2);
    spin_until (producers_at_least, args, 2000);
    c = connect_to (lan_spec);
    spin_until (refused_once, src, 2000);
    memset (buf, 0, sizeof buf);
    g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (c)), buf, sizeof buf - 1,
                             &got, NULL, NULL);
    assert_non_null (strstr (buf, "error: too many producers from this address (limit 2)"));
  }
}

static void
append_file (const char *path, const char *text)
{
  FILE *f = fopen (path, "a");
  fputs (text, f);
  fclose (f);
}

static void
test_follow (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autofree char *path = g_build_filename (test_tmpdir (), "follow.ndjson", NULL);
  g_autofree char *rotated = g_build_filename (test_tmpdir (), "follow.ndjson.1", NULL);
  IngestFollowOptions opts = { .poll_ms = 100000 }; /* we poll by hand */
  g_autoptr(IngestFollowSource) src = NULL;
  FILE *f;

  src = ingest_follow_source_new (store, path, &opts, NULL);
  ingest_follow_source_poll (src);      /* missing file: waits */
  assert_int_equal (ingest_store_n_events (store), 0);
  append_file (path, line1);
  ingest_follow_source_poll (src);
  assert_int_equal (ingest_store_n_events (store), 1);
  append_file (path, "{\"ts\":1000001000,\"ev\":\"rec");  /* partial line */
  ingest_follow_source_poll (src);
  assert_int_equal (ingest_store_n_events (store), 1);
  append_file (path, "eive\",\"actor\":\"/b\",\"id\":1}\n");
  ingest_follow_source_poll (src);
  assert_int_equal (ingest_store_n_events (store), 2);

  /* Truncation: reading starts again at 0. */
  f = fopen (path, "w");
  fputs ("{\"ts\":2000000000,\"ev\":\"mark\",\"text\":\"after truncate\"}\n", f);
  fclose (f);
  ingest_follow_source_poll (src);
  assert_int_equal (ingest_follow_source_n_truncations (src), 1);
  assert_int_equal (ingest_store_n_events (store), 3);

  /* Rotation: the old file is finished, the new one read from its start. */
  append_file (path, "{\"ts\":2000000001,\"ev\":\"mark\",\"text\":\"last of old\"}\n");
  assert_int_equal (g_rename (path, rotated), 0);
  append_file (path, "{\"ts\":3000000000,\"ev\":\"mark\",\"text\":\"new file\"}\n");
  ingest_follow_source_poll (src);
  assert_int_equal (ingest_follow_source_n_rotations (src), 1);
  assert_int_equal (ingest_store_n_events (store), 5);
}

static gboolean
replay_done (gpointer p)
{
  return ingest_replay_source_is_done (p);
}

static void
assert_same_model (IngestStore *a, IngestStore *b)
{
  assert_int_equal (ingest_store_n_events (a), ingest_store_n_events (b));
  assert_int_equal (ingest_store_n_messages (a), ingest_store_n_messages (b));
  for (guint32 id = 1; id <= ingest_store_n_actors (a); id++)
    {
      const char *name = ingest_store_actor_name (a, id);
      IngestActorId other = ingest_store_find_actor (b, name);
      IngestActorStats sa, sb;
      assert_int_not_equal (other, 0);
      ingest_store_actor_stats (a, id, &sa);
      ingest_store_actor_stats (b, other, &sb);
      assert_int_equal (sa.sent, sb.sent);
      assert_int_equal (sa.received, sb.received);
      assert_int_equal (sa.processed, sb.processed);
      assert_int_equal (sa.errors, sb.errors);
      assert_int_equal (sa.mailbox_depth_max, sb.mailbox_depth_max);
      assert_int_equal (sa.processing.p50_ns, sb.processing.p50_ns);
    }
}

static void
test_record_then_replay (void **state)
{
  g_autofree char *trace = g_build_filename (g_getenv ("ACTORSCOPE_SOURCE_ROOT"), "data", "traces",
                                             "akka-supervision.ndjson", NULL);
  g_autofree char *rec = g_build_filename (test_tmpdir (), "session.ndjson", NULL);
  g_autoptr(IngestStore) live = ingest_store_new ();
  g_autoptr(IngestStore) again = ingest_store_new ();
  g_autoptr(IngestRecorder) recorder = NULL;
  g_autoptr(IngestReplaySource) replay = NULL;
  g_autoptr(GError) error = NULL;
  IngestReplayOptions ro = { .speed = 0 };

  /* A live session: the sample trace arrives, the recorder writes it. */
  recorder = ingest_recorder_new (live, rec, G_MAXUINT, &error);
  assert_non_null (recorder);
  replay = ingest_replay_source_new (live, trace, &ro, NULL, &error);
  assert_non_null (replay);
  spin_until (replay_done, replay, 10000);
  assert_true (ingest_replay_source_is_done (replay));
  assert_true (ingest_recorder_flush (recorder, &error)); /* a mid-session batch */
  assert_true (ingest_recorder_close (recorder, &error));
  assert_int_equal (ingest_recorder_n_written (recorder), ingest_store_n_events (live));
  g_clear_pointer (&replay, ingest_replay_source_free);

  /* Replaying the recording builds the same model. */
  replay = ingest_replay_source_new (again, rec, &ro, NULL, &error);
  assert_non_null (replay);
  spin_until (replay_done, replay, 10000);
  assert_same_model (live, again);
}

/* A recording whose two events are the ends of the time range: replayed in
 * a loop (each pass shifted by the span: saturated, not wrapped) and with
 * timing (the second is due in 292 years: it waits, nothing overflows). */
static void
test_replay_extreme_times (void **state)
{
  g_autofree char *path = g_build_filename (test_tmpdir (), "extremes.ndjson", NULL);
  const char text[] = "{\"ts\":-9223372036854775808,\"ev\":\"mark\",\"text\":\"a\"}\n"
                      "{\"ts\":9223372036854775807,\"ev\":\"mark\",\"text\":\"b\"}\n";
  g_autoptr(GError) error = NULL;

  assert_true (g_file_set_contents (path, text, -1, &error));
  {
    g_autoptr(IngestStore) store = ingest_store_new ();
    IngestReplayOptions ro = { .speed = 0, .loop = TRUE };
    g_autoptr(IngestReplaySource) replay = ingest_replay_source_new (store, path, &ro, NULL, &error);
    assert_non_null (replay);
    WantEvents w = { store, 8 };
    spin_until (have_events, &w, 3000);
    assert_true (ingest_store_n_events (store) >= 8);
    gint64 t0, t1;
    assert_true (ingest_store_time_range (store, &t0, &t1));
    assert_true (t0 == -INGEST_STORE_MAX_TIME && t1 == INGEST_STORE_MAX_TIME);
  }
  {
    g_autoptr(IngestStore) store = ingest_store_new ();
    IngestReplayOptions ro = { .speed = 1000, .loop = TRUE };
    g_autoptr(IngestReplaySource) replay = ingest_replay_source_new (store, path, &ro, NULL, &error);
    assert_non_null (replay);
    WantEvents w = { store, 2 };
    spin_until (have_events, &w, 200);
    assert_int_equal (ingest_store_n_events (store), 1);
  }
}

static void
test_mswitch_split (void **state)
{
  const char body[] = "{\"events\":[[1,{\"time\":1.0,\"queue\":\"q]\\\"[\",\"message\":[\"Ack\",[\"q\",0]]}],"
                      " [ 3 ,{\"payload\":\"\xff\xfe raw\"}]]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) items = ingest_mswitch_split_body (body, strlen (body), &error);

  assert_non_null (items);
  assert_int_equal (items->len, 2);
  assert_int_equal (g_array_index (items, IngestMswitchItem, 0).id, 1);
  assert_int_equal (g_array_index (items, IngestMswitchItem, 1).id, 3);
  g_clear_pointer (&items, g_array_unref);
  items = ingest_mswitch_split_body ("{\"events\":[[1,", 14, &error);
  assert_null (items);
  assert_non_null (error);
}

static void
test_xstate (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestXstateAdapter) x = ingest_xstate_adapter_new (store, "xs");
  g_autoptr(GError) error = NULL;
  const char *msgs[] = {
    "{\"type\":\"@xstate.actor\",\"name\":\"parent\",\"sessionId\":\"x:0\",\"createdAt\":\"1700000000000\"}",
    "{\"type\":\"@xstate.actor\",\"name\":\"child\",\"sessionId\":\"x:1\",\"parentId\":\"x:0\",\"createdAt\":\"1700000000001\"}",
    "{\"type\":\"@xstate.event\",\"sessionId\":\"x:1\",\"sourceId\":\"x:0\",\"event\":{\"type\":\"PING\",\"n\":1},\"createdAt\":\"1700000000002\"}",
    "{\"type\":\"@xstate.snapshot\",\"sessionId\":\"x:1\",\"snapshot\":{\"status\":\"active\",\"value\":\"a\"},\"createdAt\":\"1700000000003\"}",
    "{\"type\":\"@xstate.event\",\"sessionId\":\"x:0\",\"event\":{\"type\":\"<script>alert(1)</script>\"},\"createdAt\":\"1700000000004\"}",
    "{\"type\":\"@xstate.snapshot\",\"sessionId\":\"x:1\",\"snapshot\":{\"status\":\"error\",\"error\":\"boom\"},\"createdAt\":\"1700000000005\"}",
    "{\"type\":\"@xstate.microstep\",\"sessionId\":\"x:1\"}",
  };
  IngestActorStats st;
  IngestActorId child;

  for (guint i = 0; i < G_N_ELEMENTS (msgs); i++)
    {
      assert_true (ingest_xstate_looks_like (msgs[i], strlen (msgs[i])));
      assert_true (ingest_xstate_adapter_feed (x, msgs[i], strlen (msgs[i]), &error));
    }
  child = ingest_store_find_actor (store, "/parent/child");
  assert_int_not_equal (child, 0);
  assert_int_not_equal (ingest_store_find_actor (store, "(external)"), 0);
  ingest_store_actor_stats (store, child, &st);
  assert_int_equal (st.received, 1);
  assert_int_equal (st.processed, 1);
  assert_int_equal (st.crashes, 1);
  assert_int_equal (ingest_store_n_messages (store), 2);
  assert_false (ingest_xstate_adapter_feed (x, "{\"type\":\"@xstate.event\"}", 24, &error));
  assert_non_null (error);
  g_clear_error (&error);
  assert_false (ingest_xstate_adapter_feed (x, "{not json", 9, &error));
  assert_false (ingest_xstate_looks_like ("{\"ts\":1,\"ev\":\"send\"}", 20));
}

/* createdAt (ms) is converted from its digits when it is a string or an
 * integer: a double rounds epoch nanoseconds to a multiple of 256. */
static void
test_xstate_time_exact (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestXstateAdapter) x = ingest_xstate_adapter_new (store, "xs");
  g_autoptr(GError) error = NULL;
  const char *a = "{\"type\":\"@xstate.actor\",\"name\":\"m\",\"sessionId\":\"x:0\",\"createdAt\":\"1700000000001.234567\"}";
  const char *b = "{\"type\":\"@xstate.actor\",\"name\":\"n\",\"sessionId\":\"x:1\",\"createdAt\":1700000000003}";

  assert_true (ingest_xstate_adapter_feed (x, a, strlen (a), &error));
  assert_true (ingest_xstate_adapter_feed (x, b, strlen (b), &error));
  assert_true (ingest_store_event (store, 0)->time_ns == G_GINT64_CONSTANT (1700000000001234567));
  assert_true (ingest_store_event (store, 1)->time_ns == G_GINT64_CONSTANT (1700000000003000000));
}

/* A chain of nested actors, each named after its parent's path: names and
 * the adapter's state stay bounded (a 21,100-deep chain grew the service
 * to 4.8 GB: each name copied its parent's whole name). */
static void
test_xstate_deep_chain (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestXstateAdapter) x = ingest_xstate_adapter_new (store, "xs");
  const guint n = 25000;
  IngestActorId last;
  const char *name;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *parent = i > 0 ? g_strdup_printf (",\"parentId\":\"x:%u\"", i - 1) : g_strdup ("");
      g_autofree char *msg = g_strdup_printf ("{\"type\":\"@xstate.actor\",\"name\":\"level-%u\","
                                              "\"sessionId\":\"x:%u\"%s,\"createdAt\":1700000000000}",
                                              i, i, parent);
      assert_true (ingest_xstate_adapter_feed (x, msg, strlen (msg), &error));
      if (ingest_xstate_adapter_get_state_bytes (x) > INGEST_XSTATE_MAX_STATE_BYTES)
        fail_msg ("%u levels: %" G_GSIZE_FORMAT " bytes of adapter state", i + 1,
                  ingest_xstate_adapter_get_state_bytes (x));
    }
  fprintf (stderr, "# %u nested actors: %" G_GSIZE_FORMAT " bytes of adapter state\n", n,
           ingest_xstate_adapter_get_state_bytes (x));
  for (IngestActorId a = 1; a <= ingest_store_n_actors (store); a++)
    assert_true (strlen (ingest_store_actor_name (store, a)) <= INGEST_XSTATE_MAX_NAME);
  /* The deepest actor still shows its own machine id. */
  last = ingest_store_event (store, ingest_store_n_events (store) - 1)->actor;
  name = ingest_store_actor_name (store, last);
  if (strstr (name, "/level-24999") == NULL)
    fail_msg ("the deepest actor is \"%s\"", name);
}

/* Sessions per connection are bounded too: past the state budget new ones
 * fold into "(other actors)", known ones still resolve. */
static void
test_xstate_many_sessions (void **state)
{
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestXstateAdapter) x = ingest_xstate_adapter_new (store, "xs");
  g_autofree char *big = g_strnfill (2000, 'm');
  g_autoptr(GError) error = NULL;
  const guint n = 40000;
  g_autofree char *first = g_strdup_printf ("{\"type\":\"@xstate.event\",\"sessionId\":\"0:%s\","
                                            "\"event\":{\"type\":\"E\"}}", big);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *msg = g_strdup_printf ("{\"type\":\"@xstate.actor\",\"name\":\"%s\","
                                              "\"sessionId\":\"%u:%s\"}", big, i, big);
      assert_true (ingest_xstate_adapter_feed (x, msg, strlen (msg), &error));
      if (ingest_xstate_adapter_get_state_bytes (x) > INGEST_XSTATE_MAX_STATE_BYTES)
        fail_msg ("%u sessions: %" G_GSIZE_FORMAT " bytes of adapter state", i + 1,
                  ingest_xstate_adapter_get_state_bytes (x));
    }
  assert_int_not_equal (ingest_store_find_actor (store, INGEST_STORE_OTHER_ACTORS), 0);
  assert_true (ingest_xstate_adapter_feed (x, first, strlen (first), &error));
  assert_string_equal (ingest_store_actor_name (store, ingest_store_event (store, ingest_store_n_events (store) - 1)->actor),
                       ingest_store_actor_name (store, ingest_store_event (store, 0)->actor));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_socket_tcp_and_unix),
    cmocka_unit_test (test_socket_producer_limit),
    cmocka_unit_test (test_socket_bad_address),
    cmocka_unit_test (test_socket_gate),
    cmocka_unit_test (test_socket_out_of_fds),
    cmocka_unit_test (test_socket_idle_and_per_address),
    cmocka_unit_test (test_follow),
    cmocka_unit_test (test_record_then_replay),
    cmocka_unit_test (test_replay_extreme_times),
    cmocka_unit_test (test_mswitch_split),
    cmocka_unit_test (test_xstate_deep_chain),
    cmocka_unit_test (test_xstate_time_exact),
    cmocka_unit_test (test_xstate_many_sessions),
    /* the long-poll client itself: test-ingest-source-mswitch.c */
    cmocka_unit_test (test_xstate),
  };
  return cmocka_run_group_tests (tests, test_tmpdir_group_setup, test_tmpdir_group_teardown);
}
