/* ingest-store-private.h: what the store shares with the views inside ingest/.
 *
 * Chunked arrays (elements never move once appended), the per-actor and
 * per-edge records behind the public structs, and the encoding of the
 * mailbox-depth sample the store leaves in each event's reserved fields.
 */
#pragma once

#include "ingest-store.h"
#include "ingest-latency.h"
#include "ingest-pair.h"
#include "ingest-strings.h"

G_BEGIN_DECLS

/* --- chunked array --------------------------------------------------------- */

typedef struct {
  GPtrArray *chunks;  /* owned chunks of (1 << shift) elements */
  gsize elem_size;
  guint shift;
  gsize len;
  gsize n_evicted;    /* chunks evicted (their pdata is NULL, see ingest-store-pager.h) */
} IngestChunked;

static inline void
ingest_chunked_init (IngestChunked *c, gsize elem_size, guint shift)
{
  c->chunks = g_ptr_array_new_with_free_func (g_free);
  c->elem_size = elem_size;
  c->shift = shift;
  c->len = 0;
  c->n_evicted = 0;
}

static inline void
ingest_chunked_clear (IngestChunked *c)
{
  g_clear_pointer (&c->chunks, g_ptr_array_unref);
  c->len = 0;
}

/* Element i of a chunk that is in RAM (the store reads evicted chunks
 * through its pager). */
static inline gpointer
ingest_chunked_at (const IngestChunked *c, gsize i)
{
  gsize mask = ((gsize) 1 << c->shift) - 1;
  return (char *) c->chunks->pdata[i >> c->shift] + (i & mask) * c->elem_size;
}

/* Appends one zero-filled element and returns it (the last chunk is never
 * evicted). */
static inline gpointer
ingest_chunked_push (IngestChunked *c)
{
  gsize mask = ((gsize) 1 << c->shift) - 1;
  if ((c->len & mask) == 0)
    g_ptr_array_add (c->chunks, g_malloc0 (c->elem_size << c->shift));
  return ingest_chunked_at (c, c->len++);
}

static inline gsize
ingest_chunked_memory_bytes (const IngestChunked *c)
{
  return (c->chunks->len - c->n_evicted) * (c->elem_size << c->shift)
         + c->chunks->len * sizeof (gpointer);
}

/* --- records --------------------------------------------------------------- */

typedef struct {
  IngestActor pub;          /* what ingest_store_actor() returns */
  guint64 sent, received, processed, dropped, acked;
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
