/* ingest-pair.h: hash-table keys for an ordered pair of 32-bit ids (actor
 * ids, lane or node indexes): edges, pair counts, density rows.
 *
 * The key packs (first << 32) | second into a guint64. Hash it with
 * ingest_pair_key_hash(), not g_int64_hash(), which does not mix the halves:
 * GLib 2.74 hashes the second id alone (every edge into one actor collides),
 * newer GLib first ^ second ((a, b) and (b, a) collide). Either way a grid of
 * small ids shares a few hundred hashes and the table degrades to scans.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef guint64 IngestPairKey;

static inline IngestPairKey
ingest_pair_key (guint32 first, guint32 second)
{
  return ((guint64) first << 32) | second;
}

static inline guint32
ingest_pair_key_first (IngestPairKey key)
{
  return (guint32) (key >> 32);
}

static inline guint32
ingest_pair_key_second (IngestPairKey key)
{
  return (guint32) key;
}

/* GHashFunc and GEqualFunc over const IngestPairKey * keys. */
guint ingest_pair_key_hash (gconstpointer key);
gboolean ingest_pair_key_equal (gconstpointer a, gconstpointer b);

/* A copy of key for a table that owns its keys; free with g_free(). */
IngestPairKey *ingest_pair_key_dup (IngestPairKey key);

/* A table keyed by const IngestPairKey *. key_destroy is g_free() for keys
 * from ingest_pair_key_dup(), NULL for keys stored inside the values; either
 * destroy function may be NULL. Returns a new table, owned by the caller. */
GHashTable *ingest_pair_table_new (GDestroyNotify key_destroy, GDestroyNotify value_destroy);

G_END_DECLS
