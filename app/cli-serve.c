/* cli-serve.c: `actorscope serve`: one GLib main loop running the
 * libwebsockets server (web/) and every live source (ingest/sources/)
 * over one store. Front-end code: it prints (escaped) and picks exit codes.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <string.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "cli-common.h"
#include "cli-nats.h"
#include "cli-serve.h"
#include "cli-size.h"
#include "ingest-log-disk.h"
#include "ingest-log-nats.h"
#include "ingest-source-follow.h"
#include "ingest-source-amqp.h"
#include "ingest-source-mswitch.h"
#include "ingest-source-nats.h"
#include "ingest-source-record.h"
#include "ingest-source-replay.h"
#include "ingest-source-socket.h"
#include "web-frame.h"
#include "web-auth.h"
#include "web-server.h"

typedef struct {
  GMainLoop *loop;
  WebServer *server;
  IngestSocketSource *sockets;   /* borrowed, may be NULL */
  gboolean quiet;
  gboolean record_no_loss;  /* a failed --record write stops the service */
  int exit_code;
  /* Graceful stop: after SIGINT/SIGTERM the loop runs on until what
   * producers already sent has been read (see on_drain_tick). */
  gboolean draining;
  gint64 drain_start_us, last_append_us;
  guint drain_timer;
  /* --data-dir: the durable log, and the first store seq not yet in it. */
  IngestStore *store;
  IngestLog *log;
  IngestSeq log_next;
  /* The log seq of the store's seq 0 (the log's first seq when opened):
   * log retention moving the log's first seq maps to the store's. */
  IngestSeq log_base;
  guint log_timer;
  gboolean log_failed;
  gboolean evict_reported;  /* the page file's failure was printed */
  guint64 trimmed_at_evicted;  /* see memory_trim() */
  /* --memory-limit and the store's share of it (see memory_rebudget()). */
  guint64 memory_limit, budget_nominal, budget_now, other_peak;
  char *page_dir;
  gint64 trimmed_us;
  gboolean verbose;
  /* --nats: the JetStream collector; it acks what each flush made durable. */
  IngestNatsSource *nats;
  /* --log stream: log is the stream itself (ingest-log-nats.h). */
  gboolean stream_log;
  guint64 local_reported;   /* events not from the stream, as last said */
} ServeState;

/* Most events in one append to the log when --nats is on: the appends end
 * between messages (ingest_nats_source_cut), so a torn tail never keeps
 * half of a message. */
#define DATA_NATS_APPEND_EVENTS 32768

/* The durable log's flush interval: the loss bound of a kill -9, as for
 * --record. */
#define DATA_FLUSH_MS 200

/* --memory-limit: the default, and what of the limit the store may use.
 * The rest of the process (libraries, the web server's frames and buffers,
 * the render workers, malloc's slack) takes about 40-60 MiB whatever the
 * load; a quarter of the limit, at most 64 MiB, is kept for it. */
#define MEMORY_LIMIT_DEFAULT ((guint64) 1 << 30)
#define MEMORY_LIMIT_MIN ((guint64) 1 << 20)
#define MEMORY_RESERVE_MAX ((guint64) 64 << 20)
/* What memory_rebudget() leaves between the measured RSS and the limit:
 * the spikes between two measurements (a burst of frames, a table growing)
 * that the controller cannot see. */
#define MEMORY_HEADROOM ((guint64) 8 << 20)

/* Graceful stop: quit once every producer has hung up and nothing arrived
 * for QUIET_CLOSED_US, or nothing arrived for QUIET_OPEN_US from producers
 * still connected, or after DRAIN_MAX_US whatever comes in (a producer
 * flooding forever must not keep the service up). */
#define DRAIN_QUIET_CLOSED_US (100 * 1000)
#define DRAIN_QUIET_OPEN_US (500 * 1000)
#define DRAIN_MAX_US (5 * G_USEC_PER_SEC)

static void
on_note (IngestSourceNoteLevel level, const char *source, const char *message, gpointer user_data)
{
  ServeState *st = user_data;
  g_autofree char *src = cli_escape (source, -1);
  g_autofree char *msg = cli_escape (message, -1);
  static const char *const levels[] = { N_("info"), N_("warning"), N_("error") };

  if (st->quiet && level == INGEST_SOURCE_NOTE_INFO)
    return;
  fprintf (stderr, "actorscope serve: %s: %s: %s\n", _(levels[level]), src, msg);
}

/* The token: --token-file PATH (first line), else --token (visible to
 * every local user in ps, so warned about), else $ACTORSCOPE_TOKEN. Returns
 * FALSE with a message for the user; *out (owned) stays NULL without one. */
static gboolean
serve_resolve_token (const char *arg, const char *file, char **out, char **message)
{
  const char *env = g_getenv ("ACTORSCOPE_TOKEN");

  *out = NULL;
  if (arg != NULL && file != NULL)
    {
      *message = g_strdup (_("give the token either with --token or with --token-file, not both"));
      return FALSE;
    }
  if (file != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      GStatBuf st;

      if (!g_file_get_contents (file, &text, NULL, &error))
        {
          *message = g_strdup_printf ("--token-file: %s", error->message);
          return FALSE;
        }
      text[strcspn (text, "\r\n")] = '\0';
      if (*text == '\0')
        {
          *message = g_strdup_printf (_("--token-file: %s: the first line is empty"), file);
          return FALSE;
        }
      if (g_stat (file, &st) == 0 && (st.st_mode & 0077) != 0)
        fprintf (stderr, "actorscope serve: %s\n",
                 _("warning: the --token-file can be read by other users (chmod 600 it)"));
      *out = g_steal_pointer (&text);
      return TRUE;
    }
  if (arg != NULL)
    {
      fprintf (stderr, "actorscope serve: %s\n",
               _("warning: a token on the command line is visible to every local user (ps); "
                 "use --token-file or ACTORSCOPE_TOKEN"));
      *out = g_strdup (arg);
      return TRUE;
    }
  if (env != NULL && *env != '\0')
    *out = g_strdup (env);
  return TRUE;
}

/* Descriptors the service needs besides its connections: stdio, the GLib
 * loop's, lws's listen socket and internal pipe, producer listen sockets,
 * --follow/--record/--mswitch files and sockets, lws's HTTP requests not
 * yet upgraded (they count against its own limit: LWS_SLACK). */
#define FD_OTHERS 32
#define FD_LWS_SLACK 16

/* Fits the connection caps to RLIMIT_NOFILE: raises the soft limit up to
 * the hard one if needed, else lowers the caps (and says so), so that
 * accept() never fails with EMFILE in normal operation. Sets *lws_fds to
 * the budget of the web server's connections. */
static void
serve_fit_fd_limit (gint *max_clients, gint *max_producers, gboolean tcp_producers,
                    guint *lws_fds)
{
  struct rlimit rl;
  guint64 conns = (guint64) *max_clients + (guint64) *max_producers * (tcp_producers ? 2 : 1);
  guint64 need = conns + FD_OTHERS + FD_LWS_SLACK;

  *lws_fds = 0;
  if (getrlimit (RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
    return;
  if (rl.rlim_cur < need && rl.rlim_max > rl.rlim_cur)
    {
      struct rlimit raised = rl;
      raised.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : MIN (need, rl.rlim_max);
      if (setrlimit (RLIMIT_NOFILE, &raised) == 0)
        rl = raised;
    }
  if (rl.rlim_cur < need)
    {
      guint64 room = rl.rlim_cur > FD_OTHERS + FD_LWS_SLACK + 3
        ? rl.rlim_cur - FD_OTHERS - FD_LWS_SLACK : 3;
      *max_clients = (gint) MAX (1, (guint64) *max_clients * room / conns);
      *max_producers = (gint) MAX (1, (guint64) *max_producers * room / conns);
      fprintf (stderr, "actorscope serve: ");
      fprintf (stderr, _("warning: only %lu file descriptors (ulimit -n): serving at most "
                         "%d clients and %d producers per kind (raise ulimit -n for more)"),
               (unsigned long) rl.rlim_cur, *max_clients, *max_producers);
      fputc ('\n', stderr);
    }
  *lws_fds = (guint) MIN ((guint64) *max_clients + (guint64) *max_producers + FD_LWS_SLACK,
                          (guint64) rl.rlim_cur - FD_OTHERS / 2);
}

/* The NATS collector stopped for good (strict mode, refused credentials,
 * journal error): the service has nothing left to do. */
static void
on_nats_stopped (gpointer user_data)
{
  ServeState *st = user_data;

  st->exit_code = CLI_EXIT_RUNTIME;
  g_main_loop_quit (st->loop);
}

static void
on_appended (gpointer user_data)
{
  ServeState *st = user_data;

  st->last_append_us = g_get_monotonic_time ();
  if (st->server != NULL)
    web_server_store_changed (st->server);
}

static void
on_recorded (guint64 n_written, gint64 flush_us, gpointer user_data)
{
  /* --verbose: the count on disk is what survives a kill -9 from now on
   * (tests/test-fault-record.c checks exactly that). */
  fprintf (stderr, "actorscope serve: record: %" G_GUINT64_FORMAT " events written (flush %.1f ms)\n",
           n_written, flush_us / 1000.0);
}

/* Resident bytes of this process (/proc/self/statm), 0 when unknown. */
static guint64
memory_rss (void)
{
  g_autofree char *text = NULL;
  unsigned long long pages_total = 0, pages_resident = 0;
  if (!g_file_get_contents ("/proc/self/statm", &text, NULL, NULL)
      || sscanf (text, "%llu %llu", &pages_total, &pages_resident) != 2)
    return 0;
  return (guint64) pages_resident * (guint64) sysconf (_SC_PAGESIZE);
}

/* --memory-limit bounds the whole process, but the store only counts what
 * it holds. The rest (libraries, the /live clients' frames, scenes and
 * buffers, the render workers' malloc arenas and stacks, zstd contexts,
 * malloc's slack) was measured at 95-110 MiB under 20 churning clients,
 * far above the fixed reserve and growing with the clients, not with time.
 * So after every flush the rest is measured as RSS minus the store's
 * count, and the store's budget is the limit minus its peak so far (and a
 * headroom for what happens between two measurements): never above the
 * nominal share, never below a quarter of the limit. It only goes down, so it
 * cannot oscillate; each step is printed with -v. */
static void
memory_rebudget (ServeState *st)
{
  guint64 rss = memory_rss ();
  if (st->memory_limit == 0 || rss == 0)
    return;
  guint64 store = ingest_store_memory_bytes (st->store);
  guint64 other = rss > store ? rss - store : 0;
  if (other <= st->other_peak)
    return;
  st->other_peak = other;
  guint64 budget = st->memory_limit > other + MEMORY_HEADROOM
                   ? st->memory_limit - other - MEMORY_HEADROOM : 0;
  budget = CLAMP (budget, st->memory_limit / 4, st->budget_nominal);
  if (budget >= st->budget_now)
    return;
  st->budget_now = budget;
  /* the pagers exist already: this cannot fail */
  (void) ingest_store_set_memory_budget (st->store, (gsize) budget, st->page_dir, NULL);
  if (st->verbose)
    fprintf (stderr, "actorscope serve: memory: the rest of the process takes %.1f MiB, so the "
             "store's share of the limit is now %.1f MiB\n", other / 1048576.0, budget / 1048576.0);
}

/* Gives the RAM eviction freed back to the system, at most once a second.
 * The store's share of the limit moves from the heap (event chunks) to
 * separate mappings (the key table) as a service ages, and glibc keeps freed
 * heap pages resident unless trimmed: 50 MiB after 12 M events. Also
 * while a restore reads the history back. */
static void
memory_trim (IngestStore *store, gpointer user_data)
{
  ServeState *st = user_data;
  guint64 evicted = ingest_store_n_evicted_events (store);
  gint64 now = g_get_monotonic_time ();

  if (evicted == st->trimmed_at_evicted || now - st->trimmed_us < G_USEC_PER_SEC)
    return;
  malloc_trim (0);
  st->trimmed_at_evicted = evicted;
  st->trimmed_us = now;
}

/* Appends what the store accepted since the last call and makes it
 * durable. FALSE (printed) on a write error: events then pile up in RAM
 * only, so the caller stops accepting. */
static gboolean
data_flush (ServeState *st, GError **error)
{
  guint64 n = ingest_store_n_events (st->store);
  gint64 t0 = g_get_monotonic_time ();
  const IngestLogDiskInfo *info;
  gboolean wrote = n > st->log_next;

  /* --nats: journal which messages the events belong to first, so that
   * after a crash the journal never misses an event the log has. */
  if (st->nats != NULL && !ingest_nats_source_prepare_flush (st->nats, error))
    return FALSE;
  while (n > st->log_next)
    {
      IngestSeq cut = st->nats != NULL
        ? ingest_nats_source_cut (st->nats, st->log_next, n, DATA_NATS_APPEND_EVENTS) : n;
      if (!ingest_log_append (st->log, st->store, st->log_next, cut, error))
        return FALSE;
      st->log_next = cut;
    }
  if (!ingest_log_flush (st->log, error))
    return FALSE;
  if (st->nats != NULL)
    ingest_nats_source_durable (st->nats, st->log_next);
  /* What the log holds may now leave RAM (--memory-limit). */
  memory_rebudget (st);
  ingest_store_set_evictable (st->store, n);
  ingest_store_evict (st->store);
  if (ingest_store_get_evict_error (st->store) != NULL && !st->evict_reported)
    {
      /* Said once: nothing is lost, but the limit no longer holds. */
      g_autofree char *msg = cli_escape (ingest_store_get_evict_error (st->store)->message, -1);
      fprintf (stderr, "actorscope serve: %s: %s; %s\n", _("warning: --memory-limit"), msg,
               _("events stay in memory from now on"));
      st->evict_reported = TRUE;
    }
  if (st->stream_log)
    {
      const IngestLogNatsInfo *ni = ingest_log_nats_get_info (st->log);
      if (ni->retained_now > 0)
        fprintf (stderr, "actorscope serve: retention: stream messages below stream seq %"
                 G_GUINT64_FORMAT " were removed by the stream's retention: %" G_GUINT64_FORMAT
                 " events now, %" G_GUINT64_FORMAT " in all\n", ni->stream_first_seq,
                 ni->retained_now, ni->retained_events);
      /* Said at the first and then at every further 10,000. */
      if (ni->local_events > 0
          && (st->local_reported == 0 || ni->local_events >= st->local_reported + 10000))
        {
          fprintf (stderr, "actorscope serve: warning: --log stream: %" G_GUINT64_FORMAT
                   " events came from another source (/ingest, /v1/traces), not from the "
                   "stream: they are served now but a restart will not have them\n",
                   ni->local_events);
          st->local_reported = ni->local_events;
        }
      info = NULL;
    }
  else
    info = ingest_log_disk_get_info (st->log);
  if (info != NULL && info->dropped_now > 0)
    fprintf (stderr, "actorscope serve: retention: deleted %u oldest segment(s), %" G_GUINT64_FORMAT
             " events; %" G_GUINT64_FORMAT " events dropped by retention in all\n",
             info->n_dropped_segments, info->dropped_now, info->dropped_events);
  /* What the log no longer holds leaves the store too, once out of RAM:
   * its page file gives the disk back (ingest_store_retain_before()). */
  {
    IngestStoreRetained got;
    IngestSeq log_first = ingest_log_first_seq (st->log);
    IngestSeq first = ingest_store_retain_before (st->store, log_first > st->log_base
                                                             ? log_first - st->log_base : 0, &got);
    if (got.events > 0)
      fprintf (stderr, "actorscope serve: retention: dropped %" G_GUINT64_FORMAT " events and %"
               G_GUINT64_FORMAT " messages from the service (%.1f MiB of page file freed, %.1f MiB "
               "left); its history now starts at event %" G_GUINT64_FORMAT "\n", got.events,
               got.messages, got.page_bytes / 1048576.0,
               ingest_store_page_disk_bytes (st->store) / 1048576.0, first);
  }
  if (st->verbose && wrote)
    fprintf (stderr, "actorscope serve: data: %" G_GUINT64_FORMAT " events durable (flush %.1f ms), %"
             G_GUINT64_FORMAT " evicted from memory (store %.1f MiB, chunk tables %.1f KiB)\n",
             ingest_log_n_durable (st->log), (g_get_monotonic_time () - t0) / 1000.0,
             ingest_store_n_evicted_events (st->store), ingest_store_memory_bytes (st->store) / 1048576.0,
             ingest_store_chunk_tables_bytes (st->store) / 1024.0);
  return TRUE;
}

static gboolean
on_data_timer (gpointer user_data)
{
  ServeState *st = user_data;
  g_autoptr(GError) error = NULL;

  if (data_flush (st, &error))
    return G_SOURCE_CONTINUE;
  /* Never lose events silently: say what is safe, stop accepting. */
  {
    g_autofree char *msg = cli_escape (error->message, -1);
    fprintf (stderr, "actorscope serve: %s: %s\n", _("error: data directory"), msg);
    fprintf (stderr, "actorscope serve: %s\n",
             _("stopping: events can no longer be stored durably (free space or fix the data "
               "directory, then restart; the service resumes from what is stored)"));
  }
  st->exit_code = CLI_EXIT_RUNTIME;
  st->log_failed = TRUE;
  st->log_timer = 0;
  g_main_loop_quit (st->loop);
  return G_SOURCE_REMOVE;
}

/* Opens --data-dir and reads its history back into the store. */
static gboolean
data_open (ServeState *st, const char *dir, guint64 retain_bytes, gint64 retain_ns,
           guint64 memory_bytes, IngestLogNatsOptions *stream, GError **error)
{
  IngestLogDiskOptions lo = { 0 };
  g_auto(IngestLogSkipped) skipped = { 0 };
  const IngestLogDiskInfo *info = NULL;
  guint64 n = 0, dropped;

  lo.retain_bytes = retain_bytes;
  lo.retain_ns = retain_ns;
  /* Retention deletes whole segments, never the one being written: with
   * the default 64 MiB a small --retain-size would never act, and a large
   * one would swing by a whole segment. An eighth of the size keeps the
   * directory within 1/8 of it. */
  if (retain_bytes != 0)
    lo.segment_bytes = CLAMP (retain_bytes / 8, (guint64) 64 * 1024,
                              (guint64) INGEST_LOG_DISK_DEFAULT_SEGMENT_BYTES);
  if (stream != NULL)
    {
      /* --log stream: the directory holds the stream's index, the journal
       * and the page file; the events are the stream's. */
      g_autofree char *base = g_strdup_printf ("nats-%s.index", stream->stream);
      g_autofree char *index = g_build_filename (dir, base, NULL);
      /* A journal of the other log's seqs would not match: one kind of
       * log per directory. */
      if (ingest_log_disk_is_data_dir (dir))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s holds a disk log: use --log "
                       "disk with it, or another directory for --log stream", dir);
          return FALSE;
        }
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", dir, g_strerror (errno));
          return FALSE;
        }
      stream->index_path = index;
      stream->page_dir = dir;
      /* The history is in the stream: wait for a server, as the collector
       * would (said once; SIGINT still stops us here). */
      for (guint wait_ms = 500;; wait_ms = MIN (wait_ms * 2, 5000))
        {
          g_autoptr(GError) local = NULL;
          st->log = ingest_log_nats_open (stream, &local);
          if (st->log != NULL || !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED))
            {
              if (st->log == NULL)
                g_propagate_error (error, g_steal_pointer (&local));
              break;
            }
          if (wait_ms == 500)
            {
              g_autofree char *msg = cli_escape (local->message, -1);
              fprintf (stderr, "actorscope serve: --log stream: %s; retrying\n", msg);
            }
          g_usleep (wait_ms * 1000);
        }
      st->stream_log = TRUE;
    }
  else
    {
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;
      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        if (g_str_has_prefix (name, "nats-") && g_str_has_suffix (name, ".index"))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s holds the index of a stream "
                         "log (%s): use --log stream with it, or another directory", dir, name);
            return FALSE;
          }
      st->log = ingest_log_disk_open (dir, &lo, error);
    }
  if (st->log == NULL)
    return FALSE;
  /* --memory-limit: the store's share, its page file beside the log (the
   * disk the user chose for the data). */
  {
    guint64 reserve = MIN (memory_bytes / 4, MEMORY_RESERVE_MAX);
    if (!ingest_store_set_memory_budget (st->store, (gsize) (memory_bytes - reserve), dir, error))
      return FALSE;
    st->memory_limit = memory_bytes;
    st->budget_nominal = st->budget_now = memory_bytes - reserve;
    st->page_dir = g_strdup (dir);
    ingest_store_set_evicted_func (st->store, memory_trim, st);
  }
  if (!st->stream_log)
    info = ingest_log_disk_get_info (st->log);
  else if (ingest_log_nats_get_info (st->log)->torn_bytes > 0)
    fprintf (stderr, "actorscope serve: data: cut a torn tail of %" G_GUINT64_FORMAT " bytes of "
             "the stream index, the end of an interrupted write\n",
             ingest_log_nats_get_info (st->log)->torn_bytes);
  st->log_base = ingest_log_first_seq (st->log);
  if (info != NULL && info->torn_where != NULL)
    {
      g_autofree char *where = cli_escape (info->torn_where, -1);
      fprintf (stderr, "actorscope serve: data: cut a torn tail of %" G_GUINT64_FORMAT
               " bytes (%s), the end of an interrupted write\n", info->torn_bytes, where);
    }
  /* Everything read back is on disk already: it may leave RAM as it comes
   * (--memory-limit), so a history larger than the limit restores. */
  ingest_store_set_evictable (st->store, G_MAXUINT64);
  if (!ingest_log_read_into_store (st->log, 0, G_MAXUINT64, st->store, &n, &skipped, error))
    return FALSE;
  ingest_store_set_evictable (st->store, ingest_store_n_events (st->store));
  if (skipped.bad_blocks > 0)
    {
      g_autofree char *where = cli_escape (skipped.first_problem, -1);
      fprintf (stderr, "actorscope serve: warning: data: skipped %" G_GUINT64_FORMAT
               " corrupt block(s) (%" G_GUINT64_FORMAT " events), the first at %s\n",
               skipped.bad_blocks, skipped.lost_events, where);
    }
  /* Corrupt blocks skipped: the store has fewer events than the log
   * numbers, so the mapping errs on keeping more. */
  st->log_base += skipped.lost_events;
  st->log_next = ingest_store_n_events (st->store);
  dropped = info != NULL ? info->dropped_events
                         : ingest_log_nats_get_info (st->log)->retained_events;
  {
    g_autofree char *d = cli_escape (dir, -1);
    g_autofree char *limit = g_format_size_full (memory_bytes, G_FORMAT_SIZE_IEC_UNITS);
    printf ("data: %s (%" G_GUINT64_FORMAT " events restored%s, %" G_GUINT64_FORMAT
            " dropped by retention)\n", d, n, st->stream_log ? " from the stream" : "", dropped);
    printf ("memory limit: %s (older events are read back from the data directory)\n", limit);
  }
  st->log_timer = g_timeout_add (DATA_FLUSH_MS, on_data_timer, st);
  return TRUE;
}

static void
on_record_trouble (const GError *error, guint64 n_written, gboolean stopped, gpointer user_data)
{
  ServeState *st = user_data;
  g_autofree char *msg = error != NULL ? cli_escape (error->message, -1) : NULL;

  /* At once, with the cause: the recording is behind from now on. */
  if (error == NULL)
    fprintf (stderr, "actorscope serve: --record: writing again; %" G_GUINT64_FORMAT
             " events are in the file\n", n_written);
  else if (st->record_no_loss || stopped)
    fprintf (stderr, "actorscope serve: --record: %s; %" G_GUINT64_FORMAT " events are in the "
             "file; stopping the service\n", msg, n_written);
  else
    fprintf (stderr, "actorscope serve: --record: %s; %" G_GUINT64_FORMAT " events are in the "
             "file; still accepting events and retrying the write every 200 ms\n",
             msg, n_written);
  if (error != NULL && (st->record_no_loss || stopped))
    {
      st->exit_code = CLI_EXIT_RUNTIME;
      g_main_loop_quit (st->loop);
    }
}

/* --record FILE read back by the same session would feed itself forever. */
static gboolean
record_is_an_input (IngestRecorder *recorder, const char *record, char **follow,
                    const char *replay, gboolean use_stdin)
{
  const char *input = NULL;
  const char *option = NULL;

  for (guint i = 0; follow != NULL && follow[i] != NULL && input == NULL; i++)
    if (ingest_recorder_is_file (recorder, follow[i]))
      input = follow[i], option = "--follow";
  if (input == NULL && replay != NULL && ingest_recorder_is_file (recorder, replay))
    input = replay, option = "--replay";
  if (input == NULL && use_stdin && ingest_recorder_is_file (recorder, "/dev/stdin"))
    input = "standard input", option = "--stdin";
  if (input != NULL)
    {
      g_autofree char *a = cli_escape (record, -1);
      g_autofree char *b = cli_escape (input, -1);
      fprintf (stderr, "actorscope serve: --record %s is also an input (%s %s): the session "
               "would read its own recording forever\n", a, option, b);
    }
  return input != NULL;
}

static gboolean
on_drain_tick (gpointer user_data)
{
  ServeState *st = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 quiet = now - st->last_append_us;
  guint open = st->sockets != NULL ? ingest_socket_source_n_producers (st->sockets) : 0;

  if ((open == 0 && quiet >= DRAIN_QUIET_CLOSED_US) || quiet >= DRAIN_QUIET_OPEN_US
      || now - st->drain_start_us >= DRAIN_MAX_US)
    {
      st->drain_timer = 0;
      g_main_loop_quit (st->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer user_data)
{
  ServeState *st = user_data;

  if (st->draining)
    {
      /* A second signal: stop now. */
      g_main_loop_quit (st->loop);
      return G_SOURCE_CONTINUE;
    }
  st->draining = TRUE;
  st->drain_start_us = st->last_append_us = g_get_monotonic_time ();
  if (!st->quiet)
    fprintf (stderr, "actorscope serve: %s\n",
             _("stopping: reading what producers already sent (signal again to stop at once)"));
  st->drain_timer = g_timeout_add (20, on_drain_tick, st);
  return G_SOURCE_CONTINUE;
}

int
cli_serve_main (int argc, char **argv)
{
  g_autofree char *host = NULL, *token_arg = NULL, *token_file = NULL, *token = NULL;
  g_autofree char *static_dir = NULL, *record = NULL, *token_message = NULL;
  g_autofree char *replay = NULL, *format = NULL;
  g_autofree char *data_dir = NULL, *retain = NULL, *retain_size = NULL, *memory_limit = NULL;
  gboolean no_data_dir = FALSE;
  guint64 retain_bytes = 0, memory_bytes = MEMORY_LIMIT_DEFAULT;
  gint64 retain_ns = 0, nats_since_ns = 0;
  g_autofree char *amqp_password_file = NULL, *amqp_password = NULL;
  g_auto(GStrv) listen = NULL, follow = NULL, mswitch = NULL, origins = NULL, amqp = NULL;
  gboolean use_stdin = FALSE, loop_replay = FALSE, strict = FALSE, quiet = FALSE, verbose = FALSE;
  gboolean record_no_loss = FALSE;
  g_autofree char *nats_url = NULL, *nats_stream = NULL, *nats_subjects = NULL;
  g_autofree char *nats_durable = NULL, *nats_since = NULL, *nats_user_file = NULL;
  g_autofree char *nats_token_file = NULL, *nats_creds = NULL, *log_kind = NULL;
  g_autofree char *nats_max_age = NULL;
  gint64 nats_max_age_ns = 0;
  gint nats_replicas = 1;
  gboolean nats_shared = FALSE;
  g_auto(CliNatsAuth) nats_auth = { 0 };
  gint port = 8000, max_clients = 64, max_producers = 64, max_fps = 10, idle_timeout = 60;
  gint64 max_message = 1024 * 1024, max_line = 0, frame_budget = WEB_FRAME_DEFAULT_BUDGET;
  double speed = 1.0;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, N_("Address to bind the web server to (default 127.0.0.1; others need --token)"), "ADDR" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, N_("Web server port (default 8000; 0 = any free port)"), "PORT" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &token_arg, N_("Secret required on every request, websocket and non-loopback producer (visible to other users in ps: prefer --token-file or the environment variable ACTORSCOPE_TOKEN, used when neither option is given)"), "TOKEN" },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &token_file, N_("Read the token from the first line of this file"), "PATH" },
    { "allow-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &origins, N_("Also accept websockets from this Origin (repeatable)"), "ORIGIN" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &listen, N_("Accept producers on tcp://HOST:PORT or unix:PATH (repeatable)"), "ADDR" },
    { "stdin", 0, 0, G_OPTION_ARG_NONE, &use_stdin, N_("Read a trace stream from standard input"), NULL },
    { "follow", 'f', 0, G_OPTION_ARG_FILENAME_ARRAY, &follow, N_("Follow a growing file like tail -F (repeatable)"), "FILE" },
    { "replay", 0, 0, G_OPTION_ARG_FILENAME, &replay, N_("Play a recorded trace as if live"), "FILE" },
    { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed, N_("Replay speed factor (default 1; 0 = as fast as possible)"), "X" },
    { "loop", 0, 0, G_OPTION_ARG_NONE, &loop_replay, N_("Replay again and again"), NULL },
    { "mswitch", 0, 0, G_OPTION_ARG_STRING_ARRAY, &mswitch, N_("Follow a message-switch broker's trace (unix:PATH or http://HOST:PORT)"), "ADDR" },
    { "nats", 0, 0, G_OPTION_ARG_STRING, &nats_url, N_("Collect from a NATS JetStream stream through a durable consumer (server URLs, comma-separated; see data/formats/nats.md)"), "URL" },
    { "stream", 0, 0, G_OPTION_ARG_STRING, &nats_stream, N_("With --nats: the stream (created when missing)"), "NAME" },
    { "subjects", 0, 0, G_OPTION_ARG_STRING, &nats_subjects, N_("With --nats: the subjects to consume, and a new stream's (default actorscope.>)"), "SUBJECT" },
    { "durable", 0, 0, G_OPTION_ARG_STRING, &nats_durable, N_("With --nats: the durable consumer's name (default actorscope); collectors sharing a name split the stream"), "NAME" },
    { "shared-durable", 0, 0, G_OPTION_ARG_NONE, &nats_shared, N_("With --nats: other collectors share this durable (each gets part of the stream), so take messages as they come rather than in each producer's order"), NULL },
    { "since", 0, 0, G_OPTION_ARG_STRING, &nats_since, N_("With --nats: a new consumer starts this long ago (e.g. 2h; default: the whole stream)"), "AGE" },
    { "stream-replicas", 0, 0, G_OPTION_ARG_INT, &nats_replicas, N_("With --nats: replicas of a stream created by the service (default 1)"), "N" },
    { "stream-max-age", 0, 0, G_OPTION_ARG_STRING, &nats_max_age, N_("With --nats: the MaxAge of a stream created by the service (default 7d)"), "AGE" },
    { "log", 0, 0, G_OPTION_ARG_STRING, &log_kind, N_("Where the durable log is: disk (the data directory, default) or stream (with --nats: the stream itself; the data directory keeps only an index of it)"), "disk|stream" },
    { "nats-user-file", 0, 0, G_OPTION_ARG_FILENAME, &nats_user_file, N_("NATS user (first line) and password (second line) from this file (else NATS_USER, NATS_PASSWORD)"), "PATH" },
    { "nats-token-file", 0, 0, G_OPTION_ARG_FILENAME, &nats_token_file, N_("NATS token from the first line of this file (else NATS_TOKEN)"), "PATH" },
    { "nats-creds", 0, 0, G_OPTION_ARG_FILENAME, &nats_creds, N_("NATS credentials file (JWT and seed; else NATS_CREDS)"), "PATH" },
    { "amqp", 0, 0, G_OPTION_ARG_STRING_ARRAY, &amqp, N_("Follow a RabbitMQ broker's firehose (amqp://USER@HOST:PORT/VHOST; needs rabbitmqctl trace_on; repeatable)"), "URL" },
    { "amqp-password-file", 0, 0, G_OPTION_ARG_FILENAME, &amqp_password_file, N_("Read the --amqp password from the first line of this file (default: the environment variable ACTORSCOPE_AMQP_PASSWORD, else the URL's)"), "PATH" },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &record, N_("Append every accepted event to this native trace file (written every 200 ms; a kill -9 loses about the events of the last 200 ms, more if the service was busy; a stop by SIGINT/SIGTERM none)"), "FILE" },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, N_("Keep every accepted event in this data directory and resume from it at start (default: $ACTORSCOPE_DATA_DIR, else ~/.local/state/actorscope/data; written every 200 ms, a kill -9 loses at most about the last 200 ms)"), "DIR" },
    { "no-data-dir", 0, 0, G_OPTION_ARG_NONE, &no_data_dir, N_("Keep events in memory only (a restart starts empty)"), NULL },
    { "retain", 0, 0, G_OPTION_ARG_STRING, &retain, N_("Delete whole oldest segments of the data directory older than this before the newest event (e.g. 7d, 12h)"), "AGE" },
    { "retain-size", 0, 0, G_OPTION_ARG_STRING, &retain_size, N_("Delete whole oldest segments while the data directory is larger (e.g. 50GiB)"), "SIZE" },
    { "memory-limit", 0, 0, G_OPTION_ARG_STRING, &memory_limit, N_("Keep the service's memory within about this size (default 1GiB, or $ACTORSCOPE_MEMORY_LIMIT): the oldest events leave RAM once the data directory holds them and are read back from disk when a view or /events reaches them (needs a data directory)"), "SIZE" },
    { "record-no-loss", 0, 0, G_OPTION_ARG_NONE, &record_no_loss, N_("Stop the service when --record cannot write (default: say why, keep accepting and retry)"), NULL },
    { "static-dir", 0, 0, G_OPTION_ARG_FILENAME, &static_dir, N_("Serve the page from this directory"), "DIR" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Input format of producers/stdin/follow: auto, native, mswitch, chrome, perfetto, xstate, otlp, node"), "FORMAT" },
    { "strict", 0, 0, G_OPTION_ARG_NONE, &strict, N_("Drop a source at its first malformed record"), NULL },
    { "max-clients", 0, 0, G_OPTION_ARG_INT, &max_clients, N_("Most browser/event clients at once (default 64)"), "N" },
    { "max-producers", 0, 0, G_OPTION_ARG_INT, &max_producers, N_("Most producers at once, per kind (default 64)"), "N" },
    { "max-message-bytes", 0, 0, G_OPTION_ARG_INT64, &max_message, N_("Largest websocket message accepted (default 1 MiB)"), "BYTES" },
    { "max-line-bytes", 0, 0, G_OPTION_ARG_INT64, &max_line, N_("Longest NDJSON line accepted (default 1 MiB)"), "BYTES" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout, N_("Close a producer that sent nothing, or a browser/event client that took nothing waiting for it, for this many seconds (default 60; 0 = never; a blank line keeps a quiet producer connected)"), "SECONDS" },
    { "max-fps", 0, 0, G_OPTION_ARG_INT, &max_fps, N_("Frames per second per browser client (default 10)"), "N" },
    { "frame-budget", 0, 0, G_OPTION_ARG_INT64, &frame_budget, N_("Most bytes of one browser frame (picture, actor table and counters): busier views are drawn with less detail (default 204800)"), "BYTES" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Only print warnings and errors"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Also print each --record and data directory write (events safely stored)"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) octx = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestStore) store = NULL;
  g_autoptr(IngestSocketSource) sockets = NULL;
  g_autoptr(IngestRecorder) recorder = NULL;
  g_autoptr(IngestReplaySource) replayer = NULL;
  g_autoptr(IngestFollowSource) stdin_source = NULL;
  GPtrArray *follows = g_ptr_array_new_with_free_func ((GDestroyNotify) ingest_follow_source_free);
  GPtrArray *mswitches = g_ptr_array_new_with_free_func ((GDestroyNotify) ingest_mswitch_source_free);
  GPtrArray *amqps = g_ptr_array_new_with_free_func ((GDestroyNotify) ingest_amqp_source_free);
  IngestFormat fmt = INGEST_FORMAT_AUTO;
  IngestSourceHooks hooks;
  WebServerOptions wopts = { 0 };
  ServeState st = { 0 };
  guint sigint, sigterm;

  cli_set_subcommand ("serve");
  g_option_context_set_summary (octx, _("Live ingestion service and browser console: accepts trace streams from producers, files, a message-switch broker, a RabbitMQ firehose or a replayed trace, and serves the live console over HTTP and websockets."));
  g_option_context_add_main_entries (octx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    return cli_usage_error ("serve", error->message);
  if (argc > 1)
    return cli_usage_error ("serve", _("unexpected argument (sources are given with options)"));
  if (format != NULL && !ingest_format_from_string (format, &fmt))
    return cli_usage_error ("serve", _("unknown --format (use auto, native, mswitch, chrome, perfetto, xstate, otlp or node)"));
  if (port < 0 || port > 65535 || max_clients < 1 || max_producers < 1 || max_fps < 1 ||
      max_fps > 60 || max_message < 1024 || max_line < 0 ||
      frame_budget < WEB_FRAME_MIN_BUDGET || frame_budget > WEB_FRAME_MAX_BUDGET || speed < 0 || idle_timeout < 0)
    return cli_usage_error ("serve", _("a numeric option is out of range"));
  if (record_no_loss && record == NULL)
    return cli_usage_error ("serve", _("--record-no-loss needs --record"));
  if (nats_url == NULL && (nats_stream != NULL || nats_subjects != NULL || nats_durable != NULL
                           || nats_since != NULL || nats_shared || nats_max_age != NULL || nats_user_file != NULL
                           || nats_token_file != NULL || nats_creds != NULL))
    return cli_usage_error ("serve", _("--stream, --subjects, --durable, --since and the NATS "
                                       "credentials need --nats"));
  if (nats_url != NULL && nats_stream == NULL)
    return cli_usage_error ("serve", _("--nats needs --stream NAME"));
  if (nats_replicas < 1 || nats_replicas > 5)
    return cli_usage_error ("serve", _("--stream-replicas must be 1 to 5"));
  if (nats_url != NULL
      && !cli_nats_auth_resolve ("serve", nats_url, nats_user_file, nats_token_file, nats_creds,
                                 &nats_auth, &token_message))
    return cli_usage_error ("serve", token_message);

  if (!serve_resolve_token (token_arg, token_file, &token, &token_message))
    return cli_usage_error ("serve", token_message);

  serve_fit_fd_limit (&max_clients, &max_producers, listen != NULL, &wopts.max_fds);
  if (retain != NULL && !cli_age_parse (retain, &retain_ns, &error))
    return cli_usage_error ("serve", error->message);
  if (retain_size != NULL && !cli_size_parse (retain_size, &retain_bytes, &error))
    return cli_usage_error ("serve", error->message);
  if (nats_since != NULL && !cli_age_parse (nats_since, &nats_since_ns, &error))
    return cli_usage_error ("serve", error->message);
  if (nats_max_age != NULL && !cli_age_parse (nats_max_age, &nats_max_age_ns, &error))
    return cli_usage_error ("serve", error->message);
  if (log_kind != NULL && strcmp (log_kind, "disk") != 0 && strcmp (log_kind, "stream") != 0)
    return cli_usage_error ("serve", _("--log is disk or stream"));
  gboolean log_stream = log_kind != NULL && strcmp (log_kind, "stream") == 0;
  if (log_stream && nats_url == NULL)
    return cli_usage_error ("serve", _("--log stream needs --nats"));
  /* The stream holds only what producers published to it. */
  if (log_stream && (listen != NULL || use_stdin || follow != NULL || replay != NULL
                     || mswitch != NULL || amqp != NULL))
    return cli_usage_error ("serve", _("--log stream holds only the stream's events: other sources (--listen, --stdin, --follow, --replay, --mswitch, --amqp) need --log disk"));
  if (log_stream && (retain != NULL || retain_size != NULL))
    return cli_usage_error ("serve", _("--log stream: retention is the stream's (MaxAge, MaxMsgs, MaxBytes), not --retain or --retain-size"));
  if (log_stream && no_data_dir)
    return cli_usage_error ("serve", _("--log stream needs a data directory (for the stream's index)"));
  if (no_data_dir && (data_dir != NULL || retain != NULL || retain_size != NULL))
    return cli_usage_error ("serve", _("--no-data-dir contradicts --data-dir, --retain and --retain-size"));
  gboolean memory_limit_given = memory_limit != NULL;
  if (memory_limit == NULL)
    {
      const char *env = g_getenv ("ACTORSCOPE_MEMORY_LIMIT");
      if (env != NULL && env[0] != '\0')
        memory_limit = g_strdup (env);
    }
  if (memory_limit != NULL)
    {
      if (!cli_size_parse (memory_limit, &memory_bytes, &error))
        return cli_usage_error ("serve", error->message);
      if (memory_bytes < MEMORY_LIMIT_MIN)
        return cli_usage_error ("serve", _("--memory-limit is below 1MiB"));
    }
  if (!no_data_dir && data_dir == NULL)
    {
      /* ACTORSCOPE_DATA_DIR=none: memory only (the test suites run many
       * services at once; one per-user directory would be locked). */
      const char *env = g_getenv ("ACTORSCOPE_DATA_DIR");
      if (env != NULL && strcmp (env, "none") == 0)
        no_data_dir = TRUE;
      else if (env != NULL && env[0] != '\0')
        data_dir = g_strdup (env);
      else
        data_dir = g_build_filename (g_get_user_state_dir (), "actorscope", "data", NULL);
    }
  /* Events leave RAM only once on disk: without a data directory a limit
   * could only be kept by losing events, so it is refused (from the
   * environment it is ignored, as the default is). */
  if (memory_limit_given && no_data_dir)
    return cli_usage_error ("serve", _("--memory-limit needs a data directory (events leave RAM only once they are on disk)"));

  /* --memory-limit: RSS, not just what we hold, is what counts. Blocks of
   * 256 KiB and more (tables, arenas) get their own mappings, returned to
   * the system when freed: glibc would otherwise raise this threshold after
   * the first big free and serve big blocks from the heap, where a freed
   * table stays resident as a hole that the store's steady churn of equal
   * 64 KiB chunks never fills. */
  if (!no_data_dir)
    mallopt (M_MMAP_THRESHOLD, 256 * 1024);
  st.quiet = quiet;
  st.verbose = verbose;
  st.record_no_loss = record_no_loss;
  /* A file size limit (ulimit -f) fails --record's writes with EFBIG,
   * reported and retried like a full disk, instead of killing us. */
  signal (SIGXFSZ, SIG_IGN);
  st.loop = g_main_loop_new (NULL, FALSE);
  hooks.appended = on_appended;
  hooks.note = on_note;
  hooks.user_data = &st;
  store = ingest_store_new ();
  st.store = store;
  /* History first: the web server and the sources start on a store that
   * already holds it, and new events continue its sequence numbers. */
  if (no_data_dir && !quiet)
    printf ("%s\n", _("memory limit: none (no data directory: every event stays in RAM)"));
  if (log_stream && no_data_dir)
    return cli_usage_error ("serve", _("--log stream needs a data directory (for the stream's index)"));
  IngestLogNatsOptions stream_log = { 0 };
  stream_log.url = nats_url;
  stream_log.auth = cli_nats_auth_view (&nats_auth);
  stream_log.stream = nats_stream;
  stream_log.max_line_bytes = (gsize) max_line;
  if (!no_data_dir && !data_open (&st, data_dir, retain_bytes, retain_ns, memory_bytes,
                                  log_stream ? &stream_log : NULL, &error))
    {
      g_autofree char *msg = cli_escape (error->message, -1);
      fprintf (stderr, "actorscope serve: --data-dir: %s\n", msg);
      st.exit_code = CLI_EXIT_RUNTIME;
      g_clear_pointer (&st.page_dir, g_free);
      g_main_loop_unref (st.loop);
      g_ptr_array_unref (follows);
      g_ptr_array_unref (mswitches);
      g_ptr_array_unref (amqps);
      g_clear_pointer (&st.log, ingest_log_free);
      return st.exit_code;
    }

  /* The recording first: a file it refuses stops the service before any
   * port is bound or source read. */
  if (record != NULL)
    {
      recorder = ingest_recorder_new (store, record, 0, &error);
      if (recorder == NULL)
        {
          g_autofree char *msg = cli_escape (error->message, -1);
          fprintf (stderr, "actorscope serve: --record: %s\n", msg);
          st.exit_code = CLI_EXIT_RUNTIME;
          goto out;
        }
      if (record_is_an_input (recorder, record, follow, replay, use_stdin))
        {
          g_clear_pointer (&recorder, ingest_recorder_free);
          st.exit_code = CLI_EXIT_USAGE;
          goto out;
        }
      ingest_recorder_set_trouble_func (recorder, on_record_trouble, &st);
      if (verbose)
        ingest_recorder_set_flushed_func (recorder, on_recorded, &st);
    }

  wopts.host = host;
  wopts.port = (guint) port;
  /* The page: --static-dir, else the source tree's when running from a
   * build directory of it, else the installed copy. */
  if (static_dir == NULL)
    static_dir = g_strdup (g_file_test (SOURCE_WEBDIR, G_FILE_TEST_IS_DIR)
                           ? SOURCE_WEBDIR : PKGDATADIR "/web");
  wopts.static_dir = static_dir;
  wopts.token = token;
  wopts.allowed_origins = (const char *const *) origins;
  wopts.max_clients = (guint) max_clients;
  wopts.max_producers = (guint) max_producers;
  wopts.max_message_bytes = (gsize) max_message;
  wopts.max_line_bytes = (gsize) max_line;
  wopts.max_fps = (guint) max_fps;
  wopts.frame_budget = (gsize) frame_budget;
  wopts.idle_timeout_s = (guint) idle_timeout;
  wopts.hooks = hooks;
  st.server = web_server_new (store, &wopts, &error);
  if (st.server == NULL)
    {
      g_autofree char *msg = cli_escape (error->message, -1);
      fprintf (stderr, "actorscope serve: %s\n", msg);
      st.exit_code = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT)
        ? CLI_EXIT_USAGE : CLI_EXIT_RUNTIME;
      goto out;
    }

  if (listen != NULL)
    {
      IngestSocketOptions sopts = { 0 };
      sopts.max_producers = (guint) max_producers;
      sopts.token = token;
      sopts.idle_timeout_ms = (guint) MIN ((gint64) idle_timeout * 1000, G_MAXUINT);
      sopts.max_line_bytes = (gsize) max_line;
      sopts.strict = strict;
      sopts.format = fmt;
      sockets = ingest_socket_source_new (store, &sopts, &hooks);
      for (guint i = 0; listen[i] != NULL; i++)
        {
          if (!ingest_socket_source_listen (sockets, listen[i], &error))
            {
              g_autofree char *msg = cli_escape (error->message, -1);
              fprintf (stderr, "actorscope serve: --listen %s\n", msg);
              st.exit_code = CLI_EXIT_USAGE;
              goto out;
            }
          printf ("producers: %s\n", ingest_socket_source_get_address (sockets, i));
        }
      st.sockets = sockets;
    }
  for (guint i = 0; mswitch != NULL && mswitch[i] != NULL; i++)
    {
      IngestMswitchSource *m = ingest_mswitch_source_new (store, mswitch[i], NULL, &hooks, &error);
      if (m == NULL)
        {
          g_autofree char *msg = cli_escape (error->message, -1);
          fprintf (stderr, "actorscope serve: --mswitch: %s\n", msg);
          st.exit_code = CLI_EXIT_USAGE;
          goto out;
        }
      g_ptr_array_add (mswitches, m);
    }
  if (amqp_password_file != NULL && amqp == NULL)
    {
      st.exit_code = cli_usage_error ("serve", _("--amqp-password-file needs --amqp"));
      goto out;
    }
  if (amqp != NULL)
    {
      /* The password: never needed on the command line, where every user
       * can read it in ps. */
      if (amqp_password_file != NULL)
        {
          g_autofree char *text = NULL;
          if (!g_file_get_contents (amqp_password_file, &text, NULL, &error))
            {
              g_autofree char *msg = cli_escape (error->message, -1);
              fprintf (stderr, "actorscope serve: --amqp-password-file: %s\n", msg);
              st.exit_code = CLI_EXIT_USAGE;
              goto out;
            }
          text[strcspn (text, "\r\n")] = '\0';
          amqp_password = g_steal_pointer (&text);
        }
      else if (g_getenv ("ACTORSCOPE_AMQP_PASSWORD") != NULL)
        amqp_password = g_strdup (g_getenv ("ACTORSCOPE_AMQP_PASSWORD"));
    }
  for (guint i = 0; amqp != NULL && amqp[i] != NULL; i++)
    {
      IngestAmqpOptions ao = { 0 };
      IngestAmqpSource *a;
      if (ingest_amqp_url_has_password (amqp[i]) && !quiet)
        fprintf (stderr, "actorscope serve: %s\n",
                 _("warning: the --amqp URL holds a password, which other users can see in ps: prefer --amqp-password-file or ACTORSCOPE_AMQP_PASSWORD"));
      ao.password = ingest_amqp_url_has_password (amqp[i]) ? NULL : amqp_password;
      a = ingest_amqp_source_new (store, amqp[i], &ao, &hooks, &error);
      if (a == NULL)
        {
          g_autofree char *msg = cli_escape (error->message, -1);
          fprintf (stderr, "actorscope serve: --amqp: %s\n", msg);
          st.exit_code = CLI_EXIT_USAGE;
          goto out;
        }
      g_ptr_array_add (amqps, a);
    }
  for (guint i = 0; follow != NULL && follow[i] != NULL; i++)
    {
      IngestFollowOptions fo = { 0 };
      fo.format = fmt;
      fo.strict = strict;
      fo.max_line_bytes = (gsize) max_line;
      g_ptr_array_add (follows, ingest_follow_source_new (store, follow[i], &fo, &hooks));
    }
  if (use_stdin)
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);
      IngestFollowOptions fo = { 0 };
      fo.format = fmt;
      fo.strict = strict;
      fo.max_line_bytes = (gsize) max_line;
      stdin_source = ingest_stream_source_new (store, in, "stdin", &fo, &hooks);
    }
  if (replay != NULL)
    {
      IngestReplayOptions ro = { 0 };
      ro.speed = speed;
      ro.loop = loop_replay;
      ro.format = fmt;
      ro.strict = strict;
      replayer = ingest_replay_source_new (store, replay, &ro, &hooks, &error);
      if (replayer == NULL)
        {
          g_autofree char *msg = cli_escape (error->message, -1);
          fprintf (stderr, "actorscope serve: --replay: %s\n", msg);
          st.exit_code = CLI_EXIT_RUNTIME;
          goto out;
        }
    }

  if (nats_url != NULL)
    {
      IngestNatsOptions no = { 0 };
      g_autofree char *journal = NULL;

      no.url = nats_url;
      no.auth = cli_nats_auth_view (&nats_auth);
      no.stream = nats_stream;
      no.subjects = nats_subjects;
      no.durable = nats_durable;
      no.replicas = nats_replicas;
      no.max_age_ns = nats_max_age_ns;
      no.stream_log = st.stream_log ? st.log : NULL;
      no.strict = strict;
      no.unordered = nats_shared;
      no.max_line_bytes = (gsize) max_line;
      if (nats_since != NULL)
        no.since_ns = g_get_real_time () * 1000 - nats_since_ns;
      if (st.log != NULL)
        {
          /* Log seqs of the store's events: the restored store holds the
           * log's last events, so the ends line up. */
          guint64 durable = ingest_log_n_durable (st.log);
          g_autofree char *base = g_strdup_printf ("nats-%s-%s.journal", nats_stream,
                                                   nats_durable != NULL ? nats_durable
                                                   : "actorscope");
          journal = g_build_filename (data_dir, base, NULL);
          no.journal_path = journal;
          no.log_durable = durable;
          no.log_seq_offset = durable - MIN (durable, ingest_store_n_events (store));
        }
      else if (!quiet)
        fprintf (stderr, "actorscope serve: %s\n",
                 _("warning: --nats without a data directory acks messages once in memory: "
                   "a restart starts empty and the consumer does not deliver them again"));
      no.stopped = on_nats_stopped;
      no.stopped_data = &st;
      st.nats = ingest_nats_source_new (store, &no, &hooks, &error);
      if (st.nats == NULL)
        {
          g_autofree char *msg = cli_escape (error->message, -1);
          fprintf (stderr, "actorscope serve: --nats: %s\n", msg);
          st.exit_code = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT)
            ? CLI_EXIT_USAGE : CLI_EXIT_RUNTIME;
          goto out;
        }
      {
        g_autofree char *u = cli_escape (nats_url, -1);
        printf ("nats: %s stream %s consumer %s\n", u, nats_stream,
                nats_durable != NULL ? nats_durable : "actorscope");
      }
    }

  /* Before "listening on": a supervisor (or a test) that stops the
   * service as soon as it says it listens must get a graceful stop, not
   * the default action of SIGTERM. */
  sigint = g_unix_signal_add (SIGINT, on_signal, &st);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &st);
  /* An IPv6 literal goes in brackets so the printed URL can be opened. */
  printf ("listening on http://%s%s%s:%u/%s%s\n",
          host != NULL && strchr (host, ':') != NULL ? "[" : "",
          host != NULL ? host : "127.0.0.1",
          host != NULL && strchr (host, ':') != NULL ? "]" : "",
          web_server_get_port (st.server),
          token != NULL ? "?token=" : "", token != NULL ? token : "");
  fflush (stdout);

  g_main_loop_run (st.loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  if (st.drain_timer != 0)
    g_source_remove (st.drain_timer);

out:
  /* Stop the sources first, then write what they accepted. */
  g_ptr_array_unref (follows);
  g_ptr_array_unref (mswitches);
  g_ptr_array_unref (amqps);
  g_clear_pointer (&replayer, ingest_replay_source_free);
  g_clear_pointer (&stdin_source, ingest_follow_source_free);
  st.sockets = NULL;
  g_clear_pointer (&sockets, ingest_socket_source_free);
  /* NATS: stop fetching; what is in the store is acked after the last
   * flush below, then the connection closes. */
  ingest_nats_source_stop (st.nats);
  if (recorder != NULL && !ingest_recorder_close (recorder, &error))
    {
      g_autofree char *msg = cli_escape (error->message, -1);
      fprintf (stderr, "actorscope serve: --record: %s\n", msg);
      st.exit_code = CLI_EXIT_RUNTIME;
    }
  g_clear_error (&error);
  if (st.log_timer != 0)
    g_source_remove (st.log_timer);
  st.log_timer = 0;
  if (st.log != NULL && !st.log_failed
      && (!data_flush (&st, &error) || !ingest_log_close (st.log, &error)))
    {
      g_autofree char *msg = cli_escape (error->message, -1);
      fprintf (stderr, "actorscope serve: %s: %s\n", _("error: data directory"), msg);
      st.exit_code = CLI_EXIT_RUNTIME;
    }
  g_clear_pointer (&st.log, ingest_log_free);
  g_clear_pointer (&st.nats, ingest_nats_source_free);
  g_clear_pointer (&st.server, web_server_free);
  g_clear_pointer (&st.page_dir, g_free);
  g_main_loop_unref (st.loop);
  return st.exit_code;
}
