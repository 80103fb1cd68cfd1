/* ingest-message-keys.h: the arena of message keys, whose oldest chunks can
 * leave RAM.
 *
 * A message key (the source's message id, as text) is stored once per
 * message, so unlike names and labels it grows with the number of messages,
 * not with cardinality: a store with a memory budget has to be able to let
 * old keys go to disk with the messages that name them. The arena keeps
 * NUL-terminated, already normalized keys in 64 KiB chunks that never move,
 * each starting on an 8-byte boundary. A key handle is its offset in 8-byte
 * units, in a ring of 16 GiB, with INGEST_MESSAGE_KEYS_BIT set, so a handle
 * and an atom of the store's string arena (which stays below 2 GiB) never
 * collide and ingest_store_atom() can resolve both. Offsets (marks) are
 * absolute, 64-bit: without retention 16 GiB of keys can be held (about a
 * billion messages); with it the handles of the keys retention dropped
 * (ingest_message_keys_discard_below()) come round again, so a service
 * that keeps less than 16 GiB of keys never runs out.
 *
 * Chunks below a mark can be moved to a page file (the store's pager) and
 * are read back through its bounded cache: a pointer returned for an
 * evicted key stays valid only until INGEST_STORE_PAGER_CACHE other key
 * chunks have been read (see ingest-store-pager.h).
 *
 * Not thread-safe. Internal to ingest/store/.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _IngestMessageKeys IngestMessageKeys;

#define INGEST_MESSAGE_KEYS_BIT 0x80000000u

/* max_len: longest key in bytes (< 64 KiB / 4). Owned by the caller, free
 * with ingest_message_keys_free(). */
IngestMessageKeys *ingest_message_keys_new (gsize max_len);
/* The same with a ring of 1 << ring_shift bytes (17 .. 34; 34 by default),
 * for tests that go round it. */
IngestMessageKeys *ingest_message_keys_new_with_ring (gsize max_len, guint ring_shift);
void ingest_message_keys_free (IngestMessageKeys *keys);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestMessageKeys, ingest_message_keys_free)

/* Stores a copy of normalized bytes (len <= max_len, > 0). Returns the
 * handle, or 0 when the keys held already span the whole ring (the caller
 * then stores the key elsewhere). */
guint32 ingest_message_keys_add (IngestMessageKeys *keys, const char *s, gsize len);

/* The text of a handle (borrowed; see the header comment for how long it
 * stays valid when evicted). "" for handles out of range. */
const char *ingest_message_keys_get (const IngestMessageKeys *keys, guint32 handle);

/* The same, for one pass over old keys: an evicted key is read without
 * touching the cache (ingest_store_pager_peek()), valid until the next
 * peek. */
const char *ingest_message_keys_peek (IngestMessageKeys *keys, guint32 handle);

/* The absolute offset the next key will be stored at: keys added before it
 * are below it. */
guint64 ingest_message_keys_mark (const IngestMessageKeys *keys);
/* The absolute offset of a key held (handle from ingest_message_keys_add(),
 * not discarded): compare it with marks. */
guint64 ingest_message_keys_offset (const IngestMessageKeys *keys, guint32 handle);

/* Lets chunks leave RAM: opens the page file in page_dir (borrowed). FALSE
 * and an INGEST_ERROR_IO error when it cannot be created. */
gboolean ingest_message_keys_set_page_dir (IngestMessageKeys *keys, const char *page_dir,
                                           GError **error);
/* Moves every chunk that lies wholly below mark (a value of
 * ingest_message_keys_mark()) to the page file, never the chunk being
 * filled. Returns the bytes of RAM freed; on a write error sets *error
 * (if NULL so far) and stops (the chunk stays in RAM, nothing is lost). */
gsize ingest_message_keys_evict_below (IngestMessageKeys *keys, guint64 mark, GError **error);

/* Retention: forgets the evicted chunks that lie wholly below mark, for
 * good (their page-file bytes are freed). Their keys read "" from then on;
 * the store calls this only once no message it may still read names them.
 * Returns the page-file bytes freed. */
guint64 ingest_message_keys_discard_below (IngestMessageKeys *keys, guint64 mark);
/* Bytes of disk its page file takes (0 without one). */
gint64 ingest_message_keys_disk_bytes (const IngestMessageKeys *keys);

/* Bytes of RAM held (chunks in RAM, the chunk table, the page cache). */
gsize ingest_message_keys_memory_bytes (const IngestMessageKeys *keys);
/* The part of that which is per-chunk bookkeeping (the chunk table, the
 * page file's index). */
gsize ingest_message_keys_table_bytes (const IngestMessageKeys *keys);
/* Chunks read back from the page file so far. */
guint64 ingest_message_keys_page_reads (const IngestMessageKeys *keys);

G_END_DECLS
