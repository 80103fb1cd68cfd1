/* ingest-bytes-private.h: unaligned loads and a 64-bit mixer, shared by the
 * store's hash functions (interned strings, name cache, actor-pair keys).
 *
 * Loads are in host byte order: the values feed hashes and equality tests
 * inside one process, never a file or the wire.
 */
#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* 8 bytes at p, any alignment. */
static inline guint64
ingest_load_u64 (const char *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return v;
}

/* 4 bytes at p, any alignment. */
static inline guint32
ingest_load_u32 (const char *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return v;
}

/* MurmurHash3's 64-bit finaliser (fmix64): every input bit flips each
 * output bit with probability about 1/2, so keys that differ only in a few
 * high or low bits land far apart. */
static inline guint64
ingest_mix64 (guint64 h)
{
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  h ^= h >> 33;
  return h;
}

G_END_DECLS
