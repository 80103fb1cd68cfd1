/* ingest-store-pager.c: the store's page file and its bounded page cache.
 *
 * Pages sit at fixed offsets (index * chunk_bytes): no index to keep, and a
 * page written back overwrites itself. The file is not compressed: pages are
 * only read when someone reaches into evicted time, and then a plain pread
 * of 64 KiB is the cheapest thing there is; the durable log (not this file)
 * is the compact copy on disk.
 */
#include "config.h"

#include "ingest-store-pager.h"
#include "ingest-model.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  gsize index;        /* chunk index, G_MAXSIZE: empty */
  gpointer data;      /* chunk_bytes, owned */
  guint64 last_use;
  gboolean dirty;
} Page;

struct _IngestStorePager {
  int fd;
  char *dir;          /* for messages */
  gsize chunk_bytes;
  Page pages[INGEST_STORE_PAGER_CACHE];
  guint last_hit;     /* pages[] slot of the last get: loops hit it again */
  guint64 clock;
  guint64 reads;
};

static int
open_unnamed (const char *dir, GError **error)
{
  int fd;
#ifdef O_TMPFILE
  fd = open (dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0)
    return fd;
#endif
  /* No O_TMPFILE (old kernel, some file systems): a name, unlinked at once. */
  g_autofree char *tmpl = g_build_filename (dir, ".actorscope-pages-XXXXXX", NULL);
  fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: cannot create the page file: %s",
                   dir, g_strerror (e));
      return -1;
    }
  unlink (tmpl);
  return fd;
}

IngestStorePager *
ingest_store_pager_new (const char *dir, gsize chunk_bytes, GError **error)
{
  g_return_val_if_fail (dir != NULL && chunk_bytes > 0, NULL);
  int fd = open_unnamed (dir, error);
  if (fd < 0)
    return NULL;
  IngestStorePager *self = g_new0 (IngestStorePager, 1);
  self->fd = fd;
  self->dir = g_strdup (dir);
  self->chunk_bytes = chunk_bytes;
  for (guint i = 0; i < INGEST_STORE_PAGER_CACHE; i++)
    self->pages[i].index = G_MAXSIZE;
  return self;
}

static gboolean
write_all (IngestStorePager *self, gsize index, gconstpointer data, GError **error)
{
  const char *p = data;
  gsize done = 0;
  off_t off = (off_t) (index * self->chunk_bytes);

  while (done < self->chunk_bytes)
    {
      ssize_t n = pwrite (self->fd, p + done, self->chunk_bytes - done, off + (off_t) done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int e = n < 0 ? errno : ENOSPC;
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO,
                       "%s: page file: cannot write %" G_GSIZE_FORMAT " bytes at byte %" G_GSIZE_FORMAT
                       ": %s", self->dir, self->chunk_bytes, index * self->chunk_bytes, g_strerror (e));
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

static void
read_all (IngestStorePager *self, gsize index, gpointer data)
{
  char *p = data;
  gsize done = 0;
  off_t off = (off_t) (index * self->chunk_bytes);

  while (done < self->chunk_bytes)
    {
      ssize_t n = pread (self->fd, p + done, self->chunk_bytes - done, off + (off_t) done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("%s: page file: cannot read back %" G_GSIZE_FORMAT " bytes at byte %" G_GSIZE_FORMAT
                 " that this process wrote: %s", self->dir, self->chunk_bytes,
                 index * self->chunk_bytes, n < 0 ? g_strerror (errno) : "file truncated");
      done += (gsize) n;
    }
  self->reads++;
}

gboolean
ingest_store_pager_put (IngestStorePager *self, gsize index, gconstpointer data, GError **error)
{
  g_return_val_if_fail (self != NULL && data != NULL, FALSE);
  return write_all (self, index, data, error);
}

gpointer
ingest_store_pager_get (IngestStorePager *self, gsize index, gboolean writable)
{
  g_return_val_if_fail (self != NULL, NULL);
  Page *pg = &self->pages[self->last_hit];
  guint victim = 0;

  if (pg->index != index)
    {
      pg = NULL;
      for (guint i = 0; i < INGEST_STORE_PAGER_CACHE; i++)
        {
          if (self->pages[i].index == index)
            {
              pg = &self->pages[i];
              self->last_hit = i;
              break;
            }
          if (self->pages[i].last_use < self->pages[victim].last_use)
            victim = i;
        }
    }
  if (pg == NULL)
    {
      pg = &self->pages[victim];
      if (pg->data == NULL)
        pg->data = g_malloc (self->chunk_bytes);
      else if (pg->dirty)
        {
          g_autoptr(GError) error = NULL;
          /* The page was written once already: the space exists, so this
           * only fails when the disk is broken. */
          if (!write_all (self, pg->index, pg->data, &error))
            g_error ("%s", error->message);
        }
      read_all (self, index, pg->data);
      pg->index = index;
      pg->dirty = FALSE;
      self->last_hit = victim;
    }
  pg->last_use = ++self->clock;
  pg->dirty |= writable;
  return pg->data;
}

gsize
ingest_store_pager_memory_bytes (const IngestStorePager *self)
{
  if (self == NULL)
    return 0;
  gsize b = sizeof *self;
  for (guint i = 0; i < INGEST_STORE_PAGER_CACHE; i++)
    if (self->pages[i].data != NULL)
      b += self->chunk_bytes;
  return b;
}

guint64
ingest_store_pager_reads (const IngestStorePager *self)
{
  return self != NULL ? self->reads : 0;
}

void
ingest_store_pager_free (IngestStorePager *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < INGEST_STORE_PAGER_CACHE; i++)
    g_free (self->pages[i].data);
  close (self->fd);
  g_free (self->dir);
  g_free (self);
}
