/* ingest-source-record.c: appending accepted events to a native trace. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>

#include "ingest-source-record.h"
#include "ingest-native-writer.h"
#include "ingest-parser.h"

/* What an existing file must start with to be appended to (after blanks):
 * the version header --record and convert write. */
#define NATIVE_HEADER "{\"actorscope\""

struct _IngestRecorder {
  IngestStore *store;
  /* Unbuffered, over the fd: a flush is done when its writes returned, and
   * nothing waits in the process between flushes (see the header's loss
   * bound). ingest_native_write batches into 64 KiB writes of whole lines. */
  GOutputStream *out;
  int fd;
  char *path;
  IngestSeq next;
  /* The file's size after the last good flush: whole lines only. A failed
   * flush is cut back to it and retried from next at the next flush. */
  goffset good_size;
  guint timer;
  gboolean failing;         /* the last flush failed; the next one retries */
  gboolean failed;          /* stopped for good (the file could not be cut back) */
  gboolean closing;         /* in close: an empty session still writes the header */
  gboolean closed;
  IngestRecorderFlushed flushed;
  gpointer flushed_data;
  IngestRecorderTrouble trouble;
  gpointer trouble_data;
};

static gboolean
on_timer (gpointer user_data)
{
  IngestRecorder *self = user_data;

  /* A failure goes to the trouble callback; the next tick retries. */
  ingest_recorder_flush (self, NULL);
  return G_SOURCE_CONTINUE;
}

static void
set_errno_error (GError **error, const char *path, int e)
{
  g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: %s", path, g_strerror (e));
}

/* Checks what is at fd before appending: a regular file, empty or a
 * native trace; a torn last line (a kill -9 mid-write) gets its newline so
 * the new session starts on a line of its own. */
static gboolean
check_existing (int fd, const char *path, goffset *size, GError **error)
{
  struct stat st;
  char head[64], last;
  gssize n;
  gsize i = 0;

  if (fstat (fd, &st) != 0)
    {
      set_errno_error (error, path, errno);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO,
                   "%s: not a regular file (a FIFO, device or socket): a recording needs a "
                   "file it can cut back to whole lines after a failed write", path);
      return FALSE;
    }
  *size = st.st_size;
  if (st.st_size == 0)
    return TRUE;
  n = pread (fd, head, sizeof head, 0);
  if (n < 0)
    {
      set_errno_error (error, path, errno);
      return FALSE;
    }
  while (i < (gsize) n && g_ascii_isspace (head[i]))
    i++;
  if ((gsize) n - i < strlen (NATIVE_HEADER) || memcmp (head + i, NATIVE_HEADER, strlen (NATIVE_HEADER)) != 0)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO,
                   "%s: exists and is not a native trace (no {\"actorscope\":1} header): "
                   "refusing to append to it", path);
      return FALSE;
    }
  if (pread (fd, &last, 1, st.st_size - 1) != 1)
    {
      set_errno_error (error, path, errno);
      return FALSE;
    }
  if (last != '\n')
    {
      if (write (fd, "\n", 1) != 1)
        {
          set_errno_error (error, path, errno);
          return FALSE;
        }
      *size += 1;
    }
  return TRUE;
}

IngestRecorder *
ingest_recorder_new (IngestStore *store, const char *path, guint flush_ms, GError **error)
{
  IngestRecorder *self;
  goffset size = 0;
  int fd;

  g_return_val_if_fail (store != NULL && path != NULL, NULL);

  /* Not g_file_replace: it writes to a hidden temporary file renamed at
   * close, so a killed session would leave the old file at path.
   * O_NOFOLLOW: a symbolic link planted at path must not redirect the
   * writes. O_NONBLOCK: a FIFO without a reader must not hang the open
   * (it is refused just after). O_RDWR: the existing start is checked. */
  fd = g_open (path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int e = errno;
      if (e == ELOOP)
        g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO,
                     "%s: is a symbolic link: refused (name the file it points to)", path);
      else
        set_errno_error (error, path, e);
      return NULL;
    }
  if (!check_existing (fd, path, &size, error) || fcntl (fd, F_SETFL, O_APPEND) != 0)
    {
      if (error != NULL && *error == NULL)
        set_errno_error (error, path, errno);
      close (fd);
      return NULL;
    }
  self = g_new0 (IngestRecorder, 1);
  self->store = store;
  self->fd = fd;
  self->good_size = size;
  self->path = g_strdup (path);
  self->out = g_unix_output_stream_new (fd, FALSE);
  if (flush_ms == 0)
    flush_ms = 200;
  if (flush_ms != G_MAXUINT)
    self->timer = g_timeout_add (flush_ms, on_timer, self);
  return self;
}

void
ingest_recorder_set_flushed_func (IngestRecorder *self, IngestRecorderFlushed func,
                                  gpointer user_data)
{
  g_return_if_fail (self != NULL);
  self->flushed = func;
  self->flushed_data = user_data;
}

void
ingest_recorder_set_trouble_func (IngestRecorder *self, IngestRecorderTrouble func,
                                  gpointer user_data)
{
  g_return_if_fail (self != NULL);
  self->trouble = func;
  self->trouble_data = user_data;
}

gboolean
ingest_recorder_is_file (IngestRecorder *self, const char *path)
{
  struct stat a, b;

  g_return_val_if_fail (self != NULL && path != NULL, FALSE);
  return self->fd >= 0 && fstat (self->fd, &a) == 0 && stat (path, &b) == 0
    && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* A failed write: keep the whole batches that got out, cut the file back
 * to their end (no torn line) and retry from the first event after them
 * (no event twice). */
static void
flush_failed (IngestRecorder *self, const IngestNativeProgress *progress, GError **error)
{
  gboolean first = !self->failing;

  self->failing = TRUE;
  self->good_size += (goffset) progress->bytes;
  self->next = progress->next;
  if (ftruncate (self->fd, self->good_size) != 0)
    {
      int e = errno;
      self->failed = TRUE;
      g_prefix_error (error, "%s: %s (and cutting it back to whole lines failed: %s): ",
                      self->path, "the recorder has stopped", g_strerror (e));
    }
  else
    g_prefix_error (error, "%s: ", self->path);
  /* Told once per episode, at once; the owner decides how to show it. */
  if ((first || self->failed) && self->trouble != NULL && error != NULL && *error != NULL)
    self->trouble (*error, self->next, self->failed, self->trouble_data);
}

gboolean
ingest_recorder_flush (IngestRecorder *self, GError **error)
{
  g_autoptr(GError) local = NULL;
  IngestNativeProgress progress = { 0, 0 };
  guint64 n;
  gint64 t0;
  struct stat st;

  g_return_val_if_fail (self != NULL, FALSE);
  n = ingest_store_n_events (self->store);
  if (self->failed || self->closed)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: the recorder has stopped", self->path);
      return FALSE;
    }
  /* An empty session still gets a valid file (the version header), once. */
  if (n <= self->next && !(n == 0 && self->good_size == 0 && self->closing))
    return TRUE;
  t0 = g_get_monotonic_time ();
  /* From 0 this also writes the version header. */
  if (!ingest_native_write_from (self->store, self->next, self->out, &progress, &local)
      || fstat (self->fd, &st) != 0)
    {
      if (local == NULL)
        set_errno_error (&local, self->path, errno);
      flush_failed (self, &progress, &local);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  self->good_size = st.st_size;
  self->next = n;
  if (self->failing)
    {
      self->failing = FALSE;
      if (self->trouble != NULL)
        self->trouble (NULL, n, FALSE, self->trouble_data);
    }
  if (self->flushed != NULL && n > 0)
    self->flushed (n, g_get_monotonic_time () - t0, self->flushed_data);
  return TRUE;
}

gboolean
ingest_recorder_close (IngestRecorder *self, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  if (self->closed)
    return !self->failed && !self->failing;
  if (self->timer != 0)
    g_source_remove (self->timer);
  self->timer = 0;
  self->closing = TRUE;
  ok = ingest_recorder_flush (self, error);
  self->closed = TRUE;
  /* A graceful stop keeps everything, also across a power cut. */
  if (ok && fsync (self->fd) != 0 && errno != EINVAL && errno != EROFS)
    {
      set_errno_error (error, self->path, errno);
      ok = FALSE;
    }
  g_clear_object (&self->out);
  if (close (self->fd) != 0 && ok)
    {
      set_errno_error (error, self->path, errno);
      ok = FALSE;
    }
  self->fd = -1;
  return ok;
}

void
ingest_recorder_free (IngestRecorder *self)
{
  if (self == NULL)
    return;
  if (self->timer != 0)
    g_source_remove (self->timer);
  g_clear_object (&self->out);
  if (self->fd >= 0)
    close (self->fd);
  g_free (self->path);
  g_free (self);
}

guint64
ingest_recorder_n_written (IngestRecorder *self)
{
  return self != NULL ? self->next : 0;
}
