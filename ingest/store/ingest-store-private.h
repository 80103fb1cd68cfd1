/* ingest-store-private.h: what the store shares with the views inside ingest/.
 *
 * Chunked arrays (elements never move once appended), the per-actor and
 * per-edge records behind the public structs, and the encoding of the
 * mailbox-depth sample the store leaves in each event's reserved fields.
 */
#pragma once

#include "ingest-store.h"
#include "ingest-latency.h"
#include "ingest-offset-array.h"
#include "ingest-pair.h"
#include "ingest-strings.h"

G_BEGIN_DECLS

/* --- chunked array --------------------------------------------------------- */

/* Elements in chunks of (1 << shift), indexed from 0 for as long as the
 * store lives. The oldest chunks may leave RAM (the store's pager has them,
 * see ingest-store-pager.h): the chunk table starts after them, so what a
 * chunk that left costs here is nothing, however long the service runs. */
typedef struct {
  IngestOffsetArray chunks; /* gpointer per chunk n_evicted.., each owned */
  gsize elem_size;
  guint shift;
  gsize len;
  gsize n_evicted;          /* chunks 0..n_evicted-1 left RAM */
} IngestChunked;

static inline void
ingest_chunked_init (IngestChunked *c, gsize elem_size, guint shift)
{
  ingest_offset_array_init (&c->chunks, sizeof (gpointer));
  c->elem_size = elem_size;
  c->shift = shift;
  c->len = 0;
  c->n_evicted = 0;
}

static inline void
ingest_chunked_clear (IngestChunked *c)
{
  for (gsize i = ingest_offset_array_start (&c->chunks); i < ingest_offset_array_end (&c->chunks); i++)
    g_free (*(gpointer *) ingest_offset_array_at (&c->chunks, i));
  ingest_offset_array_clear (&c->chunks);
  c->len = 0;
}

/* Chunks so far, the evicted ones included. */
static inline gsize
ingest_chunked_n_chunks (const IngestChunked *c)
{
  return ingest_offset_array_end (&c->chunks);
}

/* Chunk `index` (n_evicted <= index < ingest_chunked_n_chunks()), in RAM. */
static inline gpointer
ingest_chunked_chunk (const IngestChunked *c, gsize index)
{
  return *(gpointer *) ingest_offset_array_at (&c->chunks, index);
}

/* Element i of a chunk that is in RAM (the store reads evicted chunks
 * through its pager). */
static inline gpointer
ingest_chunked_at (const IngestChunked *c, gsize i)
{
  gsize mask = ((gsize) 1 << c->shift) - 1;
  return (char *) ingest_chunked_chunk (c, i >> c->shift) + (i & mask) * c->elem_size;
}

/* Appends one zero-filled element and returns it (the last chunk is never
 * evicted). */
static inline gpointer
ingest_chunked_push (IngestChunked *c)
{
  gsize mask = ((gsize) 1 << c->shift) - 1;
  if ((c->len & mask) == 0)
    *(gpointer *) ingest_offset_array_append (&c->chunks) = g_malloc0 (c->elem_size << c->shift);
  return ingest_chunked_at (c, c->len++);
}

/* Frees the oldest chunk in RAM (chunk n_evicted, never the last), which
 * its pager holds now. */
static inline void
ingest_chunked_release_oldest (IngestChunked *c)
{
  g_free (ingest_chunked_chunk (c, c->n_evicted));
  c->n_evicted++;
  ingest_offset_array_drop_before (&c->chunks, c->n_evicted);
}

/* Bytes of the chunk table alone. */
static inline gsize
ingest_chunked_table_bytes (const IngestChunked *c)
{
  return ingest_offset_array_memory_bytes (&c->chunks);
}

static inline gsize
ingest_chunked_memory_bytes (const IngestChunked *c)
{
  return (ingest_chunked_n_chunks (c) - c->n_evicted) * (c->elem_size << c->shift)
         + ingest_chunked_table_bytes (c);
}

/* --- records --------------------------------------------------------------- */

typedef struct {
  IngestActor pub;          /* what ingest_store_actor() returns */
  guint64 sent, received, processed, dropped, acked;
  guint64 spans;            /* spans begun here: not in received/processed */
  guint64 errors, crashes, spawns, exits;
  guint64 unanswered;
  guint64 delivered_unacked; /* held until acked: received, not acked */
  gint64 depth, depth_max;
  gint64 first_ns, last_ns; /* INGEST_TIME_MAX / MIN until an event involves it */
  IngestLatencyHist *mailbox, *processing, *round_trip; /* NULL until a sample */
} IngestActorRec;

#define INGEST_EDGE_TOP_LABELS 4

typedef struct {
  IngestPairKey key;        /* ingest_pair_key (from, to) */
  IngestActorId from, to;
  guint64 count, received, dropped, bytes;
  gint64 first_ns, last_ns;
  IngestLatencyHist *mailbox, *processing, *round_trip;
  /* Misra-Gries heavy hitters: the most frequent label in bounded memory. */
  IngestAtom top_label[INGEST_EDGE_TOP_LABELS];
  guint32 top_count[INGEST_EDGE_TOP_LABELS];
} IngestEdgeRec;

/* One label seen on an edge, into a Misra-Gries summary of
 * INGEST_EDGE_TOP_LABELS slots (shared by the store's edges and the batch
 * graph build; inline because it is on the append path). */
static inline void
ingest_edge_top_labels_add (IngestAtom *top_label, guint32 *top_count, IngestAtom label)
{
  if (label == 0)
    return;
  for (guint i = 0; i < INGEST_EDGE_TOP_LABELS; i++)
    if (top_count[i] > 0 && top_label[i] == label)
      {
        top_count[i]++;
        return;
      }
  for (guint i = 0; i < INGEST_EDGE_TOP_LABELS; i++)
    if (top_count[i] == 0)
      {
        top_label[i] = label;
        top_count[i] = 1;
        return;
      }
  for (guint i = 0; i < INGEST_EDGE_TOP_LABELS; i++)
    top_count[i]--;
}

/* The most frequent label of such a summary, 0 when none survived. */
static inline IngestAtom
ingest_edge_top_labels_best (const IngestAtom *top_label, const guint32 *top_count)
{
  IngestAtom best = 0;
  guint32 best_count = 0;
  for (guint i = 0; i < INGEST_EDGE_TOP_LABELS; i++)
    if (top_count[i] > best_count)
      {
        best = top_label[i];
        best_count = top_count[i];
      }
  return best;
}

/* IngestEvent.reserved bit: reserved2 holds the mailbox depth of the
 * message's receiver right after this event (SEND, RECEIVE, DROP with a
 * known receiver; ACK of a message held until acked). Depth follows append
 * order. */
#define INGEST_EVENT_FLAG_DEPTH 0x1u

const IngestActorRec *ingest_store_actor_rec (const IngestStore *store, IngestActorId id);

G_END_DECLS
