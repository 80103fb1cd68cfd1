/* ingest-pair.c: hash-table keys for an ordered pair of 32-bit ids. */
#include "config.h"

#include "ingest-hash.h"
#include "ingest-pair.h"

/* Keyed: which pairs exist is up to the trace, and with a fixed mix a trace
 * could pick pairs that share a bucket. */
guint
ingest_pair_key_hash (gconstpointer key)
{
  return (guint) ingest_hash_u64 (*(const IngestPairKey *) key);
}

gboolean
ingest_pair_key_equal (gconstpointer a, gconstpointer b)
{
  return *(const IngestPairKey *) a == *(const IngestPairKey *) b;
}

IngestPairKey *
ingest_pair_key_dup (IngestPairKey key)
{
  return g_memdup2 (&key, sizeof key);
}

GHashTable *
ingest_pair_table_new (GDestroyNotify key_destroy, GDestroyNotify value_destroy)
{
  return g_hash_table_new_full (ingest_pair_key_hash, ingest_pair_key_equal,
                                key_destroy, value_destroy);
}
