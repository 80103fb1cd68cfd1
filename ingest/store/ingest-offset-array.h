/* ingest-offset-array.h: an array indexed by absolute positions whose
 * oldest elements can be dropped.
 *
 * The store's per-chunk bookkeeping (chunk tables, page-file slots, marks)
 * is indexed by chunk number, which only grows while a service runs for
 * days. With retention the oldest chunks are gone for good, and what they
 * left in those tables must go too, or the tables grow with uptime. Here
 * indexes stay absolute (callers keep using chunk numbers) while the
 * elements below ingest_offset_array_start() take no memory: the array
 * keeps a base offset, and drops its dead front by moving the live part
 * down once the dead part is at least as long (each element moves at most
 * once per element dropped: amortised O(1)), shrinking the allocation when
 * it is mostly empty. It grows by half at a time.
 *
 * Elements are plain bytes of elem_size, zero when appended; the array
 * owns its storage, not what elements may point to. Not thread-safe.
 * Internal to ingest/store/.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *data;       /* elements base .. base + len - 1, owned */
  gsize elem_size;
  gsize base;       /* absolute index of data[0] */
  gsize len;        /* elements in data, the dropped ones at its front included */
  gsize cap;        /* elements allocated */
  gsize start;      /* first index held: those below were dropped */
} IngestOffsetArray;

void ingest_offset_array_init (IngestOffsetArray *array, gsize elem_size);
/* Frees the storage (not what elements point to); the array is empty. */
void ingest_offset_array_clear (IngestOffsetArray *array);

/* Appends zero-filled elements until the end is n (no-op when it is
 * already). */
void ingest_offset_array_grow_to (IngestOffsetArray *array, gsize n);

/* Forgets the elements below index i (at most the end; indexes below
 * start stay forgotten). Their contents are not looked at: whatever they
 * owned the caller has released. */
void ingest_offset_array_drop_before (IngestOffsetArray *array, gsize i);

/* One past the last index. */
static inline gsize
ingest_offset_array_end (const IngestOffsetArray *array)
{
  return array->base + array->len;
}

/* The first index held. */
static inline gsize
ingest_offset_array_start (const IngestOffsetArray *array)
{
  return array->start;
}

/* Element i, start <= i < end (borrowed; moves on append, grow and drop). */
static inline gpointer
ingest_offset_array_at (const IngestOffsetArray *array, gsize i)
{
  return array->data + (i - array->base) * array->elem_size;
}

/* Appends one zero-filled element and returns it. */
static inline gpointer
ingest_offset_array_append (IngestOffsetArray *array)
{
  ingest_offset_array_grow_to (array, ingest_offset_array_end (array) + 1);
  return ingest_offset_array_at (array, ingest_offset_array_end (array) - 1);
}

/* Bytes of RAM the storage takes (allocated, not only used). */
static inline gsize
ingest_offset_array_memory_bytes (const IngestOffsetArray *array)
{
  return array->cap * array->elem_size;
}

G_END_DECLS
