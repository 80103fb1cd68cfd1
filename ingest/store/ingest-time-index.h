/* ingest-time-index.h: the store's events in time order, once they stopped
 * arriving in it.
 *
 * While every event arrives no earlier than the one before, a position in
 * time order is the event's seq and the store needs no index. After the
 * first late event (two producers whose clocks differ, spans from many
 * services) the index maps each position to its seq, sorted by (time,
 * seq). A service runs for days, so the index must neither grow in RAM
 * with the history nor wrap:
 *
 *  - entries are 64-bit (seq - position), so they never wrap, and the
 *    index is kept in chunks of 2048 positions; the positions before the
 *    first late event stay implicit (position == seq) until a late event
 *    lands among them;
 *  - with a pager (a store with a memory budget) every chunk but the
 *    newest few lives in the page file, zstd-compressed (the deltas of a
 *    nearly sorted stream compress to almost nothing), and comes back
 *    through the pager's bounded cache when a query reaches it;
 *  - late events are merged into the index's tail only: positions before
 *    the first old event that sorts after them never move;
 *  - retention (ingest_store_retain_before()) moves the seqs retained away
 *    to the front in one pass over the positions that held them, and the
 *    chunks before the history start leave RAM and the page file.
 *
 * Threading: the store's (one thread at a time). Ownership: the index is
 * owned by its store; the pager is borrowed.
 */
#pragma once

#include "ingest-model.h"
#include "ingest-store-pager.h"

G_BEGIN_DECLS

typedef struct _IngestTimeIndex IngestTimeIndex;

/* The time of event seq (the store's accessor; seq is always held). */
typedef gint64 (*IngestTimeIndexTimeFunc) (gconstpointer data, IngestSeq seq);

/* Positions per chunk of the index (16 KiB of deltas). */
#define INGEST_TIME_INDEX_CHUNK_SHIFT 11

/* A new index over the events [0, sorted_prefix), which arrived in time
 * order (so position == seq for them). time_of and data are borrowed for
 * the index's life. Owned by the caller. */
IngestTimeIndex *ingest_time_index_new (gsize sorted_prefix, IngestTimeIndexTimeFunc time_of,
                                        gconstpointer data);
void ingest_time_index_free (IngestTimeIndex *index);

/* Gives the index a page file for its older chunks (borrowed; it must
 * outlive the index, and be made with INGEST_TIME_INDEX_PAGE_BYTES). */
#define INGEST_TIME_INDEX_PAGE_BYTES (sizeof (gint64) << INGEST_TIME_INDEX_CHUNK_SHIFT)
void ingest_time_index_set_pager (IngestTimeIndex *index, IngestStorePager *pager);

/* Positions covered: the events [0, len) are in it. */
gsize ingest_time_index_len (const IngestTimeIndex *index);

/* Adds events [len, n) (sorted among themselves and merged into the
 * tail). Returns TRUE when positions of events already covered moved. */
gboolean ingest_time_index_extend (IngestTimeIndex *index, gsize n);

/* The seq at position pos (< len). */
IngestSeq ingest_time_index_seq (IngestTimeIndex *index, gsize pos);

/* The first position in [lo, len) whose event is timed at or after t_ns
 * (len when none). */
gsize ingest_time_index_lower_bound (IngestTimeIndex *index, gsize lo, gint64 t_ns);

/* The seqs below first are retained away: they move to positions
 * [0, first) (in no particular order), the others keep their order after
 * them, and the chunks wholly before position first are dropped. Returns
 * the page-file bytes given back. */
guint64 ingest_time_index_retain (IngestTimeIndex *index, IngestSeq first);

/* Bytes of RAM the index holds (chunks in RAM and its tables). */
gsize ingest_time_index_memory_bytes (const IngestTimeIndex *index);

G_END_DECLS
