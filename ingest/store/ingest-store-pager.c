/* ingest-store-pager.c: the store's page file and its bounded page cache.
 *
 * A service runs for days, so the page file holds every event since its
 * start: pages are zstd-compressed (level 1, a few hundred MB/s on one core,
 * against the store's 32 bytes per event about 5-8 on disk). Each page is
 * appended at the end of the file; an index in RAM (8 bytes per page, i.e.
 * per 2048 events) says where. A page written back (a message changed after
 * eviction) overwrites its old place when it still fits, else goes to the
 * end: the garbage is bounded by the page reads. Retention discards the
 * oldest pages: their bytes become holes (fallocate PUNCH_HOLE), so what
 * the file takes on disk follows what the store still holds, although its
 * apparent size only grows.
 */
#include "config.h"

#include "ingest-store-pager.h"
#include "ingest-model.h"
#include "ingest-offset-array.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <zstd.h>

typedef struct {
  gsize index;        /* chunk index, G_MAXSIZE: empty */
  gpointer data;      /* chunk_bytes, owned */
  guint64 last_use;
  gboolean dirty;
} Page;

/* Pages start on file-system block boundaries, so that discarding one
 * (punching a hole) frees every block it used: a block shared with a
 * neighbour would stay allocated, a block per page, as long as the file
 * lives. The padding costs no disk: it is the unused end of the page's last
 * block, which is allocated anyway. */
#define PAGE_ALIGN 4096

/* Where a page is: (first block << SLOT_BLOCKS_BITS) | blocks it owns,
 * blocks of PAGE_ALIGN bytes. 0: never written. The index keeps one per
 * page for as long as the page is held (without retention, the whole
 * history), so it is 8 bytes, not an offset, a length and a capacity: the
 * length is the zstd frame's own (ZSTD_findFrameCompressedSize()), and
 * 48 bits of blocks address 1 EiB. */
typedef guint64 Slot;
#define SLOT_BLOCKS_BITS 16
#define SLOT_MAX_BLOCKS ((G_GUINT64_CONSTANT (1) << SLOT_BLOCKS_BITS) - 1)
/* A page discarded (its blocks field is never all ones: see _new()). */
#define SLOT_DISCARDED G_MAXUINT64

static inline guint64
slot_offset (Slot slot)
{
  return (slot >> SLOT_BLOCKS_BITS) * PAGE_ALIGN;
}

/* Bytes of the file the page owns: its frame, then unused bytes. */
static inline guint64
slot_capacity (Slot slot)
{
  return slot == SLOT_DISCARDED ? 0 : (slot & SLOT_MAX_BLOCKS) * PAGE_ALIGN;
}

struct _IngestStorePager {
  int fd;
  char *dir;          /* for messages */
  gsize chunk_bytes;
  /* Slot by page index; it starts at the first page not discarded, so
   * what retention forgot takes no RAM here either. */
  IngestOffsetArray slots;
  guint64 end;        /* file size */
  ZSTD_CCtx *cctx;
  ZSTD_DCtx *dctx;
  gpointer scratch;   /* ZSTD_compressBound (chunk_bytes) */
  gsize scratch_bytes;
  Page pages[INGEST_STORE_PAGER_CACHE];
  guint last_hit;     /* pages[] slot of the last get: loops hit it again */
  gpointer peek;      /* chunk_bytes for ingest_store_pager_peek(), NULL until then */
  gsize peek_index;
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
  g_return_val_if_fail (ZSTD_compressBound (chunk_bytes) / PAGE_ALIGN < SLOT_MAX_BLOCKS - 1, NULL);
  int fd = open_unnamed (dir, error);
  if (fd < 0)
    return NULL;
  IngestStorePager *self = g_new0 (IngestStorePager, 1);
  self->fd = fd;
  self->dir = g_strdup (dir);
  self->chunk_bytes = chunk_bytes;
  ingest_offset_array_init (&self->slots, sizeof (Slot));
  self->cctx = ZSTD_createCCtx ();
  self->dctx = ZSTD_createDCtx ();
  /* reads take a page's whole capacity, frame and unused bytes */
  self->scratch_bytes = (ZSTD_compressBound (chunk_bytes) + PAGE_ALIGN - 1) / PAGE_ALIGN * PAGE_ALIGN;
  self->scratch = g_malloc (self->scratch_bytes);
  for (guint i = 0; i < INGEST_STORE_PAGER_CACHE; i++)
    self->pages[i].index = G_MAXSIZE;
  return self;
}

static gboolean
write_page (IngestStorePager *self, gsize index, gconstpointer data, GError **error)
{
  gsize n = ZSTD_compressCCtx (self->cctx, self->scratch, self->scratch_bytes, data,
                               self->chunk_bytes, 1);
  if (ZSTD_isError (n))
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: page file: cannot compress a page: %s",
                   self->dir, ZSTD_getErrorName (n));
      return FALSE;
    }
  if (index < ingest_offset_array_start (&self->slots))
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO, "%s: page file: page %" G_GSIZE_FORMAT
                   " was discarded", self->dir, index);
      return FALSE;
    }
  ingest_offset_array_grow_to (&self->slots, index + 1);
  Slot *slot = ingest_offset_array_at (&self->slots, index);
  gboolean fits = slot_capacity (*slot) >= n;
  guint64 off = fits ? slot_offset (*slot) : (self->end + PAGE_ALIGN - 1) / PAGE_ALIGN * PAGE_ALIGN;
  const char *p = self->scratch;
  gsize done = 0;

  while (done < n)
    {
      ssize_t w = pwrite (self->fd, p + done, n - done, (off_t) (off + done));
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          int e = w < 0 ? errno : ENOSPC;
          g_set_error (error, INGEST_ERROR, INGEST_ERROR_IO,
                       "%s: page file: cannot write %" G_GSIZE_FORMAT " bytes at byte %" G_GUINT64_FORMAT
                       ": %s", self->dir, n, off, g_strerror (e));
          return FALSE;
        }
      done += (gsize) w;
    }
  if (!fits)
    *slot = (off / PAGE_ALIGN) << SLOT_BLOCKS_BITS | (n + PAGE_ALIGN - 1) / PAGE_ALIGN;
  self->end = MAX (self->end, off + n);
  return TRUE;
}

static void
read_page (IngestStorePager *self, gsize index, gpointer data)
{
  if (index < ingest_offset_array_start (&self->slots)
      || (index < ingest_offset_array_end (&self->slots)
          && *(const Slot *) ingest_offset_array_at (&self->slots, index) == SLOT_DISCARDED))
    g_error ("%s: page file: page %" G_GSIZE_FORMAT " was discarded", self->dir, index);
  if (index >= ingest_offset_array_end (&self->slots)
      || *(const Slot *) ingest_offset_array_at (&self->slots, index) == 0)
    g_error ("%s: page file: page %" G_GSIZE_FORMAT " was never written", self->dir, index);
  Slot slot = *(const Slot *) ingest_offset_array_at (&self->slots, index);
  guint64 offset = slot_offset (slot);
  /* The page's blocks: its frame, then maybe the end of a longer frame it
   * replaced, which zstd leaves alone (the frame says where it ends). The
   * last block may end where the file does. */
  gsize want = MIN (slot_capacity (slot), self->end - offset);
  char *p = self->scratch;
  gsize done = 0;

  while (done < want)
    {
      ssize_t n = pread (self->fd, p + done, want - done, (off_t) (offset + done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("%s: page file: cannot read back %" G_GSIZE_FORMAT " bytes at byte %" G_GUINT64_FORMAT
                 " that this process wrote: %s", self->dir, want, offset,
                 n < 0 ? g_strerror (errno) : "file truncated");
      done += (gsize) n;
    }
  gsize length = ZSTD_findFrameCompressedSize (self->scratch, want);
  gsize got = ZSTD_isError (length) ? length
                                    : ZSTD_decompressDCtx (self->dctx, data, self->chunk_bytes,
                                                           self->scratch, length);
  if (ZSTD_isError (got) || got != self->chunk_bytes)
    g_error ("%s: page file: the page at byte %" G_GUINT64_FORMAT " that this process wrote does not "
             "decompress", self->dir, offset);
  self->reads++;
}

gboolean
ingest_store_pager_put (IngestStorePager *self, gsize index, gconstpointer data, GError **error)
{
  g_return_val_if_fail (self != NULL && data != NULL, FALSE);
  return write_page (self, index, data, error);
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
          if (!write_page (self, pg->index, pg->data, &error))
            g_error ("%s", error->message);
        }
      read_page (self, index, pg->data);
      pg->index = index;
      if (self->peek_index == index)
        self->peek_index = G_MAXSIZE; /* the cached copy is the one that changes */
      pg->dirty = FALSE;
      self->last_hit = victim;
    }
  pg->last_use = ++self->clock;
  pg->dirty |= writable;
  return pg->data;
}

gconstpointer
ingest_store_pager_peek (IngestStorePager *self, gsize index)
{
  g_return_val_if_fail (self != NULL, NULL);
  for (guint i = 0; i < INGEST_STORE_PAGER_CACHE; i++)
    if (self->pages[i].index == index)
      return self->pages[i].data; /* maybe newer than the file */
  if (self->peek == NULL)
    {
      self->peek = g_malloc (self->chunk_bytes);
      self->peek_index = G_MAXSIZE;
    }
  if (self->peek_index != index)
    {
      read_page (self, index, self->peek);
      self->peek_index = index;
    }
  return self->peek;
}

guint64
ingest_store_pager_discard (IngestStorePager *self, gsize index)
{
  g_return_val_if_fail (self != NULL, 0);
  if (index < ingest_offset_array_start (&self->slots) || index >= ingest_offset_array_end (&self->slots))
    return 0;
  Slot *slot = ingest_offset_array_at (&self->slots, index);
  guint64 bytes = slot_capacity (*slot);
  for (guint i = 0; i < INGEST_STORE_PAGER_CACHE; i++)
    if (self->pages[i].index == index)
      {
        self->pages[i].index = G_MAXSIZE;
        self->pages[i].dirty = FALSE;
        self->pages[i].last_use = 0;
      }
  if (self->peek_index == index)
    self->peek_index = G_MAXSIZE;
#if defined(FALLOC_FL_PUNCH_HOLE) && defined(FALLOC_FL_KEEP_SIZE)
  /* Failure (a file system without holes) costs disk, never an answer. */
  if (bytes != 0)
    (void) fallocate (self->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t) slot_offset (*slot),
                      (off_t) bytes);
#endif
  *slot = SLOT_DISCARDED;
  /* The store discards its oldest pages in order: the slots of a discarded
   * prefix leave the table. */
  gsize first = ingest_offset_array_start (&self->slots);
  while (first < ingest_offset_array_end (&self->slots)
         && *(const Slot *) ingest_offset_array_at (&self->slots, first) == SLOT_DISCARDED)
    first++;
  ingest_offset_array_drop_before (&self->slots, first);
  return bytes;
}

gint64
ingest_store_pager_disk_bytes (const IngestStorePager *self)
{
  struct stat st;
  if (self == NULL)
    return 0;
  if (fstat (self->fd, &st) != 0)
    return -1;
  return (gint64) st.st_blocks * 512;
}

gsize
ingest_store_pager_memory_bytes (const IngestStorePager *self)
{
  if (self == NULL)
    return 0;
  gsize b = sizeof *self + self->scratch_bytes + ingest_offset_array_memory_bytes (&self->slots);
  if (self->peek != NULL)
    b += self->chunk_bytes;
  for (guint i = 0; i < INGEST_STORE_PAGER_CACHE; i++)
    if (self->pages[i].data != NULL)
      b += self->chunk_bytes;
  return b;
}

gsize
ingest_store_pager_table_bytes (const IngestStorePager *self)
{
  return self != NULL ? ingest_offset_array_memory_bytes (&self->slots) : 0;
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
  g_free (self->peek);
  close (self->fd);
  ingest_offset_array_clear (&self->slots);
  ZSTD_freeCCtx (self->cctx);
  ZSTD_freeDCtx (self->dctx);
  g_free (self->scratch);
  g_free (self->dir);
  g_free (self);
}
