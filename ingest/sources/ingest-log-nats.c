/* ingest-log-nats.c: the event log over a JetStream stream: a local index
 * of stream messages, reads fetched from the stream (ingest-log-nats.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <nats/nats.h>

#include "ingest-log-codec.h"
#include "ingest-log-nats.h"
#include "ingest-parser.h"

#define INDEX_MARKER "actorscope-nats-index 1\n"
#define INDEX_HEADER_SIZE 160u
#define INDEX_STREAM_OFFSET 32u     /* 64 bytes: the stream name, NUL padded */
#define INDEX_COUNTERS_OFFSET 96u   /* 6 x u64: IngestStoreCounters */
#define INDEX_ENTRY_SIZE 40u

#define DEFAULT_CACHE_BYTES ((gsize) 16 << 20)
#define DEFAULT_READ_BUDGET ((gsize) 64 << 20)
/* The stream's FirstSeq is asked on flush at most this often. */
#define RETENTION_CHECK_US (10 * G_USEC_PER_SEC)

/* One stream message in log order: log seqs [a, a + n). sseq 0: events
 * of another source of the service, which the stream never had (kept in
 * the index so seqs stay in step; a read skips and counts them). */
typedef struct {
  guint64 sseq;
  IngestSeq a;
  guint32 n;
  gint64 min_ns, max_ns;
} Entry;

/* A message the collector parsed, not yet appended: store seqs [a, b). */
typedef struct {
  guint64 sseq;
  IngestSeq a, b;
} Note;

typedef struct {
  IngestLog parent;
  char *url, *stream, *index_path, *page_dir;
  IngestNatsAuthCopy auth;
  gsize max_line_bytes, cache_bytes, read_budget;
  natsConnection *nc;
  jsCtx *js;
  int fd;                   /* the index, flock'd */
  GArray *entries;          /* Entry, log order; [0, n_durable_entries) on disk */
  guint n_durable_entries;
  guint first_entry;        /* the first entry the stream still holds */
  GArray *notes;            /* Note, store order */
  guint notes_head;
  IngestStoreCounters counters;
  gint64 checked_us;
  gboolean closed;
  GHashTable *cache;        /* sseq -> GBytes (payload) */
  GQueue cache_order;       /* sseqs, oldest first */
  gsize cached_bytes;
  IngestLogNatsInfo info;
} NatsLog;

static const IngestLogClass nats_log_class;

gboolean
ingest_log_is_nats (IngestLog *log)
{
  return log != NULL && log->klass == &nats_log_class;
}

static void
put_u64 (guint8 *p, guint64 v)
{
  v = GUINT64_TO_LE (v);
  memcpy (p, &v, 8);
}

static guint64
get_u64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

static IngestSeq
entries_end (NatsLog *self, guint n)
{
  const Entry *e;
  if (n == 0)
    return 0;
  e = &g_array_index (self->entries, Entry, n - 1);
  return e->a + e->n;
}

static gboolean
write_all (NatsLog *self, const guint8 *data, gsize len, goffset at, GError **error)
{
  while (len > 0)
    {
      ssize_t w = pwrite (self->fd, data, len, at);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          int e = w < 0 ? errno : EIO;
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: %s", self->index_path,
                       g_strerror (e));
          return FALSE;
        }
      data += w, len -= (gsize) w, at += w;
    }
  return TRUE;
}

static void
header_counters (const IngestStoreCounters *c, guint8 out[48])
{
  put_u64 (out, c->skipped_records);
  put_u64 (out + 8, c->lost_events);
  put_u64 (out + 16, c->lost_before_attach);
  put_u64 (out + 24, c->duplicate_events);
  put_u64 (out + 32, c->unmatched);
  put_u64 (out + 40, c->folded_actor_refs);
}

/* --- the stream --------------------------------------------------------- */

static char *
nats_error (natsStatus s, jsErrCode jerr)
{
  const char *last = nats_GetLastError (NULL);
  const char *text = last != NULL && *last ? last : natsStatus_GetText (s);
  return jerr != 0 ? g_strdup_printf ("%s (JetStream error %d)", text, (int) jerr)
                   : g_strdup (text);
}

/* Asks the stream's FirstSeq and moves first_entry past what retention
 * removed. */
static gboolean
check_retention (NatsLog *self, gint64 wait_ms, GError **error)
{
  jsStreamInfo *si = NULL;
  jsErrCode jerr = 0;
  jsOptions o;
  natsStatus s;
  IngestSeq before = ingest_log_first_seq (&self->parent);

  /* On the owner's main loop: never wait long (a server away would stall
   * the service), never while disconnected. */
  self->checked_us = g_get_monotonic_time ();
  if (natsConnection_Status (self->nc) != NATS_CONN_STATUS_CONNECTED)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "not connected");
      return FALSE;
    }
  jsOptions_Init (&o);
  o.Wait = wait_ms;
  s = js_GetStreamInfo (&si, self->js, self->stream, &o, &jerr);
  if (s != NATS_OK && jerr == JSStreamNotFoundErr && self->n_durable_entries == 0)
    {
      /* A first start: the collector creates the stream. */
      self->info.retained_now = 0;
      return TRUE;
    }
  if (s != NATS_OK)
    {
      g_autofree char *why = nats_error (s, jerr);
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "stream %s: %s%s", self->stream, why,
                   jerr == JSStreamNotFoundErr
                   ? " (the index refers to a stream that is gone: start with a new data directory)"
                   : "");
      return FALSE;
    }
  self->info.stream_first_seq = si->State.FirstSeq;
  jsStreamInfo_Destroy (si);
  while (self->first_entry < self->n_durable_entries
         && g_array_index (self->entries, Entry, self->first_entry).sseq
              < self->info.stream_first_seq
         && g_array_index (self->entries, Entry, self->first_entry).sseq != 0)
    self->first_entry++;
  self->info.retained_events = ingest_log_first_seq (&self->parent);
  self->info.retained_now = self->info.retained_events - before;
  return TRUE;
}

static void
cache_put (NatsLog *self, guint64 sseq, GBytes *bytes)
{
  gsize n = g_bytes_get_size (bytes);
  if (n > self->cache_bytes / 4 || g_hash_table_contains (self->cache, GSIZE_TO_POINTER (sseq)))
    return;
  while (self->cached_bytes + n > self->cache_bytes && self->cache_order.length > 0)
    {
      gpointer old = g_queue_pop_head (&self->cache_order);
      GBytes *b = g_hash_table_lookup (self->cache, old);
      self->cached_bytes -= g_bytes_get_size (b);
      g_hash_table_remove (self->cache, old);
    }
  g_hash_table_insert (self->cache, GSIZE_TO_POINTER (sseq), g_bytes_ref (bytes));
  g_queue_push_tail (&self->cache_order, GSIZE_TO_POINTER (sseq));
  self->cached_bytes += n;
}

/* The payload of stream message sseq (owned), or NULL: *gone says the
 * stream no longer has it (retention), else error says why not. */
static GBytes *
fetch (NatsLog *self, guint64 sseq, gboolean *gone, GError **error)
{
  GBytes *bytes = g_hash_table_lookup (self->cache, GSIZE_TO_POINTER (sseq));
  natsMsg *msg = NULL;
  jsErrCode jerr = 0;
  natsStatus s;

  *gone = FALSE;
  if (bytes != NULL)
    {
      self->info.cache_hits++;
      return g_bytes_ref (bytes);
    }
  s = js_GetMsg (&msg, self->js, self->stream, sseq, NULL, &jerr);
  if (s != NATS_OK)
    {
      g_autofree char *why = nats_error (s, jerr);
      *gone = s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr;
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "nats:%s#%" G_GUINT64_FORMAT ": %s",
                   self->stream, sseq,
                   *gone ? "the stream no longer has this message (its retention removed it)"
                         : why);
      return NULL;
    }
  self->info.fetched++;
  bytes = g_bytes_new (natsMsg_GetData (msg), (gsize) MAX (natsMsg_GetDataLength (msg), 0));
  natsMsg_Destroy (msg);
  cache_put (self, sseq, bytes);
  return bytes;
}

/* --- the class ---------------------------------------------------------- */

static gboolean
nats_log_append (IngestLog *log, IngestStore *store, IngestSeq from, IngestSeq to,
                 GError **error)
{
  NatsLog *self = (NatsLog *) log;

  while (from < to)
    {
      Note *note = self->notes_head < self->notes->len
        ? &g_array_index (self->notes, Note, self->notes_head) : NULL;
      Entry e = { 0 };

      IngestSeq end;

      if (note != NULL && note->a == from && note->b > to)
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO,
                       "stream log: an append ends inside stream message %" G_GUINT64_FORMAT,
                       note->sseq);
          return FALSE;
        }
      if (note == NULL || note->a != from)
        {
          /* Not from the stream (/ingest, OTLP): indexed as such, counted. */
          end = note != NULL && note->a > from ? MIN (note->a, to) : to;
          end = MIN (end, from + G_MAXUINT32);
          e.sseq = 0;
          self->info.local_events += end - from;
        }
      else
        {
          end = note->b;
          e.sseq = note->sseq;
          self->notes_head++;
        }
      e.a = entries_end (self, self->entries->len);
      e.n = (guint32) (end - from);
      e.min_ns = G_MAXINT64;
      e.max_ns = G_MININT64;
      for (IngestSeq s = from; s < end; s++)
        {
          const IngestEvent *ev = ingest_store_event (store, s);
          e.min_ns = MIN (e.min_ns, ev->time_ns);
          e.max_ns = MAX (e.max_ns, ev->time_ns);
        }
      g_array_append_val (self->entries, e);
      from = end;
    }
  if (self->notes_head == self->notes->len)
    {
      g_array_set_size (self->notes, 0);
      self->notes_head = 0;
    }
  self->counters = *ingest_store_counters (store);
  return TRUE;
}

void
ingest_log_nats_note (IngestLog *log, guint64 sseq, IngestSeq store_a, IngestSeq store_b)
{
  NatsLog *self = (NatsLog *) log;
  Note n = { sseq, store_a, store_b };

  g_return_if_fail (ingest_log_is_nats (log));
  if (store_b > store_a)
    g_array_append_val (self->notes, n);
}

static gboolean
nats_log_flush (IngestLog *log, GError **error)
{
  NatsLog *self = (NatsLog *) log;
  guint n = self->entries->len - self->n_durable_entries;
  guint8 counters[48];

  if (self->closed)
    return TRUE;
  if (n > 0)
    {
      g_autofree guint8 *buf = g_malloc ((gsize) n * INDEX_ENTRY_SIZE);
      for (guint i = 0; i < n; i++)
        {
          const Entry *e = &g_array_index (self->entries, Entry, self->n_durable_entries + i);
          guint8 *p = buf + (gsize) i * INDEX_ENTRY_SIZE;
          put_u64 (p, e->sseq);
          put_u64 (p + 8, e->a);
          put_u64 (p + 16, e->n);
          put_u64 (p + 24, (guint64) e->min_ns);
          put_u64 (p + 32, (guint64) e->max_ns);
        }
      if (!write_all (self, buf, (gsize) n * INDEX_ENTRY_SIZE,
                      INDEX_HEADER_SIZE + (goffset) self->n_durable_entries * INDEX_ENTRY_SIZE,
                      error))
        return FALSE;
    }
  header_counters (&self->counters, counters);
  if (!write_all (self, counters, sizeof counters, INDEX_COUNTERS_OFFSET, error))
    return FALSE;
  if (fdatasync (self->fd) != 0)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: fdatasync: %s", self->index_path,
                   g_strerror (errno));
      return FALSE;
    }
  self->n_durable_entries = self->entries->len;
  self->info.entries = self->n_durable_entries;
  self->info.index_bytes = INDEX_HEADER_SIZE + (guint64) self->n_durable_entries * INDEX_ENTRY_SIZE;
  self->info.retained_now = 0;
  if (g_get_monotonic_time () - self->checked_us >= RETENTION_CHECK_US)
    {
      /* Not being able to ask is not a failure of the flush: the index is
       * durable; retention is counted at the next check. */
      g_autoptr(GError) local = NULL;
      check_retention (self, 500, &local);
    }
  return TRUE;
}

static IngestSeq
nats_log_n_durable (IngestLog *log)
{
  NatsLog *self = (NatsLog *) log;
  return entries_end (self, self->n_durable_entries);
}

static IngestSeq
nats_log_first_seq (IngestLog *log)
{
  NatsLog *self = (NatsLog *) log;
  if (self->first_entry >= self->n_durable_entries)
    return entries_end (self, self->n_durable_entries);
  return g_array_index (self->entries, Entry, self->first_entry).a;
}

static void
skip_entry (IngestLogSkipped *skipped, const Entry *e, const char *why)
{
  skipped->bad_blocks++;
  skipped->lost_events += e->n;
  if (skipped->first_problem == NULL)
    skipped->first_problem = g_strdup (why);
}

static gboolean
nats_log_read (IngestLog *log, IngestSeq from, IngestSeq to, gint64 min_ns, gint64 max_ns,
               const IngestLogReadFuncs *funcs, gpointer user_data, IngestLogSkipped *skipped,
               GError **error)
{
  NatsLog *self = (NatsLog *) log;
  g_autoptr(IngestStore) scratch = ingest_store_new ();
  g_autoptr(IngestLogEncoder) enc = ingest_log_encoder_new (1);
  g_autoptr(GByteArray) block = g_byte_array_new ();
  guint lo = self->first_entry, hi = self->n_durable_entries;
  gboolean stopped = FALSE;
  IngestParserOptions po = { 0 };

  /* The messages are parsed into a scratch store in log order, as the
   * collector parsed them into its own, so actors, message keys and
   * pairing come out the same; it pages out like the service's store. */
  if (!ingest_store_set_memory_budget (scratch, self->read_budget, self->page_dir, error))
    return FALSE;
  ingest_store_set_evictable (scratch, G_MAXUINT64);
  po.format = INGEST_FORMAT_NATIVE;
  po.max_line_bytes = self->max_line_bytes;
  /* The first entry ending after from. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const Entry *e = &g_array_index (self->entries, Entry, mid);
      if (e->a + e->n <= from)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (guint i = lo; i < self->n_durable_entries && !stopped; i++)
    {
      const Entry *e = &g_array_index (self->entries, Entry, i);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(IngestParser) parser = NULL;
      g_autoptr(GError) local = NULL;
      g_autofree char *where = NULL;
      IngestSeq n0, n1;
      gboolean gone;
      guint32 done = 0;

      if (e->a >= to)
        break;
      if (e->max_ns < min_ns || e->min_ns > max_ns)
        continue;
      if (e->sseq == 0)
        {
          /* Never in the stream: gone with the process that had them. */
          if (skipped != NULL)
            {
              g_autofree char *why = g_strdup_printf ("log seqs %" G_GUINT64_FORMAT " to %"
                                                      G_GUINT64_FORMAT ": events of another "
                                                      "source, never in stream %s", e->a,
                                                      e->a + e->n, self->stream);
              skip_entry (skipped, e, why);
            }
          continue;
        }
      bytes = fetch (self, e->sseq, &gone, &local);
      if (bytes == NULL)
        {
          if (skipped == NULL || !gone)
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          skip_entry (skipped, e, local->message);
          continue;
        }
      where = g_strdup_printf ("nats:%s#%" G_GUINT64_FORMAT, self->stream, e->sseq);
      po.source_name = where;
      parser = ingest_parser_new (scratch, &po);
      n0 = ingest_store_n_events (scratch);
      /* Lenient whatever the collector was: a strict collector stopped
       * inside a message kept its first e->n events, which a lenient parse
       * gives too (the count is checked below, not the return values). */
      if (ingest_parser_feed (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                              NULL))
        ingest_parser_finish (parser, NULL);
      n1 = ingest_store_n_events (scratch);
      if (n1 - n0 < e->n)
        {
          g_autofree char *why = g_strdup_printf ("%s: the message parses to %" G_GUINT64_FORMAT
                                                  " events, the index says %u (the stream was "
                                                  "replaced?)", where, n1 - n0, e->n);
          if (skipped == NULL)
            {
              g_set_error (error, INGEST_ERROR, INGEST_ERROR_SCHEMA, "%s", why);
              return FALSE;
            }
          skip_entry (skipped, e, why);
          continue;
        }
      while (done < e->n && !stopped)
        {
          IngestLogBlockHeader h;
          const char *why = NULL;
          guint32 k;

          g_byte_array_set_size (block, 0);
          k = ingest_log_encoder_encode (enc, scratch, n0 + done, n0 + e->n, e->a + done, block);
          if (k == 0 || !ingest_log_block_header_parse (block->data, &h, &why)
              || !ingest_log_block_decode (&h, block->data + INGEST_LOG_BLOCK_HEADER_SIZE, from,
                                           to, min_ns, max_ns, funcs, user_data, &stopped, error))
            {
              if (error != NULL && *error == NULL)
                g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: cannot re-encode", where);
              return FALSE;
            }
          done += k;
        }
    }
  /* The source-fed counters are the collector's, as of the last flush. */
  if (!stopped && to >= nats_log_n_durable (log) && funcs->counters != NULL)
    funcs->counters (&self->counters, user_data);
  return TRUE;
}

static gboolean
nats_log_close (IngestLog *log, GError **error)
{
  NatsLog *self = (NatsLog *) log;
  gboolean ok = TRUE;

  if (self->closed)
    return TRUE;
  ok = nats_log_flush (log, error);
  self->closed = TRUE;
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
  return ok;
}

static void
nats_log_free (IngestLog *log)
{
  NatsLog *self = (NatsLog *) log;

  if (self->fd >= 0)
    close (self->fd);
  if (self->js != NULL)
    jsCtx_Destroy (self->js);
  if (self->nc != NULL)
    natsConnection_Destroy (self->nc);
  g_array_unref (self->entries);
  g_array_unref (self->notes);
  g_hash_table_unref (self->cache);
  g_queue_clear (&self->cache_order);
  g_free (self->url);
  g_free (self->stream);
  g_free (self->index_path);
  g_free (self->page_dir);
  ingest_nats_auth_clear (&self->auth);
  g_free (self);
}

static const IngestLogClass nats_log_class = {
  nats_log_append, nats_log_flush, nats_log_n_durable, nats_log_first_seq,
  nats_log_read, nats_log_close, nats_log_free,
};

/* --- opening ------------------------------------------------------------ */

/* Reads (or starts) the index; cuts a torn tail. */
static gboolean
index_open (NatsLog *self, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  guint8 header[INDEX_HEADER_SIZE] = { 0 };
  g_autoptr(GError) local = NULL;
  gsize good;

  self->fd = open (self->index_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (self->fd < 0)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: %s", self->index_path,
                   g_strerror (errno));
      return FALSE;
    }
  if (flock (self->fd, LOCK_EX | LOCK_NB) != 0)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO,
                   "%s: another collector is using this index", self->index_path);
      return FALSE;
    }
  if (!g_file_get_contents (self->index_path, &text, &len, &local))
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  if (len < INDEX_HEADER_SIZE)
    {
      if (len != 0)
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_FORMAT,
                       "%s: byte 0: not an actorscope stream index (too short)", self->index_path);
          return FALSE;
        }
      memcpy (header, INDEX_MARKER, strlen (INDEX_MARKER));
      memcpy (header + INDEX_STREAM_OFFSET, self->stream, strlen (self->stream));
      if (!write_all (self, header, sizeof header, 0, error))
        return FALSE;
      if (fdatasync (self->fd) != 0)
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: fdatasync: %s",
                       self->index_path, g_strerror (errno));
          return FALSE;
        }
      return TRUE;
    }
  if (memcmp (text, INDEX_MARKER, strlen (INDEX_MARKER)) != 0)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_FORMAT,
                   "%s: byte 0: not an actorscope stream index", self->index_path);
      return FALSE;
    }
  if (strncmp (text + INDEX_STREAM_OFFSET, self->stream, 64) != 0)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_FORMAT,
                   "%s: byte %u: the index of another stream, not of %s", self->index_path,
                   INDEX_STREAM_OFFSET, self->stream);
      return FALSE;
    }
  {
    const guint8 *c = (const guint8 *) text + INDEX_COUNTERS_OFFSET;
    self->counters.skipped_records = get_u64 (c);
    self->counters.lost_events = get_u64 (c + 8);
    self->counters.lost_before_attach = get_u64 (c + 16);
    self->counters.duplicate_events = get_u64 (c + 24);
    self->counters.unmatched = get_u64 (c + 32);
    self->counters.folded_actor_refs = get_u64 (c + 40);
  }
  good = INDEX_HEADER_SIZE;
  while (good + INDEX_ENTRY_SIZE <= len)
    {
      const guint8 *p = (const guint8 *) text + good;
      Entry e;
      guint64 n = get_u64 (p + 16);

      e.sseq = get_u64 (p);
      e.a = get_u64 (p + 8);
      e.min_ns = (gint64) get_u64 (p + 24);
      e.max_ns = (gint64) get_u64 (p + 32);
      /* Entries follow on; one that does not is where a write tore. */
      if (n == 0 || n > G_MAXUINT32 || e.a != entries_end (self, self->entries->len))
        break;
      e.n = (guint32) n;
      g_array_append_val (self->entries, e);
      good += INDEX_ENTRY_SIZE;
    }
  if (good < len)
    {
      self->info.torn_bytes = len - good;
      if (ftruncate (self->fd, (off_t) good) != 0 || fdatasync (self->fd) != 0)
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: cutting a torn tail: %s",
                       self->index_path, g_strerror (errno));
          return FALSE;
        }
    }
  self->n_durable_entries = self->entries->len;
  self->info.entries = self->n_durable_entries;
  self->info.index_bytes = good;
  return TRUE;
}

IngestLog *
ingest_log_nats_open (const IngestLogNatsOptions *options, GError **error)
{
  NatsLog *self;
  natsOptions *no;
  natsStatus s;

  g_return_val_if_fail (options != NULL && options->stream != NULL
                        && options->index_path != NULL, NULL);
  if (!ingest_nats_name_is_valid (options->stream))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad stream name");
      return NULL;
    }
  self = g_new0 (NatsLog, 1);
  self->parent.klass = &nats_log_class;
  self->fd = -1;
  self->url = g_strdup (options->url);
  self->stream = g_strdup (options->stream);
  self->index_path = g_strdup (options->index_path);
  self->page_dir = g_strdup (options->page_dir != NULL ? options->page_dir : g_get_tmp_dir ());
  ingest_nats_auth_copy (&self->auth, &options->auth);
  self->max_line_bytes = options->max_line_bytes;
  self->cache_bytes = options->cache_bytes != 0 ? options->cache_bytes : DEFAULT_CACHE_BYTES;
  self->read_budget = options->read_budget_bytes != 0 ? options->read_budget_bytes
                                                      : DEFAULT_READ_BUDGET;
  self->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->notes = g_array_new (FALSE, FALSE, sizeof (Note));
  self->cache = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                       (GDestroyNotify) g_bytes_unref);
  if (!index_open (self, error))
    {
      nats_log_free (&self->parent);
      return NULL;
    }
  {
    IngestNatsAuth auth = ingest_nats_auth_view (&self->auth);
    no = ingest_nats_options_new (self->url, &auth, error);
  }
  if (no == NULL)
    {
      nats_log_free (&self->parent);
      return NULL;
    }
  s = natsConnection_Connect (&self->nc, no);
  natsOptions_Destroy (no);
  if (s == NATS_OK)
    s = natsConnection_JetStream (&self->js, self->nc, NULL);
  if (s != NATS_OK)
    {
      g_autofree char *why = nats_error (s, 0);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   "the stream log needs the NATS server at start (to read the stream back): %s",
                   why);
      nats_log_free (&self->parent);
      return NULL;
    }
  if (!check_retention (self, 5000, error))
    {
      nats_log_free (&self->parent);
      return NULL;
    }
  return &self->parent;
}

const IngestLogNatsInfo *
ingest_log_nats_get_info (IngestLog *log)
{
  g_return_val_if_fail (ingest_log_is_nats (log), NULL);
  return &((NatsLog *) log)->info;
}
