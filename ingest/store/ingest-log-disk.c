/* ingest-log-disk.c: IngestLog over segment files in a data directory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <glib/gstdio.h>

#include "ingest-log-codec.h"
#include "ingest-log-disk.h"

#define SEGMENT_HEADER_SIZE 16u
static const char segment_magic[8] = { 'A', 'S', 'L', 'O', 'G', 'S', 'E', 'G' };

typedef struct {
  char *path;
  IngestSeq first;      /* from the name */
  guint64 n_events;
  guint64 size;         /* bytes of whole blocks (+ header) */
  gint64 max_ns;
} Segment;

typedef struct {
  Segment *seg;
  guint64 off;
  IngestSeq first;
  guint32 count;
  guint32 comp_len;     /* for a bad region: its length in bytes */
  gint64 min_ns, max_ns;
  const char *bad;      /* NULL, or why this region does not read */
} BlockRef;

typedef struct {
  gsize off, len;
  gboolean new_segment;
  IngestSeq first;
  guint32 count;
  gint64 min_ns, max_ns;
} PendingBlock;

typedef struct {
  IngestLog parent;
  char *dir;
  IngestLogDiskOptions opts;
  int lock_fd;
  GPtrArray *segments;   /* Segment*, oldest first */
  GArray *blocks;        /* BlockRef, in seq order */
  IngestLogEncoder *enc;
  GByteArray *pending;
  GArray *pending_blocks;
  IngestSeq next_seq;    /* log seq of the next appended event */
  IngestSeq durable;
  int fd;                /* the segment being written, -1 before the first flush */
  guint64 projected;     /* its size once pending is written */
  gint64 newest_ns;
  gboolean failed, closed;
  char *fail_cause;
  int inject_errno;
  IngestLogDiskInfo info;
} DiskLog;

static void
segment_free (Segment *s)
{
  g_free (s->path);
  g_free (s);
}

static gboolean
io_error (GError **error, const char *path, int err)
{
  g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: %s", path, g_strerror (err));
  return FALSE;
}

gboolean
ingest_log_disk_is_data_dir (const char *path)
{
  g_autofree char *marker = NULL;
  g_return_val_if_fail (path != NULL, FALSE);
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return FALSE;
  marker = g_build_filename (path, INGEST_LOG_DISK_MARKER, NULL);
  return g_file_test (marker, G_FILE_TEST_IS_REGULAR);
}

/* --- lock and marker -------------------------------------------------------- */

static gboolean
take_lock (DiskLog *self, GError **error)
{
  g_autofree char *path = g_build_filename (self->dir, "lock", NULL);
  char pid[32];
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

  if (fd < 0)
    return io_error (error, path, errno);
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int e = errno;
      char holder[32] = { 0 };
      ssize_t n = pread (fd, holder, sizeof holder - 1, 0);
      close (fd);
      if (e != EWOULDBLOCK)
        return io_error (error, path, e);
      if (n > 0)
        holder[strcspn (holder, "\n")] = '\0';
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO,
                   "%s is in use by another writer (%s%s); stop it or use another data directory",
                   self->dir, n > 0 ? "pid " : "pid unknown", n > 0 ? holder : "");
      return FALSE;
    }
  /* Who holds it, for the next writer's message; advisory only. */
  g_snprintf (pid, sizeof pid, "%ld\n", (long) getpid ());
  if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, strlen (pid), 0) < 0)
    {
      int e = errno;
      close (fd);
      return io_error (error, path, e);
    }
  self->lock_fd = fd;
  return TRUE;
}

static gboolean
check_marker (DiskLog *self, GError **error)
{
  g_autofree char *path = g_build_filename (self->dir, INGEST_LOG_DISK_MARKER, NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  guint version = 0;

  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s", local->message);
          return FALSE;
        }
      if (self->opts.read_only)
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_FORMAT,
                       "%s: not an actorscope data directory (no %s file)", self->dir,
                       INGEST_LOG_DISK_MARKER);
          return FALSE;
        }
      g_clear_error (&local);
      g_autofree char *content = g_strdup_printf ("%s %u\n", INGEST_LOG_DISK_MARKER,
                                                  INGEST_LOG_FORMAT_VERSION);
      if (!g_file_set_contents (path, content, -1, &local))
        {
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s", local->message);
          return FALSE;
        }
      return TRUE;
    }
  if (sscanf (text, INGEST_LOG_DISK_MARKER " %u", &version) != 1)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_FORMAT, "%s: byte 0: not a marker file",
                   path);
      return FALSE;
    }
  if (version > INGEST_LOG_FORMAT_VERSION)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_FORMAT,
                   "%s: byte 0: data directory format version %u is newer than this build "
                   "reads (%u); use a newer actorscope", path, version, INGEST_LOG_FORMAT_VERSION);
      return FALSE;
    }
  return TRUE;
}

/* --- the open scan ---------------------------------------------------------- */

static gboolean
read_at (int fd, void *buf, gsize len, guint64 off)
{
  gsize done = 0;
  while (done < len)
    {
      ssize_t n = pread (fd, (char *) buf + done, len - done, (off_t) (off + done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += (gsize) n;
    }
  return TRUE;
}

/* The next offset >= from holding a valid block header, or 0. */
static guint64
resync (int fd, guint64 from, guint64 size)
{
  const gsize chunk = 1 << 20;
  g_autofree guint8 *buf = g_malloc (chunk + INGEST_LOG_BLOCK_HEADER_SIZE);

  for (guint64 base = from; base + INGEST_LOG_BLOCK_HEADER_SIZE <= size; base += chunk)
    {
      gsize len = (gsize) MIN ((guint64) chunk + INGEST_LOG_BLOCK_HEADER_SIZE, size - base);
      if (!read_at (fd, buf, len, base))
        return 0;
      for (gsize i = 0; i + INGEST_LOG_BLOCK_HEADER_SIZE <= len && i < chunk; i++)
        {
          IngestLogBlockHeader h;
          const char *why;
          if (buf[i] == 'A' && ingest_log_block_header_parse (buf + i, &h, &why)
              && base + i + INGEST_LOG_BLOCK_HEADER_SIZE + h.comp_len <= size)
            return base + i;
        }
    }
  return 0;
}

static gboolean
block_crc_ok (int fd, guint64 off, const IngestLogBlockHeader *h)
{
  g_autofree guint8 *buf = g_malloc (MAX (h->comp_len, 1));
  if (!read_at (fd, buf, h->comp_len, off + INGEST_LOG_BLOCK_HEADER_SIZE))
    return FALSE;
  return (guint32) crc32 (0, buf, h->comp_len) == h->crc;
}

static void
add_bad (DiskLog *self, Segment *seg, guint64 off, guint64 len, IngestSeq first, const char *why)
{
  BlockRef r = { seg, off, first, 0, (guint32) MIN (len, G_MAXUINT32), 0, 0, why };
  g_array_append_val (self->blocks, r);
  self->info.n_bad_blocks++;
}

/* Scans one segment's block headers into the index. is_last: a problem at
 * the end is a torn tail (cut by a writer), not corruption. */
static gboolean
scan_segment (DiskLog *self, Segment *seg, gboolean is_last, GError **error)
{
  int fd = g_open (seg->path, (self->opts.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0);
  struct stat st;
  guint8 hb[INGEST_LOG_BLOCK_HEADER_SIZE];
  guint64 off = SEGMENT_HEADER_SIZE, size, tail_at = 0;
  const char *tail_why = NULL;
  IngestSeq expect = seg->first;
  gint64 last_ok = -1;   /* offset of the last good block */
  IngestLogBlockHeader last_h = { 0 };

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int e = errno;
      if (fd >= 0)
        close (fd);
      return io_error (error, seg->path, e);
    }
  size = (guint64) st.st_size;
  if (size < SEGMENT_HEADER_SIZE || !read_at (fd, hb, SEGMENT_HEADER_SIZE, 0))
    {
      tail_at = 0;
      tail_why = "partial segment header";
      goto tail;
    }
  if (memcmp (hb, segment_magic, 8) != 0)
    {
      close (fd);
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_FORMAT, "%s: byte 0: not a segment file",
                   seg->path);
      return FALSE;
    }
  {
    guint32 v = (guint32) hb[8] | ((guint32) hb[9] << 8) | ((guint32) hb[10] << 16)
                | ((guint32) hb[11] << 24);
    if (v > INGEST_LOG_FORMAT_VERSION)
      {
        close (fd);
        g_set_error (error, INGEST_ERROR, INGEST_ERROR_FORMAT,
                     "%s: byte 8: segment format version %u is newer than this build reads (%u); "
                     "use a newer actorscope", seg->path, v, INGEST_LOG_FORMAT_VERSION);
        return FALSE;
      }
  }

  while (off < size)
    {
      IngestLogBlockHeader h;
      const char *why;

      if (size - off < INGEST_LOG_BLOCK_HEADER_SIZE)
        {
          tail_at = off;
          tail_why = "partial block header";
          goto tail;
        }
      if (!read_at (fd, hb, INGEST_LOG_BLOCK_HEADER_SIZE, off))
        {
          int e = errno;
          close (fd);
          return io_error (error, seg->path, e);
        }
      if (!ingest_log_block_header_parse (hb, &h, &why))
        {
          guint64 next = resync (fd, off + 1, size);
          if (next == 0)
            {
              tail_at = off;
              tail_why = why;
              goto tail;
            }
          add_bad (self, seg, off, next - off, expect, why);
          off = next;
          continue;
        }
      if (h.version > INGEST_LOG_FORMAT_VERSION)
        {
          close (fd);
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_FORMAT,
                       "%s: byte %" G_GUINT64_FORMAT ": block format version %u is newer than "
                       "this build reads (%u); use a newer actorscope",
                       seg->path, off, h.version, INGEST_LOG_FORMAT_VERSION);
          return FALSE;
        }
      if (h.comp_len > size - off - INGEST_LOG_BLOCK_HEADER_SIZE)
        {
          tail_at = off;
          tail_why = "partial block";
          goto tail;
        }
      {
        BlockRef r = { seg, off, h.first_seq, h.count, h.comp_len, h.min_ns, h.max_ns, NULL };
        /* A bad region just before: the seqs it held are the gap. */
        if (self->blocks->len > 0)
          {
            BlockRef *prev = &g_array_index (self->blocks, BlockRef, self->blocks->len - 1);
            if (prev->bad != NULL && prev->seg == seg && h.first_seq > prev->first)
              prev->count = (guint32) MIN (h.first_seq - prev->first, G_MAXUINT32);
          }
        g_array_append_val (self->blocks, r);
      }
      last_ok = (gint64) off;
      last_h = h;
      expect = h.first_seq + h.count;
      seg->n_events += h.count;
      seg->max_ns = MAX (seg->max_ns, h.max_ns);
      self->newest_ns = MAX (self->newest_ns, h.max_ns);
      self->info.n_blocks++;
      off += INGEST_LOG_BLOCK_HEADER_SIZE + h.comp_len;
    }
  /* A writer checks the last block's bytes too: a kill -9 or power cut can
   * leave a block whose header made it to disk and whose data did not. */
  if (is_last && !self->opts.read_only && last_ok >= 0
      && !block_crc_ok (fd, (guint64) last_ok, &last_h))
    {
      self->blocks->len--;
      seg->n_events -= last_h.count;
      self->info.n_blocks--;
      tail_at = (guint64) last_ok;
      tail_why = "checksum mismatch in the last block";
      goto tail;
    }
  seg->size = size;
  close (fd);
  return TRUE;

tail:
  if (!is_last)
    {
      /* Inside the log: corruption, not a torn write. */
      if (size > tail_at)
        add_bad (self, seg, tail_at, size - tail_at, expect, tail_why);
      seg->size = size;
      close (fd);
      return TRUE;
    }
  self->info.torn_bytes = size - tail_at;
  self->info.torn_where = g_strdup_printf ("%s: byte %" G_GUINT64_FORMAT ": %s", seg->path,
                                           tail_at, tail_why);
  if (!self->opts.read_only)
    {
      /* Cut the torn tail; a segment without even its header goes. */
      if (tail_at < SEGMENT_HEADER_SIZE)
        {
          close (fd);
          if (g_unlink (seg->path) != 0)
            return io_error (error, seg->path, errno);
          seg->size = 0;
          return TRUE;
        }
      if (ftruncate (fd, (off_t) tail_at) != 0 || fdatasync (fd) != 0)
        {
          int e = errno;
          close (fd);
          return io_error (error, seg->path, e);
        }
    }
  seg->size = tail_at;
  close (fd);
  return TRUE;
}

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
scan_dir (DiskLog *self, GError **error)
{
  g_autoptr (GDir) d = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;
  const char *name;

  d = g_dir_open (self->dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "seg-") && g_str_has_suffix (name, ".aslog"))
      g_ptr_array_add (names, g_strdup (name));
  /* Zero-padded seqs: name order is seq order. */
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    {
      Segment *seg = g_new0 (Segment, 1);
      const char *n = names->pdata[i];
      seg->path = g_build_filename (self->dir, n, NULL);
      seg->first = g_ascii_strtoull (n + 4, NULL, 10);
      seg->max_ns = INGEST_TIME_MIN;
      g_ptr_array_add (self->segments, seg);
      if (!scan_segment (self, seg, i + 1 == names->len, error))
        return FALSE;
      if (seg->size == 0 && !self->opts.read_only)
        g_ptr_array_remove_index (self->segments, self->segments->len - 1);
    }
  if (self->blocks->len > 0)
    {
      const BlockRef *last = &g_array_index (self->blocks, BlockRef, self->blocks->len - 1);
      self->next_seq = last->first + last->count;
    }
  else if (self->segments->len > 0)
    self->next_seq = ((Segment *) self->segments->pdata[self->segments->len - 1])->first;
  self->durable = self->next_seq;
  return TRUE;
}

/* --- writing ------------------------------------------------------------------- */

static gboolean
disk_append (IngestLog *log, IngestStore *store, IngestSeq from, IngestSeq to, GError **error)
{
  DiskLog *self = (DiskLog *) log;
  guint64 seg_bytes = self->opts.segment_bytes;

  if (self->opts.read_only || self->closed)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: the log is not open for writing",
                   self->dir);
      return FALSE;
    }
  while (from < to)
    {
      PendingBlock pb = { 0 };
      gboolean first_ever = self->fd < 0 && self->pending_blocks->len == 0;
      if (first_ever || self->projected >= seg_bytes)
        {
          pb.new_segment = TRUE;
          ingest_log_encoder_start_segment (self->enc);
          self->projected = SEGMENT_HEADER_SIZE;
        }
      pb.off = self->pending->len;
      pb.first = self->next_seq;
      pb.count = ingest_log_encoder_encode (self->enc, store, from, to, self->next_seq,
                                            self->pending);
      pb.len = self->pending->len - pb.off;
      {
        IngestLogBlockHeader h;
        const char *why;
        ingest_log_block_header_parse (self->pending->data + pb.off, &h, &why);
        pb.min_ns = h.min_ns;
        pb.max_ns = h.max_ns;
      }
      g_array_append_val (self->pending_blocks, pb);
      from += pb.count;
      self->next_seq += pb.count;
      self->projected += pb.len;
    }
  return TRUE;
}

static gboolean
write_all (DiskLog *self, int fd, const guint8 *p, gsize len, int *err)
{
  while (len > 0)
    {
      ssize_t n;
      if (self->inject_errno != 0)
        {
          /* The hook fails part-way, like a disk filling up mid-write. */
          if (len > 1 && write (fd, p, len / 2) < 0)
            {
              *err = errno;
              return FALSE;
            }
          *err = self->inject_errno;
          return FALSE;
        }
      n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *err = errno;
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static void
fsync_dir (const char *dir)
{
  /* A new segment's name must survive a power cut too. Best effort: some
   * file systems refuse fsync on a directory. */
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      (void) fsync (fd);
      close (fd);
    }
}

static gboolean
fail (DiskLog *self, const char *path, int err, GError **error)
{
  self->failed = TRUE;
  g_free (self->fail_cause);
  self->fail_cause = g_strdup_printf ("%s: %s", path, g_strerror (err));
  g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO,
               "%s; %" G_GUINT64_FORMAT " events are safely stored, later ones are not",
               self->fail_cause, self->durable);
  return FALSE;
}

static Segment *
current_segment (DiskLog *self)
{
  return self->segments->len > 0 ? self->segments->pdata[self->segments->len - 1] : NULL;
}

static gboolean
open_segment (DiskLog *self, IngestSeq first, GError **error)
{
  Segment *seg = g_new0 (Segment, 1);
  guint8 hb[SEGMENT_HEADER_SIZE] = { 0 };
  g_autofree char *name = g_strdup_printf ("seg-%020" G_GUINT64_FORMAT ".aslog", first);
  int err;

  seg->path = g_build_filename (self->dir, name, NULL);
  seg->first = first;
  seg->max_ns = INGEST_TIME_MIN;
  if (current_segment (self) != NULL && current_segment (self)->first == first
      && current_segment (self)->n_events == 0)
    g_ptr_array_remove_index (self->segments, self->segments->len - 1);
  if (self->fd >= 0)
    {
      if (fdatasync (self->fd) != 0)
        {
          err = errno;
          segment_free (seg);
          Segment *cur = current_segment (self);
          return fail (self, cur != NULL ? cur->path : self->dir, err, error);
        }
      close (self->fd);
      self->fd = -1;
    }
  /* O_TRUNC: a same-named file can only be an empty leftover (a start
   * that wrote nothing after its segment header). */
  self->fd = g_open (seg->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (self->fd < 0)
    {
      err = errno;
      g_autofree char *path = g_strdup (seg->path);
      segment_free (seg);
      return fail (self, path, err, error);
    }
  memcpy (hb, segment_magic, 8);
  hb[8] = INGEST_LOG_FORMAT_VERSION & 0xff;
  if (!write_all (self, self->fd, hb, sizeof hb, &err))
    {
      g_autofree char *path = g_strdup (seg->path);
      segment_free (seg);
      return fail (self, path, err, error);
    }
  seg->size = SEGMENT_HEADER_SIZE;
  g_ptr_array_add (self->segments, seg);
  self->info.n_segments = self->segments->len;
  fsync_dir (self->dir);
  return TRUE;
}

static void
apply_retention (DiskLog *self)
{
  guint64 total = 0;

  self->info.dropped_now = 0;
  self->info.n_dropped_segments = 0;
  if (self->opts.retain_bytes == 0 && self->opts.retain_ns == 0)
    return;
  for (guint i = 0; i < self->segments->len; i++)
    total += ((Segment *) self->segments->pdata[i])->size;
  /* Never the segment being written. */
  while (self->segments->len > 1)
    {
      Segment *old = self->segments->pdata[0];
      gboolean by_size = self->opts.retain_bytes != 0 && total > self->opts.retain_bytes;
      gboolean by_age = self->opts.retain_ns != 0 && old->max_ns != INGEST_TIME_MIN
                        && self->newest_ns - old->max_ns > self->opts.retain_ns;
      guint n = 0;

      if (!by_size && !by_age)
        break;
      if (g_unlink (old->path) != 0)
        break; /* tried again after the next flush */
      while (n < self->blocks->len && g_array_index (self->blocks, BlockRef, n).seg == old)
        n++;
      g_array_remove_range (self->blocks, 0, n);
      total -= old->size;
      self->info.dropped_now += ((Segment *) self->segments->pdata[1])->first - old->first;
      self->info.n_dropped_segments++;
      g_ptr_array_remove_index (self->segments, 0);
    }
  self->info.n_segments = self->segments->len;
}

static gboolean
disk_flush (IngestLog *log, GError **error)
{
  DiskLog *self = (DiskLog *) log;
  Segment *seg;
  int err;

  if (self->failed)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO,
                   "the log has stopped after %s; %" G_GUINT64_FORMAT " events are safely stored",
                   self->fail_cause, self->durable);
      return FALSE;
    }
  if (self->opts.read_only || self->closed)
    return TRUE;
  if (self->pending_blocks->len == 0)
    {
      apply_retention (self);
      return TRUE;
    }
  for (guint i = 0; i < self->pending_blocks->len; i++)
    {
      const PendingBlock *pb = &g_array_index (self->pending_blocks, PendingBlock, i);
      if (pb->new_segment && !open_segment (self, pb->first, error))
        return FALSE;
      seg = current_segment (self);
      g_assert (seg != NULL && self->fd >= 0);
      if (!write_all (self, self->fd, self->pending->data + pb->off, pb->len, &err))
        {
          /* Cut a partial block so the file ends on a whole one; the next
           * open would cut it anyway. */
          if (ftruncate (self->fd, (off_t) seg->size) != 0)
            {
              /* the open's torn-tail check handles it */
            }
          return fail (self, seg->path, err, error);
        }
      BlockRef r = { seg, seg->size, pb->first, pb->count, (guint32) (pb->len - INGEST_LOG_BLOCK_HEADER_SIZE),
                     pb->min_ns, pb->max_ns, NULL };
      g_array_append_val (self->blocks, r);
      seg->size += pb->len;
      seg->n_events += pb->count;
      seg->max_ns = MAX (seg->max_ns, pb->max_ns);
      self->newest_ns = MAX (self->newest_ns, pb->max_ns);
      self->info.n_blocks++;
    }
  seg = current_segment (self);
  if (fdatasync (self->fd) != 0)
    return fail (self, seg != NULL ? seg->path : self->dir, errno, error);
  {
    const PendingBlock *last = &g_array_index (self->pending_blocks, PendingBlock,
                                               self->pending_blocks->len - 1);
    self->durable = last->first + last->count;
  }
  g_byte_array_set_size (self->pending, 0);
  g_array_set_size (self->pending_blocks, 0);
  apply_retention (self);
  return TRUE;
}

static IngestSeq
disk_n_durable (IngestLog *log)
{
  return ((DiskLog *) log)->durable;
}

static IngestSeq
disk_first_seq (IngestLog *log)
{
  DiskLog *self = (DiskLog *) log;
  Segment *first = self->segments->len > 0 ? self->segments->pdata[0] : NULL;
  return first != NULL ? first->first : self->next_seq;
}

/* --- reading ------------------------------------------------------------------- */

static gboolean
problem (IngestLogSkipped *skipped, const BlockRef *r, const char *why, GError **error)
{
  g_autofree char *msg = g_strdup_printf ("%s: byte %" G_GUINT64_FORMAT ": %s", r->seg->path,
                                          r->off, why);
  if (skipped == NULL)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_SYNTAX, "%s", msg);
      return FALSE;
    }
  skipped->bad_blocks++;
  skipped->bad_bytes += r->bad != NULL ? r->comp_len : r->comp_len + INGEST_LOG_BLOCK_HEADER_SIZE;
  skipped->lost_events += r->count;
  if (skipped->first_problem == NULL)
    skipped->first_problem = g_steal_pointer (&msg);
  return TRUE;
}

static gboolean
disk_read (IngestLog *log, IngestSeq from, IngestSeq to, gint64 min_ns, gint64 max_ns,
           const IngestLogReadFuncs *funcs, gpointer user_data, IngestLogSkipped *skipped,
           GError **error)
{
  DiskLog *self = (DiskLog *) log;
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  Segment *open_seg = NULL;
  int fd = -1;
  gboolean ok = TRUE;
  guint lo = 0, hi = self->blocks->len;

  /* The first block that may hold from. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const BlockRef *r = &g_array_index (self->blocks, BlockRef, mid);
      if (r->first + MAX (r->count, 1) <= from)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (guint i = lo; i < self->blocks->len && ok; i++)
    {
      const BlockRef *r = &g_array_index (self->blocks, BlockRef, i);
      IngestLogBlockHeader h;
      const char *why = NULL;
      g_autoptr (GError) local = NULL;
      gboolean stopped = FALSE;
      gboolean last = i + 1 == self->blocks->len;

      if (r->first >= to)
        break;
      if (r->bad == NULL && (r->max_ns < min_ns || r->min_ns > max_ns))
        continue;
      if (r->bad != NULL)
        {
          ok = problem (skipped, r, r->bad, error);
          continue;
        }
      if (r->seg != open_seg)
        {
          if (fd >= 0)
            close (fd);
          fd = g_open (r->seg->path, O_RDONLY | O_CLOEXEC, 0);
          if (fd < 0)
            {
              ok = io_error (error, r->seg->path, errno);
              break;
            }
          open_seg = r->seg;
        }
      g_byte_array_set_size (buf, INGEST_LOG_BLOCK_HEADER_SIZE + r->comp_len);
      if (!read_at (fd, buf->data, buf->len, r->off))
        why = "cannot read the block";
      else if (!ingest_log_block_header_parse (buf->data, &h, &why))
        ;
      else if ((guint32) crc32 (0, buf->data + INGEST_LOG_BLOCK_HEADER_SIZE, h.comp_len) != h.crc)
        why = "checksum mismatch";
      if (why != NULL)
        {
          /* A reader racing the writer may see the last block half-written:
           * that is the tail not yet there, not damage. */
          if (last && self->opts.read_only)
            {
              self->info.torn_bytes = buf->len;
              break;
            }
          ok = problem (skipped, r, why, error);
          continue;
        }
      if (!ingest_log_block_decode (&h, buf->data + INGEST_LOG_BLOCK_HEADER_SIZE, from, to, min_ns,
                                    max_ns, funcs, user_data, &stopped, &local))
        {
          ok = problem (skipped, r, local->message, error);
          continue;
        }
      if (stopped)
        break;
    }
  if (fd >= 0)
    close (fd);
  return ok;
}

static gboolean
disk_close (IngestLog *log, GError **error)
{
  DiskLog *self = (DiskLog *) log;
  gboolean ok = TRUE;

  if (self->closed)
    return !self->failed;
  if (!self->opts.read_only)
    ok = disk_flush (log, error);
  self->closed = TRUE;
  if (self->fd >= 0)
    {
      Segment *cur = current_segment (self);
      if (close (self->fd) != 0 && ok)
        ok = io_error (error, cur != NULL ? cur->path : self->dir, errno);
      self->fd = -1;
    }
  if (self->lock_fd >= 0)
    {
      close (self->lock_fd);
      self->lock_fd = -1;
    }
  return ok;
}

static void
disk_free (IngestLog *log)
{
  DiskLog *self = (DiskLog *) log;
  if (self->fd >= 0)
    close (self->fd);
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  g_ptr_array_unref (self->segments);
  g_array_unref (self->blocks);
  ingest_log_encoder_free (self->enc);
  g_byte_array_unref (self->pending);
  g_array_unref (self->pending_blocks);
  g_free (self->fail_cause);
  g_free (self->info.torn_where);
  g_free (self->dir);
  g_free (self);
}

static const IngestLogClass disk_class = {
  disk_append, disk_flush, disk_n_durable, disk_first_seq, disk_read, disk_close, disk_free,
};

IngestLog *
ingest_log_disk_open (const char *dir, const IngestLogDiskOptions *options, GError **error)
{
  DiskLog *self;

  g_return_val_if_fail (dir != NULL, NULL);
  self = g_new0 (DiskLog, 1);
  self->parent.klass = &disk_class;
  self->dir = g_strdup (dir);
  if (options != NULL)
    self->opts = *options;
  if (self->opts.segment_bytes == 0)
    self->opts.segment_bytes = INGEST_LOG_DISK_DEFAULT_SEGMENT_BYTES;
  self->lock_fd = -1;
  self->fd = -1;
  self->segments = g_ptr_array_new_with_free_func ((GDestroyNotify) segment_free);
  self->blocks = g_array_new (FALSE, FALSE, sizeof (BlockRef));
  self->enc = ingest_log_encoder_new (self->opts.level);
  self->pending = g_byte_array_new ();
  self->pending_blocks = g_array_new (FALSE, FALSE, sizeof (PendingBlock));
  self->newest_ns = INGEST_TIME_MIN;

  if (!self->opts.read_only && g_mkdir_with_parents (dir, 0700) != 0)
    {
      io_error (error, dir, errno);
      goto failed;
    }
  if (self->opts.read_only && !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: not a directory", dir);
      goto failed;
    }
  if (!self->opts.read_only && !ingest_log_disk_is_data_dir (dir))
    {
      /* A new data directory only in an empty one: a mistyped --data-dir
       * ($HOME) must not get segments mixed with the user's files, nor
       * later have them deleted by retention. Checked before the lock file
       * is created, so a refusal leaves nothing behind. */
      g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;
      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        if (strcmp (name, "lock") != 0)
          {
            g_set_error (error, INGEST_ERROR, INGEST_ERROR_FORMAT,
                         "%s: not empty and not an actorscope data directory (no %s file); "
                         "give an empty or new directory", dir, INGEST_LOG_DISK_MARKER);
            goto failed;
          }
    }
  if (!self->opts.read_only && !take_lock (self, error))
    goto failed;
  if (!check_marker (self, error) || !scan_dir (self, error))
    goto failed;
  self->info.n_segments = self->segments->len;
  return &self->parent;

failed:
  disk_free (&self->parent);
  return NULL;
}

const IngestLogDiskInfo *
ingest_log_disk_get_info (IngestLog *log)
{
  DiskLog *self = (DiskLog *) log;
  g_return_val_if_fail (log != NULL && log->klass == &disk_class, NULL);
  self->info.dropped_events = disk_first_seq (log);
  self->info.bytes = 0;
  for (guint i = 0; i < self->segments->len; i++)
    self->info.bytes += ((Segment *) self->segments->pdata[i])->size;
  return &self->info;
}

void
ingest_log_disk_inject_write_error (IngestLog *log, int err)
{
  g_return_if_fail (log != NULL && log->klass == &disk_class);
  ((DiskLog *) log)->inject_errno = err;
}
