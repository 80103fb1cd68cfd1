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
/* Keys start on 8-byte boundaries and a handle counts 8-byte units, so
 * its 31 bits reach 16 GiB of keys (2 GiB when they counted bytes: at
 * 17,000 messages a second a service ran out after about four hours). */
#define UNIT_SHIFT 3
#define DEFAULT_RING_SHIFT (31 + UNIT_SHIFT)

struct _IngestMessageKeys {
  gsize max_len;
  /* Handles address a ring of 1 << ring_shift bytes over the absolute
   * offsets: with retention the keys below the history start are gone, so
   * the handles of their offsets come round again for new keys. The keys
   * held never span more than the ring. */
  guint ring_shift;
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
ingest_message_keys_new_with_ring (gsize max_len, guint ring_shift)
{
  g_return_val_if_fail (max_len > 0 && 4 * (max_len + 1) <= CHUNK_SIZE, NULL);
  g_return_val_if_fail (ring_shift > CHUNK_SHIFT && ring_shift <= DEFAULT_RING_SHIFT, NULL);
  IngestMessageKeys *self = g_new0 (IngestMessageKeys, 1);
  self->max_len = max_len;
  self->ring_shift = ring_shift;
  ingest_offset_array_init (&self->chunks, sizeof (gpointer));
  /* the unused tail is paged out too */
  *(gpointer *) ingest_offset_array_append (&self->chunks) = g_malloc0 (CHUNK_SIZE);
  /* offset 0 is never a key, so no handle is just the bit */
  self->pos = 1;
  return self;
}

IngestMessageKeys *
ingest_message_keys_new (gsize max_len)
{
  return ingest_message_keys_new_with_ring (max_len, DEFAULT_RING_SHIFT);
}

static inline guint64
ring_mask (const IngestMessageKeys *self)
{
  return (G_GUINT64_CONSTANT (1) << self->ring_shift) - 1;
}

static inline guint32
handle_of (const IngestMessageKeys *self, guint64 offset)
{
  return (guint32) ((offset & ring_mask (self)) >> UNIT_SHIFT) | INGEST_MESSAGE_KEYS_BIT;
}

/* The absolute offset of a handle's key: the one offset of its ring
 * position at or after the first chunk held. */
static inline guint64
offset_of (const IngestMessageKeys *self, guint32 handle)
{
  guint64 ring_off = (guint64) (handle & ~INGEST_MESSAGE_KEYS_BIT) << UNIT_SHIFT;
  guint64 base = (guint64) self->n_discarded << CHUNK_SHIFT;
  return base + ((ring_off - base) & ring_mask (self));
}

static inline guint64
end_offset (const IngestMessageKeys *self)
{
  return ((guint64) (n_chunks (self) - 1) << CHUNK_SHIFT) + self->pos;
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
  gsize unit = (gsize) 1 << UNIT_SHIFT;
  gsize pos = (self->pos + unit - 1) & ~(unit - 1);
  /* A handle that is just the bit is no key (offsets 0, 16 GiB, ...). */
  if (((end_offset (self) - self->pos + pos) & ring_mask (self)) == 0)
    pos += unit;
  if (pos + len + 1 > CHUNK_SIZE)
    {
      /* The keys held would wrap onto themselves: the caller stores the
       * key elsewhere (without retention, after 16 GiB of keys). */
      if ((guint64) (n_chunks (self) + 1 - self->n_discarded) << CHUNK_SHIFT > ring_mask (self))
        return 0;
      /* the unused tail is paged out too */
      *(gpointer *) ingest_offset_array_append (&self->chunks) = g_malloc0 (CHUNK_SIZE);
      self->pos = 0;
      pos = 0;
      if ((end_offset (self) & ring_mask (self)) == 0)
        pos = unit;
    }
  gsize chunk = n_chunks (self) - 1;
  char *dst = chunk_in_ram (self, chunk) + pos;
  memcpy (dst, s, len);
  dst[len] = '\0';
  guint32 handle = handle_of (self, ((guint64) chunk << CHUNK_SHIFT) + pos);
  self->pos = pos + len + 1;
  return handle;
}

const char *
ingest_message_keys_get (const IngestMessageKeys *self, guint32 handle)
{
  g_return_val_if_fail (self != NULL, "");
  if ((handle & INGEST_MESSAGE_KEYS_BIT) == 0)
    return "";
  guint64 off = offset_of (self, handle);
  gsize c = (gsize) (off >> CHUNK_SHIFT);
  if (off >= end_offset (self))
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
  guint64 off = offset_of (self, handle);
  gsize c = (gsize) (off >> CHUNK_SHIFT);
  if ((handle & INGEST_MESSAGE_KEYS_BIT) != 0 && c < self->n_evicted)
    return (const char *) ingest_store_pager_peek (self->pager, c) + (off & (CHUNK_SIZE - 1));
  return ingest_message_keys_get (self, handle);
}

guint64
ingest_message_keys_mark (const IngestMessageKeys *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return end_offset (self);
}

guint64
ingest_message_keys_offset (const IngestMessageKeys *self, guint32 handle)
{
  g_return_val_if_fail (self != NULL && (handle & INGEST_MESSAGE_KEYS_BIT) != 0, 0);
  return offset_of (self, handle);
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
ingest_message_keys_evict_below (IngestMessageKeys *self, guint64 mark, GError **error)
{
  g_return_val_if_fail (self != NULL, 0);
  if (self->pager == NULL)
    return 0;
  gsize freed = 0;
  while (self->n_evicted + 1 < n_chunks (self)
         && ((guint64) (self->n_evicted + 1) << CHUNK_SHIFT) <= mark)
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
ingest_message_keys_discard_below (IngestMessageKeys *self, guint64 mark)
{
  g_return_val_if_fail (self != NULL, 0);
  guint64 bytes = 0;
  while (self->n_discarded < self->n_evicted
         && ((guint64) (self->n_discarded + 1) << CHUNK_SHIFT) <= mark)
    bytes += ingest_store_pager_discard (self->pager, self->n_discarded++);
  return bytes;
}

gint64
ingest_message_keys_disk_bytes (const IngestMessageKeys *self)
{
  return self != NULL ? ingest_store_pager_disk_bytes (self->pager) : 0;
}
