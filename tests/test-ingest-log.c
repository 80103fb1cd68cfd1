/* test-ingest-log.c: the durable event log (ingest-log-disk.c and its codec):
 * exact round trips of the bundled traces, torn tails cut at every byte of
 * the last block, corruption in the middle named by file and offset, newer
 * versions refused, the writer lock, retention by size and age, and write
 * errors (injected, and a real full tmpfs when mounting is permitted). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include "ingest-log-disk.h"
#include "ingest-log-codec.h"
#include "ingest-native-writer.h"
#include "ingest-parser.h"
#include "ingest-source-replay.h"
#include "test-ingest-common.h"

/* --- helpers ----------------------------------------------------------------- */

static void
rm_rf (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *name;
  if (d != NULL)
    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (path, name, NULL);
        if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
          rm_rf (p);
        else
          g_unlink (p);
      }
  g_rmdir (path);
}

static char *
tmp_dir (void)
{
  char *d = g_dir_make_tmp ("actorscope-log-XXXXXX", NULL);
  assert_non_null (d);
  return d;
}

static char *
native_text (IngestStore *store)
{
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  assert_true (ingest_native_write (store, 0, out, NULL));
  assert_true (g_output_stream_write_all (out, "", 1, NULL, NULL, NULL));
  assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static gint
cmp_edge (gconstpointer a, gconstpointer b)
{
  const IngestEdgeStats *x = a, *y = b;
  if (x->from != y->from)
    return x->from < y->from ? -1 : 1;
  return x->to < y->to ? -1 : x->to > y->to;
}

/* Everything a user can see of a store, compared. */
static void
assert_same_store (IngestStore *a, IngestStore *b)
{
  gsize na, nb;
  g_autofree char *ta = NULL, *tb = NULL;
  g_autofree IngestEdgeStats *ea = NULL, *eb = NULL;

  assert_int_equal (ingest_store_n_events (a), ingest_store_n_events (b));
  assert_int_equal (ingest_store_n_actors (a), ingest_store_n_actors (b));
  assert_int_equal (ingest_store_n_messages (a), ingest_store_n_messages (b));
  for (IngestActorId id = 1; id <= ingest_store_n_actors (a); id++)
    {
      IngestActorStats sa, sb;
      const IngestActor *xa = ingest_store_actor (a, id), *xb = ingest_store_actor (b, id);
      assert_string_equal (ingest_store_actor_name (a, id), ingest_store_actor_name (b, id));
      assert_int_equal (xa->kind, xb->kind);
      assert_int_equal (xa->parent, xb->parent);
      assert_int_equal (xa->alive, xb->alive);
      ingest_store_actor_stats (a, id, &sa);
      ingest_store_actor_stats (b, id, &sb);
      assert_memory_equal (&sa, &sb, sizeof sa);
    }
  ea = ingest_store_dup_edges (a, &na);
  eb = ingest_store_dup_edges (b, &nb);
  assert_int_equal (na, nb);
  qsort (ea, na, sizeof *ea, cmp_edge);
  qsort (eb, nb, sizeof *eb, cmp_edge);
  for (gsize i = 0; i < na; i++)
    {
      assert_int_equal (ea[i].from, eb[i].from);
      assert_int_equal (ea[i].to, eb[i].to);
      assert_int_equal (ea[i].count, eb[i].count);
      assert_int_equal (ea[i].received, eb[i].received);
      assert_int_equal (ea[i].dropped, eb[i].dropped);
      assert_int_equal (ea[i].bytes, eb[i].bytes);
      assert_int_equal (ea[i].first_ns, eb[i].first_ns);
      assert_int_equal (ea[i].last_ns, eb[i].last_ns);
      assert_memory_equal (&ea[i].mailbox, &eb[i].mailbox, sizeof ea[i].mailbox);
      assert_memory_equal (&ea[i].processing, &eb[i].processing, sizeof ea[i].processing);
      assert_memory_equal (&ea[i].round_trip, &eb[i].round_trip, sizeof ea[i].round_trip);
      assert_string_equal (ingest_store_atom (a, ea[i].top_label),
                           ingest_store_atom (b, eb[i].top_label));
    }
  assert_memory_equal (ingest_store_counters (a), ingest_store_counters (b),
                       sizeof (IngestStoreCounters));
  ta = native_text (a);
  tb = native_text (b);
  assert_string_equal (ta, tb);
}

static IngestLog *
open_writer (const char *dir, guint64 segment_bytes)
{
  IngestLogDiskOptions o = { 0 };
  g_autoptr (GError) error = NULL;
  o.segment_bytes = segment_bytes;
  IngestLog *log = ingest_log_disk_open (dir, &o, &error);
  assert_null (error);
  assert_non_null (log);
  return log;
}

static IngestLog *
open_reader (const char *dir, GError **error)
{
  IngestLogDiskOptions o = { 0 };
  o.read_only = TRUE;
  return ingest_log_disk_open (dir, &o, error);
}

static IngestStore *
read_back (const char *dir, IngestLogSkipped *skipped, GError **error)
{
  g_autoptr (IngestLog) log = open_reader (dir, error);
  IngestStore *store;
  if (log == NULL)
    return NULL;
  store = ingest_store_new ();
  if (!ingest_log_read_into_store (log, 0, G_MAXUINT64, store, NULL, skipped, error))
    {
      ingest_store_free (store);
      return NULL;
    }
  return store;
}

/* Writes store to a new log in dir, flushing every `every` events. */
static void
write_store (IngestStore *store, const char *dir, guint64 every, guint64 segment_bytes)
{
  g_autoptr (IngestLog) log = open_writer (dir, segment_bytes);
  guint64 n = ingest_store_n_events (store);
  for (guint64 from = 0; from < n; from += every)
    {
      assert_true (ingest_log_append (log, store, from, MIN (n, from + every), NULL));
      assert_true (ingest_log_flush (log, NULL));
    }
  assert_int_equal (ingest_log_n_durable (log), n);
  assert_true (ingest_log_close (log, NULL));
}

/* A store with every event kind and every string field, repeated so it
 * spans several blocks and segments. */
static IngestStore *
every_kind_store (guint rounds)
{
  IngestStore *s = ingest_store_new ();
  ingest_store_ensure_actor (s, INGEST_STR ("declared-only"), INGEST_ACTOR_PROCESS, INGEST_STR_NONE);
  for (guint r = 0; r < rounds; r++)
    {
      gint64 t = 1000 + (gint64) r * 100;
      g_autofree char *a = g_strdup_printf ("/user/w%u", r % 7);
      g_autofree char *k1 = g_strdup_printf ("req-%u", r);
      g_autofree char *k2 = g_strdup_printf ("rsp-%u", r);
      g_autofree char *k3 = g_strdup_printf ("lost-%u", r);
      IngestEventInput in = { 0 };

      in.kind = INGEST_EVENT_SPAWN;
      in.time_ns = t;
      in.actor = INGEST_STR (a);
      in.peer = INGEST_STR ("/user");
      in.actor_kind = INGEST_ACTOR_QUEUE;
      in.actor_kind_set = r % 3 == 0;
      ingest_store_append (s, &in);
      memset (&in, 0, sizeof in);
      in.kind = INGEST_EVENT_SEND;
      in.time_ns = t + 1;
      in.actor = INGEST_STR ("client");
      in.peer = INGEST_STR (a);
      in.message_key = INGEST_STR (k1);
      in.label = INGEST_STR (r % 2 ? "Get" : "Put");
      in.payload = INGEST_STR (r % 4 == 0 ? "{\"x\":1,\"é\":\"\\u0000\"}" : NULL);
      in.reply_to = INGEST_STR ("client");
      in.size = r;
      ingest_store_append (s, &in);
      /* a receive before its send (learnt late) */
      test_ingest_event (s, INGEST_EVENT_RECEIVE, t + 2, "client", NULL, k2, NULL, NULL, NULL,
                         NULL, 0, 0);
      test_ingest_event (s, INGEST_EVENT_RECEIVE, t + 3, a, "client", k1, NULL, NULL, NULL, NULL,
                         0, 0);
      test_ingest_event (s, INGEST_EVENT_SEND, t + 4, a, "client", k2, "Reply", NULL, NULL, k1, 0,
                         12);
      test_ingest_event (s, INGEST_EVENT_DONE, t + 5, a, NULL, k1, NULL, NULL, NULL, NULL, 0, 0);
      test_ingest_event (s, INGEST_EVENT_ACK, t + 6, "client", NULL, k2, NULL, NULL, NULL, NULL, 0, 0);
      test_ingest_event (s, INGEST_EVENT_SEND, t + 7, "client", a, k3, "Lost", NULL, NULL, NULL, 0, 0);
      test_ingest_event (s, INGEST_EVENT_DROP, t + 8, a, NULL, k3, NULL, "mailbox full", NULL, NULL,
                         0, 0);
      test_ingest_event (s, INGEST_EVENT_MARK, t + 9, r % 2 ? a : NULL, NULL, NULL, NULL,
                         "checkpoint ✓", NULL, NULL, 0, 0);
      /* out of time order, too */
      test_ingest_event (s, INGEST_EVENT_EXIT, t - 50, a, NULL, NULL, NULL, r % 5 ? NULL : "boom",
                         NULL, NULL, r % 2 ? INGEST_EXIT_CRASH : INGEST_EXIT_NORMAL, 0);
    }
  ingest_store_counters (s)->skipped_records = 3;
  ingest_store_counters (s)->lost_events = 4;
  ingest_store_counters (s)->duplicate_events = 5;
  /* kept across a restart since the log has a record for it */
  ingest_store_counters (s)->lost_before_attach = 6;
  return s;
}

/* --- round trips ---------------------------------------------------------------- */

static void
test_round_trip_every_kind (void **state)
{
  g_autoptr (IngestStore) a = every_kind_store (3000);
  g_autofree char *dir = tmp_dir ();
  g_autoptr (IngestStore) b = NULL;
  g_autoptr (GError) error = NULL;
  (void) state;

  /* small flushes and 64 KiB segments: many blocks, several segments, so
   * every block's own definitions are exercised */
  write_store (a, dir, 777, 64 * 1024);
  b = read_back (dir, NULL, &error);
  assert_null (error);
  assert_same_store (a, b);
  rm_rf (dir);
}

static void
test_round_trip_bundled_traces (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *traces = g_build_filename (root ? root : ".", "data", "traces", NULL);
  g_autoptr (GDir) d = g_dir_open (traces, 0, NULL);
  const char *name;
  guint n = 0;
  (void) state;

  assert_non_null (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (!g_str_has_suffix (name, ".ndjson") && !g_str_has_suffix (name, ".json"))
        continue;
      g_autofree char *path = g_build_filename (traces, name, NULL);
      g_autoptr (IngestStore) a = ingest_store_new ();
      g_autoptr (IngestStore) b = NULL;
      g_autofree char *dir = tmp_dir ();
      g_autoptr (GError) error = NULL;

      /* lenient: hostile.ndjson has malformed lines on purpose */
      ingest_load_file (a, path, NULL, NULL, NULL, NULL);
      assert_true (ingest_store_n_events (a) > 0);
      write_store (a, dir, 50, 0);
      b = read_back (dir, NULL, &error);
      assert_null (error);
      assert_same_store (a, b);
      {
        /* ingest_load_file (the GTK app, --replay) reads a data directory */
        g_autoptr (IngestStore) c = ingest_store_new ();
        assert_true (ingest_load_file (c, dir, NULL, NULL, NULL, &error));
        assert_same_store (a, c);
      }
      rm_rf (dir);
      n++;
    }
  assert_true (n >= 4);
}

/* A restart: read back, keep appending, read back again. */
static void
test_resume_continues (void **state)
{
  g_autoptr (IngestStore) a = every_kind_store (100);
  g_autoptr (IngestStore) b = NULL, c = NULL;
  g_autofree char *dir = tmp_dir ();
  guint64 half = ingest_store_n_events (a) / 2;
  (void) state;

  {
    g_autoptr (IngestLog) log = open_writer (dir, 0);
    assert_true (ingest_log_append (log, a, 0, half, NULL));
    assert_true (ingest_log_close (log, NULL));
  }
  {
    g_autoptr (IngestLog) log = open_writer (dir, 0);
    b = ingest_store_new ();
    assert_int_equal (ingest_log_n_durable (log), half);
    assert_true (ingest_log_read_into_store (log, 0, G_MAXUINT64, b, NULL, NULL, NULL));
    /* the rest, appended from the original store (same names) */
    for (IngestSeq s = half; s < ingest_store_n_events (a); s++)
      ingest_replay_copy_event (a, s, b, 0, NULL);
    assert_true (ingest_log_append (log, b, half, ingest_store_n_events (b), NULL));
    assert_true (ingest_log_close (log, NULL));
  }
  c = read_back (dir, NULL, NULL);
  assert_non_null (c);
  assert_same_store (b, c);
  rm_rf (dir);
}

typedef struct {
  IngestStore *original;
  guint64 n;
  IngestSeq last;
} TimeRead;

static gboolean
on_time_event (IngestSeq seq, const IngestEventInput *in, gpointer user_data)
{
  TimeRead *tr = user_data;
  /* log seq == store seq here (nothing dropped): same event */
  assert_int_equal (in->time_ns, ingest_store_event (tr->original, seq)->time_ns);
  assert_true (tr->n == 0 || seq > tr->last);
  tr->last = seq;
  tr->n++;
  return TRUE;
}

/* Reading by seq range and by time range. */
static void
test_read_ranges (void **state)
{
  g_autoptr (IngestStore) a = every_kind_store (500);
  g_autofree char *dir = tmp_dir ();
  g_autoptr (IngestLog) log = NULL;
  g_autoptr (IngestStore) part = ingest_store_new ();
  guint64 n = 0;
  (void) state;

  write_store (a, dir, 100, 16 * 1024);
  log = open_reader (dir, NULL);
  assert_true (ingest_log_read_into_store (log, 1234, 2345, part, &n, NULL, NULL));
  assert_int_equal (n, 2345 - 1234);
  for (IngestSeq s = 0; s < n; s++)
    assert_int_equal (ingest_store_event (part, s)->time_ns, ingest_store_event (a, 1234 + s)->time_ns);

  /* by time: exactly the events in [t0, t1], in seq order */
  {
    const gint64 t0 = 20000, t1 = 30000;
    TimeRead tr = { a, 0, 0 };
    const IngestLogReadFuncs funcs = { NULL, on_time_event, NULL };
    guint64 want = 0;
    for (IngestSeq s = 0; s < ingest_store_n_events (a); s++)
      {
        gint64 t = ingest_store_event (a, s)->time_ns;
        want += t >= t0 && t <= t1;
      }
    assert_true (ingest_log_read (log, 0, G_MAXUINT64, t0, t1, &funcs, &tr, NULL, NULL));
    assert_int_equal (tr.n, want);
  }
  rm_rf (dir);
}

/* --- crash rule -------------------------------------------------------------------- */

static char *
only_segment (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  char *found = NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "seg-"))
      {
        assert_null (found);
        found = g_build_filename (dir, name, NULL);
      }
  assert_non_null (found);
  return found;
}

static void
copy_dir_cut (const char *src, const char *dst, const char *seg_name, gsize cut)
{
  const char *files[] = { INGEST_LOG_DISK_MARKER, NULL };
  for (guint i = 0; files[i]; i++)
    {
      g_autofree char *s = g_build_filename (src, files[i], NULL), *d = g_build_filename (dst, files[i], NULL);
      g_autofree char *text = NULL;
      gsize len;
      assert_true (g_file_get_contents (s, &text, &len, NULL));
      assert_true (g_file_set_contents (d, text, (gssize) len, NULL));
    }
  {
    g_autofree char *s = g_build_filename (src, seg_name, NULL), *d = g_build_filename (dst, seg_name, NULL);
    g_autofree char *text = NULL;
    gsize len;
    assert_true (g_file_get_contents (s, &text, &len, NULL));
    assert_true (g_file_set_contents (d, text, (gssize) MIN (cut, len), NULL));
  }
}

static void
test_torn_tail_every_offset (void **state)
{
  g_autoptr (IngestStore) a = every_kind_store (40);
  g_autofree char *dir = tmp_dir ();
  g_autofree char *seg = NULL, *seg_name = NULL, *bytes = NULL;
  gsize size, last_start;
  guint64 n = ingest_store_n_events (a), before = n - 37;
  (void) state;

  {
    g_autoptr (IngestLog) log = open_writer (dir, 0);
    assert_true (ingest_log_append (log, a, 0, before, NULL));
    assert_true (ingest_log_flush (log, NULL));
    last_start = (gsize) ingest_log_disk_get_info (log)->bytes;
    assert_true (ingest_log_append (log, a, before, n, NULL));
    assert_true (ingest_log_close (log, NULL));
  }
  seg = only_segment (dir);
  seg_name = g_path_get_basename (seg);
  assert_true (g_file_get_contents (seg, &bytes, &size, NULL));
  assert_true (size > last_start + INGEST_LOG_BLOCK_HEADER_SIZE);

  for (gsize cut = last_start; cut <= size; cut++)
    {
      g_autofree char *d2 = tmp_dir ();
      g_autoptr (IngestStore) back = NULL;
      guint64 want = cut == size ? n : before;

      copy_dir_cut (dir, d2, seg_name, cut);
      /* a reader (no lock, no repair) sees the whole blocks */
      back = read_back (d2, NULL, NULL);
      assert_non_null (back);
      assert_int_equal (ingest_store_n_events (back), want);
      {
        /* the writer cuts the tail and continues after it */
        g_autoptr (IngestLog) log = open_writer (d2, 0);
        const IngestLogDiskInfo *info = ingest_log_disk_get_info (log);
        assert_int_equal (ingest_log_n_durable (log), want);
        assert_int_equal (info->torn_bytes, cut == size ? 0 : cut - last_start);
        if (cut != size && cut != last_start)
          assert_non_null (strstr (info->torn_where, seg_name));
        assert_true (ingest_log_close (log, NULL));
      }
      rm_rf (d2);
    }
  /* a bad CRC in the last block (the data did not reach the disk) is a
   * torn tail too */
  bytes[size - 1] ^= 0x55;
  assert_true (g_file_set_contents (seg, bytes, (gssize) size, NULL));
  {
    g_autoptr (IngestLog) log = open_writer (dir, 0);
    assert_int_equal (ingest_log_n_durable (log), before);
    assert_non_null (strstr (ingest_log_disk_get_info (log)->torn_where, "checksum"));
  }
  rm_rf (dir);
}

/* Three flushes -> three blocks; returns the segment and block offsets. */
static char *
three_blocks (const char *dir, IngestStore *a, gsize offs[4], guint64 ends[3])
{
  guint64 n = ingest_store_n_events (a);
  g_autoptr (IngestLog) log = open_writer (dir, 0);
  offs[0] = 16;
  for (int i = 0; i < 3; i++)
    {
      ends[i] = n * (guint64) (i + 1) / 3;
      assert_true (ingest_log_append (log, a, i ? ends[i - 1] : 0, ends[i], NULL));
      assert_true (ingest_log_flush (log, NULL));
      offs[i + 1] = (gsize) ingest_log_disk_get_info (log)->bytes;
    }
  assert_true (ingest_log_close (log, NULL));
  return only_segment (dir);
}

static void
test_corrupt_middle_block (void **state)
{
  g_autoptr (IngestStore) a = every_kind_store (60);
  g_autofree char *dir = tmp_dir ();
  gsize offs[4], size;
  guint64 ends[3];
  g_autofree char *seg = three_blocks (dir, a, offs, ends);
  g_autofree char *bytes = NULL, *want = NULL;
  (void) state;

  assert_true (g_file_get_contents (seg, &bytes, &size, NULL));
  /* a flipped byte in the middle block's compressed data */
  bytes[offs[1] + INGEST_LOG_BLOCK_HEADER_SIZE + 10] ^= 0x01;
  assert_true (g_file_set_contents (seg, bytes, (gssize) size, NULL));
  want = g_strdup_printf ("%s: byte %" G_GSIZE_FORMAT ": checksum mismatch", seg, offs[1]);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (IngestStore) strict = read_back (dir, NULL, &error);
    assert_null (strict);
    assert_non_null (error);
    assert_string_equal (error->message, want);
  }
  {
    g_auto (IngestLogSkipped) skipped = { 0 };
    g_autoptr (IngestStore) lenient = read_back (dir, &skipped, NULL);
    assert_non_null (lenient);
    assert_int_equal (skipped.bad_blocks, 1);
    assert_int_equal (skipped.lost_events, ends[1] - ends[0]);
    assert_string_equal (skipped.first_problem, want);
    assert_int_equal (ingest_store_n_events (lenient), ingest_store_n_events (a) - skipped.lost_events);
  }
  /* a writer keeps it (not a torn tail) and appends after it */
  {
    g_autoptr (IngestLog) log = open_writer (dir, 0);
    assert_int_equal (ingest_log_n_durable (log), ends[2]);
    assert_int_equal (ingest_log_disk_get_info (log)->torn_bytes, 0);
  }

  /* a broken header in the middle: the scan finds the next block */
  bytes[offs[1] + INGEST_LOG_BLOCK_HEADER_SIZE + 10] ^= 0x01;
  bytes[offs[1] + 9] ^= 0xff;
  assert_true (g_file_set_contents (seg, bytes, (gssize) size, NULL));
  {
    g_auto (IngestLogSkipped) skipped = { 0 };
    g_autoptr (IngestStore) lenient = read_back (dir, &skipped, NULL);
    assert_non_null (lenient);
    assert_int_equal (skipped.bad_blocks, 1);
    assert_non_null (strstr (skipped.first_problem, "checksum"));
    /* the count of a region without a readable header comes from the
     * next block's first seq */
    assert_int_equal (skipped.lost_events, ends[1] - ends[0]);
    assert_int_equal (ingest_store_n_events (lenient), ends[0] + ends[2] - ends[1]);
  }
  rm_rf (dir);
}

static void
test_newer_version_refused (void **state)
{
  g_autoptr (IngestStore) a = every_kind_store (10);
  g_autofree char *dir = tmp_dir ();
  g_autofree char *seg = NULL, *bytes = NULL, *marker = NULL;
  gsize size;
  (void) state;

  write_store (a, dir, 1000, 0);
  seg = only_segment (dir);
  assert_true (g_file_get_contents (seg, &bytes, &size, NULL));
  bytes[8] = 2;
  assert_true (g_file_set_contents (seg, bytes, (gssize) size, NULL));
  for (int writer = 0; writer < 2; writer++)
    {
      g_autoptr (GError) error = NULL;
      IngestLogDiskOptions o = { 0 };
      o.read_only = !writer;
      IngestLog *log = ingest_log_disk_open (dir, &o, &error);
      g_autofree char *want = g_strdup_printf ("%s: byte 8: segment format version 2 is newer", seg);
      assert_null (log);
      assert_non_null (strstr (error->message, want));
    }
  bytes[8] = 1;
  assert_true (g_file_set_contents (seg, bytes, (gssize) size, NULL));
  marker = g_build_filename (dir, INGEST_LOG_DISK_MARKER, NULL);
  assert_true (g_file_set_contents (marker, "actorscope-log 9\n", -1, NULL));
  {
    g_autoptr (GError) error = NULL;
    IngestLog *log = open_reader (dir, &error);
    assert_null (log);
    assert_non_null (strstr (error->message, "version 9 is newer"));
  }
  rm_rf (dir);
}

static void
test_lock_refuses_second_writer (void **state)
{
  g_autofree char *dir = tmp_dir ();
  g_autoptr (IngestLog) first = open_writer (dir, 0);
  g_autoptr (GError) error = NULL;
  g_autofree char *pid = g_strdup_printf ("pid %ld", (long) getpid ());
  IngestLog *second;
  (void) state;

  second = ingest_log_disk_open (dir, NULL, &error);
  assert_null (second);
  assert_non_null (strstr (error->message, "in use by another writer"));
  assert_non_null (strstr (error->message, pid));
  /* a directory with other files is not made a data directory */
  {
    g_autofree char *other = tmp_dir ();
    g_autofree char *file = g_build_filename (other, "notes.txt", NULL);
    g_autoptr (GError) e2 = NULL;
    assert_true (g_file_set_contents (file, "mine", -1, NULL));
    assert_null (ingest_log_disk_open (other, NULL, &e2));
    assert_non_null (strstr (e2->message, "not empty and not an actorscope data directory"));
    rm_rf (other);
  }
  /* readers need no lock */
  {
    g_autoptr (IngestLog) reader = open_reader (dir, NULL);
    assert_non_null (reader);
  }
  assert_true (ingest_log_close (first, NULL));
  {
    g_autoptr (IngestLog) again = open_writer (dir, 0);
    assert_non_null (again);
  }
  rm_rf (dir);
}

/* --- retention ------------------------------------------------------------------- */

static void
test_retention_by_size (void **state)
{
  g_autoptr (IngestStore) a = every_kind_store (2000);
  g_autofree char *dir = tmp_dir ();
  IngestLogDiskOptions o = { 0 };
  guint64 n = ingest_store_n_events (a), dropped = 0;
  (void) state;

  o.segment_bytes = 4 * 1024;
  o.retain_bytes = 16 * 1024;
  {
    g_autoptr (IngestLog) log = ingest_log_disk_open (dir, &o, NULL);
    for (guint64 from = 0; from < n; from += 500)
      {
        assert_true (ingest_log_append (log, a, from, MIN (n, from + 500), NULL));
        assert_true (ingest_log_flush (log, NULL));
        dropped += ingest_log_disk_get_info (log)->dropped_now;
        assert_true (ingest_log_disk_get_info (log)->bytes <= o.retain_bytes + o.segment_bytes * 2);
      }
    assert_true (dropped > 0);
    assert_int_equal (ingest_log_disk_get_info (log)->dropped_events, dropped);
    assert_int_equal (ingest_log_first_seq (log), dropped);
    assert_true (ingest_log_close (log, NULL));
  }
  {
    /* the count survives: it is the oldest segment's first seq */
    g_autoptr (IngestLog) log = open_reader (dir, NULL);
    g_autoptr (IngestStore) b = ingest_store_new ();
    assert_int_equal (ingest_log_disk_get_info (log)->dropped_events, dropped);
    assert_true (ingest_log_read_into_store (log, 0, G_MAXUINT64, b, NULL, NULL, NULL));
    assert_int_equal (ingest_store_n_events (b), n - dropped);
    /* the kept events are the newest ones, exactly */
    assert_int_equal (ingest_store_event (b, 0)->time_ns, ingest_store_event (a, dropped)->time_ns);
  }
  rm_rf (dir);
}

static void
test_retention_by_age (void **state)
{
  g_autoptr (IngestStore) a = every_kind_store (2000); /* times 1000 .. 201000 ns */
  g_autofree char *dir = tmp_dir ();
  IngestLogDiskOptions o = { 0 };
  guint64 n = ingest_store_n_events (a);
  (void) state;

  o.segment_bytes = 2 * 1024;
  o.retain_ns = 50000;
  g_autoptr (IngestLog) log = ingest_log_disk_open (dir, &o, NULL);
  for (guint64 from = 0; from < n; from += 400)
    {
      assert_true (ingest_log_append (log, a, from, MIN (n, from + 400), NULL));
      assert_true (ingest_log_flush (log, NULL));
    }
  {
    guint64 first = ingest_log_first_seq (log);
    assert_true (first > 0);
    /* what went: only events older than 50 us before the newest one; what
     * stays: most of the trace (200 us) went */
    gint64 newest = ingest_store_event (a, n - 1)->time_ns;
    for (IngestSeq s = 0; s < first; s++)
      assert_true (ingest_store_event (a, s)->time_ns < newest - 50000);
    assert_true (first > n / 2);
    assert_true (ingest_log_disk_get_info (log)->dropped_events == first);
  }
  rm_rf (dir);
}

/* --- write errors -------------------------------------------------------------- */

static void
test_write_error_injected (void **state)
{
  g_autoptr (IngestStore) a = every_kind_store (200);
  g_autofree char *dir = tmp_dir ();
  guint64 n = ingest_store_n_events (a);
  (void) state;

  {
    g_autoptr (IngestLog) log = open_writer (dir, 0);
    g_autoptr (GError) error = NULL;
    g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT " events are safely stored", n / 2);
    assert_true (ingest_log_append (log, a, 0, n / 2, NULL));
    assert_true (ingest_log_flush (log, NULL));
    ingest_log_disk_inject_write_error (log, ENOSPC);
    assert_true (ingest_log_append (log, a, n / 2, n, NULL));
    assert_false (ingest_log_flush (log, &error));
    assert_non_null (strstr (error->message, g_strerror (ENOSPC)));
    assert_non_null (strstr (error->message, want));
    assert_int_equal (ingest_log_n_durable (log), n / 2);
    /* it stays stopped: no later flush pretends to succeed */
    ingest_log_disk_inject_write_error (log, 0);
    g_clear_error (&error);
    assert_false (ingest_log_flush (log, &error));
    assert_non_null (strstr (error->message, want));
  }
  {
    g_autoptr (IngestStore) b = read_back (dir, NULL, NULL);
    assert_int_equal (ingest_store_n_events (b), n / 2);
  }
  rm_rf (dir);
}

static void
test_full_tmpfs (void **state)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autoptr (IngestStore) a = ingest_store_new ();
  guint64 durable = 0, n;
  gboolean failed = FALSE;
  (void) state;

  if (mount ("tmpfs", dir, "tmpfs", 0, "size=1m") != 0)
    {
      int e = errno;
      rm_rf (dir);
      /* not root, or no CAP_SYS_ADMIN in this container */
      g_autofree char *why = g_strdup_printf ("cannot mount a 1 MiB tmpfs (%s); the injected "
                                              "ENOSPC test covers the same path", g_strerror (e));
      print_message ("skipped: %s\n", why);
      skip ();
    }
  /* incompressible payloads fill 1 MiB fast */
  for (guint i = 0; i < 4000; i++)
    {
      char payload[400];
      g_autofree char *key = g_strdup_printf ("m%u", i);
      for (gsize j = 0; j + 1 < sizeof payload; j++)
        payload[j] = (char) ('!' + g_random_int_range (0, 90));
      payload[sizeof payload - 1] = '\0';
      IngestEventInput in = { 0 };
      in.kind = INGEST_EVENT_SEND;
      in.time_ns = i;
      in.actor = INGEST_STR ("a");
      in.peer = INGEST_STR ("b");
      in.message_key = INGEST_STR (key);
      in.payload = INGEST_STR (payload);
      ingest_store_append (a, &in);
    }
  n = ingest_store_n_events (a);
  {
    g_autoptr (IngestLog) log = open_writer (data, 0);
    g_autoptr (GError) error = NULL;
    for (guint64 from = 0; from < n && !failed; from += 100)
      {
        assert_true (ingest_log_append (log, a, from, MIN (n, from + 100), NULL));
        if (!ingest_log_flush (log, &error))
          failed = TRUE;
        else
          durable = MIN (n, from + 100);
      }
    assert_true (failed);
    assert_non_null (strstr (error->message, g_strerror (ENOSPC)));
    assert_int_equal (ingest_log_n_durable (log), durable);
  }
  {
    g_autoptr (IngestStore) b = read_back (data, NULL, NULL);
    assert_non_null (b);
    assert_int_equal (ingest_store_n_events (b), durable);
  }
  umount (dir);
  rm_rf (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_round_trip_every_kind),
    cmocka_unit_test (test_round_trip_bundled_traces),
    cmocka_unit_test (test_resume_continues),
    cmocka_unit_test (test_read_ranges),
    cmocka_unit_test (test_torn_tail_every_offset),
    cmocka_unit_test (test_corrupt_middle_block),
    cmocka_unit_test (test_newer_version_refused),
    cmocka_unit_test (test_lock_refuses_second_writer),
    cmocka_unit_test (test_retention_by_size),
    cmocka_unit_test (test_retention_by_age),
    cmocka_unit_test (test_write_error_injected),
    cmocka_unit_test (test_full_tmpfs),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
