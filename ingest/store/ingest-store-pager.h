/* ingest-store-pager.h: the store's page file, for a store with a memory
 * budget (ingest_store_set_memory_budget()).
 *
 * The store evicts whole chunks of its chunked arrays (events, messages)
 * from RAM. An evicted chunk is written here once, zstd-compressed, to an
 * unnamed file, and read back
 * into a small cache of pages when something reaches into evicted time.
 * Whether an event may be evicted at all is the store's business: only once
 * the durable log holds it (so the page file is a cache of the store's own
 * representation, not a second copy anyone relies on: it has no name and
 * disappears with the process).
 *
 * A pager holds one kind of chunk (one elem size, one chunk size). The
 * cache is bounded (INGEST_STORE_PAGER_CACHE pages, least recently used
 * first out). A page fetched writable is written back when it leaves the
 * cache (messages change after their SEND; events never do).
 *
 * Pointers into a cached page stay valid until INGEST_STORE_PAGER_CACHE
 * other pages have been fetched: a caller may hold a few at once (a message
 * and its request), never a page across a loop over evicted time.
 *
 * Threading: one thread at a time, like the store. Errors: an I/O error
 * reading back a page the pager itself wrote is a broken machine (disk gone,
 * file truncated by someone else); it aborts with a message naming the file
 * and offset rather than return a wrong answer.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _IngestStorePager IngestStorePager;

/* Pages cached in RAM per pager (each one chunk: 64 KiB for the store). */
#define INGEST_STORE_PAGER_CACHE 64

/* Opens an unnamed page file in dir (O_TMPFILE; else a file created and
 * unlinked at once). chunk_bytes: the size of every page. Returns a new
 * pager (owned; free with ingest_store_pager_free()) or NULL and an
 * INGEST_ERROR_IO error naming dir. */
IngestStorePager *ingest_store_pager_new (const char *dir, gsize chunk_bytes, GError **error);
void ingest_store_pager_free (IngestStorePager *pager);

/* Writes chunk `index` (chunk_bytes at data, borrowed) to the file. FALSE
 * and an INGEST_ERROR_IO error on a write error (a full disk): the store then
 * keeps the chunk in RAM. */
gboolean ingest_store_pager_put (IngestStorePager *pager, gsize index, gconstpointer data,
                                 GError **error);

/* The cached copy of chunk `index` (read back from the file when not
 * cached), owned by the pager (see the header comment for how long it stays
 * valid). writable: the page is written back when it leaves the cache. */
gpointer ingest_store_pager_get (IngestStorePager *pager, gsize index, gboolean writable);

/* A read-only look at chunk `index` that leaves the cache as it is (for
 * one pass over old chunks, which would otherwise push out the pages views
 * are using): the cached copy when there is one, else the chunk read into
 * one spare page, valid until the next peek or get. */
gconstpointer ingest_store_pager_peek (IngestStorePager *pager, gsize index);

/* Forgets chunk `index` for good (retention, ingest_store_retain_before()):
 * its bytes in the file are given back to the file system (a hole punched
 * with fallocate; where the file system cannot, they stay allocated until
 * the process ends), its cached copy is dropped unwritten, and once every
 * page before it is discarded too its slot leaves the pager's index.
 * Getting it again is a programming error (aborts); putting it again fails
 * with an INGEST_ERROR_IO error. Returns the file bytes it held (0 when it
 * was never written or already discarded). */
guint64 ingest_store_pager_discard (IngestStorePager *pager, gsize index);
/* Bytes of disk the page file takes now (allocated blocks, so punched holes
 * do not count), -1 when fstat fails. */
gint64 ingest_store_pager_disk_bytes (const IngestStorePager *pager);

/* Bytes of RAM the pager holds (its cache). */
gsize ingest_store_pager_memory_bytes (const IngestStorePager *pager);
/* The part of that which is the index of pages (grows with the pages
 * held in the file, not with the cache). */
gsize ingest_store_pager_table_bytes (const IngestStorePager *pager);
/* Pages read back from the file so far (for benchmarks and tests). */
guint64 ingest_store_pager_reads (const IngestStorePager *pager);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestStorePager, ingest_store_pager_free)

G_END_DECLS
