/* ingest-message-keys.c: message keys in chunks, the oldest paged out.
 *
 * The layout is the string arena's (ingest-strings.c) without its intern
 * table: keys are found through the store's message key table, which holds
 * their hash, so a second index here would only cost memory.
 */
#include "config.h"

#include "ingest-message-keys.h"
#include "ingest-store-pager.h"
#include "ingest-offset-array.h"

#include <string.h>

#define CHUNK_SHIFT 16 /* 64 KiB: the unit of eviction */
#define CHUNK_SIZE ((gsize) 1 << CHUNK_SHIFT)
#define MAX_CHUNKS (((gsize) INGEST_MESSAGE_KEYS_BIT) >> CHUNK_SHIFT)

struct _IngestMessageKeys {
  gsize max_len;
  /* char[CHUNK_SIZE] per chunk, owned; it starts at n_evicted, so chunks
   * that left RAM cost nothing here (only their slot in the pager). */
  IngestOffsetArray chunks;
  gsize pos;                /* write offset in the last chunk */
  gsize n_evicted;          /* chunks 0..n_evicted-1 are in the pager */
  gsize n_discarded;        /* chunks 0..n_discarded-1 are gone (retention) */
  IngestStorePager *pager;  /* NULL until a page dir */
};

static inline gsize
n_chunks (const IngestMessageKeys *self)
{
  return ingest_offset_array_end (&self->chunks);
}

/* Chunk c, n_evicted <= c < n_chunks(). */
static inline char *
chunk_in_ram (const IngestMessageKeys *self, gsize c)
{
  return *(char **) ingest_offset_array_at (&self->chunks, c);
}

IngestMessageKeys *
ingest_message_keys_new (gsize max_len)
{
  g_return_val_if_fail (max_len > 0 && 4 * (max_len + 1) <= CHUNK_SIZE, NULL);
  IngestMessageKeys *self = g_new0 (IngestMessageKeys, 1);
  self->max_len = max_len;
  ingest_offset_array_init (&self->chunks, sizeof (gpointer));
  /* the unused tail is paged out too */
  *(gpointer *) ingest_offset_array_append (&self->chunks) = g_malloc0 (CHUNK_SIZE);
  /* offset 0 is never a key, so no handle is just the bit */
  self->pos = 1;
  return self;
}

void
ingest_message_keys_free (IngestMessageKeys *self)
{
  if (self == NULL)
    return;
  for (gsize c = self->n_evicted; c < n_chunks (self); c++)
    g_free (chunk_in_ram (self, c));
  ingest_offset_array_clear (&self->chunks);
  ingest_store_pager_free (self->pager);
  g_free (self);
}

guint32
ingest_message_keys_add (IngestMessageKeys *self, const char *s, gsize len)
{
  g_return_val_if_fail (self != NULL && len > 0 && len <= self->max_len, 0);
  if (self->pos + len + 1 > CHUNK_SIZE)
    {
      if (n_chunks (self) + 1 > MAX_CHUNKS)
        return 0;
      /* the unused tail is paged out too */
      *(gpointer *) ingest_offset_array_append (&self->chunks) = g_malloc0 (CHUNK_SIZE);
      self->pos = 0;
    }
  gsize chunk = n_chunks (self) - 1;
  char *dst = chunk_in_ram (self, chunk) + self->pos;
  memcpy (dst, s, len);
  dst[len] = '\0';
  guint32 handle = (guint32) ((chunk << CHUNK_SHIFT) + self->pos) | INGEST_MESSAGE_KEYS_BIT;
  self->pos += len + 1;
  return handle;
}

const char *
ingest_message_keys_get (const IngestMessageKeys *self, guint32 handle)
{
  g_return_val_if_fail (self != NULL, "");
  gsize off = handle & ~INGEST_MESSAGE_KEYS_BIT;
  gsize c = off >> CHUNK_SHIFT;
  if ((handle & INGEST_MESSAGE_KEYS_BIT) == 0 || c >= n_chunks (self)
      || (c == n_chunks (self) - 1 && (off & (CHUNK_SIZE - 1)) >= self->pos)
      || c < self->n_discarded)
    return "";
  const char *chunk;
  if (G_UNLIKELY (c < self->n_evicted))
    chunk = ingest_store_pager_get (self->pager, c, FALSE);
  else
    chunk = chunk_in_ram (self, c);
  return chunk + (off & (CHUNK_SIZE - 1));
}

const char *
ingest_message_keys_peek (IngestMessageKeys *self, guint32 handle)
{
  g_return_val_if_fail (self != NULL, "");
  gsize off = handle & ~INGEST_MESSAGE_KEYS_BIT, c = off >> CHUNK_SHIFT;
  if (c < self->n_evicted && c >= self->n_discarded)
    return (const char *) ingest_store_pager_peek (self->pager, c) + (off & (CHUNK_SIZE - 1));
  return ingest_message_keys_get (self, handle);
}

guint32
ingest_message_keys_mark (const IngestMessageKeys *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return (guint32) (((n_chunks (self) - 1) << CHUNK_SHIFT) + self->pos) | INGEST_MESSAGE_KEYS_BIT;
}

gboolean
ingest_message_keys_set_page_dir (IngestMessageKeys *self, const char *page_dir, GError **error)
{
  g_return_val_if_fail (self != NULL && page_dir != NULL, FALSE);
  if (self->pager != NULL)
    return TRUE;
  self->pager = ingest_store_pager_new (page_dir, CHUNK_SIZE, error);
  return self->pager != NULL;
}

gsize
ingest_message_keys_evict_below (IngestMessageKeys *self, guint32 mark, GError **error)
{
  g_return_val_if_fail (self != NULL, 0);
  if (self->pager == NULL)
    return 0;
  gsize below = mark & ~INGEST_MESSAGE_KEYS_BIT, freed = 0;
  while (self->n_evicted + 1 < n_chunks (self)
         && ((self->n_evicted + 1) << CHUNK_SHIFT) <= below)
    {
      gsize c = self->n_evicted;
      GError *local = NULL;
      if (!ingest_store_pager_put (self->pager, c, chunk_in_ram (self, c), &local))
        {
          if (error != NULL && *error == NULL)
            g_propagate_error (error, local);
          else
            g_error_free (local);
          break;
        }
      g_free (chunk_in_ram (self, c));
      self->n_evicted++;
      ingest_offset_array_drop_before (&self->chunks, self->n_evicted);
      freed += CHUNK_SIZE;
    }
  return freed;
}

gsize
ingest_message_keys_memory_bytes (const IngestMessageKeys *self)
{
  if (self == NULL)
    return 0;
  return sizeof *self + (n_chunks (self) - self->n_evicted) * CHUNK_SIZE
         + ingest_offset_array_memory_bytes (&self->chunks) + ingest_store_pager_memory_bytes (self->pager);
}

gsize
ingest_message_keys_table_bytes (const IngestMessageKeys *self)
{
  if (self == NULL)
    return 0;
  return ingest_offset_array_memory_bytes (&self->chunks) + ingest_store_pager_table_bytes (self->pager);
}

guint64
ingest_message_keys_page_reads (const IngestMessageKeys *self)
{
  return self != NULL ? ingest_store_pager_reads (self->pager) : 0;
}

guint64
ingest_message_keys_discard_below (IngestMessageKeys *self, guint32 mark)
{
  g_return_val_if_fail (self != NULL, 0);
  gsize below = mark & ~INGEST_MESSAGE_KEYS_BIT;
  guint64 bytes = 0;
  while (self->n_discarded < self->n_evicted
         && ((self->n_discarded + 1) << CHUNK_SHIFT) <= below)
    bytes += ingest_store_pager_discard (self->pager, self->n_discarded++);
  return bytes;
}

gint64
ingest_message_keys_disk_bytes (const IngestMessageKeys *self)
{
  return self != NULL ? ingest_store_pager_disk_bytes (self->pager) : 0;
}
