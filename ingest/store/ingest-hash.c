/* ingest-hash.c: SipHash-1-3 with a per-process random key (see the header).
 *
 * SipHash (Aumasson and Bernstein) is a keyed PRF: without the key nobody can
 * predict which inputs collide, and 1-3 rounds is what Python and Rust's
 * standard hash tables use for the same purpose.
 */
#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "ingest-bytes-private.h"
#include "ingest-hash.h"

static guint64 key0, key1;

static void
hash_key_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      guint64 k[2];
      if (getrandom (k, sizeof k, 0) != (ssize_t) sizeof k)
        {
          /* No getrandom (old kernel, seccomp): GLib's generator is seeded
           * from /dev/urandom and the time. */
          k[0] = ((guint64) g_random_int () << 32) | g_random_int ();
          k[1] = ((guint64) g_random_int () << 32) | g_random_int ();
        }
      key0 = k[0];
      key1 = k[1];
      g_once_init_leave (&done, 1);
    }
}

#define ROTL(x, b) (guint64) (((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                        \
  G_STMT_START {                                                        \
    v0 += v1; v1 = ROTL (v1, 13); v1 ^= v0; v0 = ROTL (v0, 32);         \
    v2 += v3; v3 = ROTL (v3, 16); v3 ^= v2;                             \
    v0 += v3; v3 = ROTL (v3, 21); v3 ^= v0;                             \
    v2 += v1; v1 = ROTL (v1, 17); v1 ^= v2; v2 = ROTL (v2, 32);         \
  } G_STMT_END

guint64
ingest_hash_bytes (const void *data, gsize len)
{
  g_return_val_if_fail (data != NULL || len == 0, 0);

  hash_key_init ();

  const char *p = data;
  guint64 v0 = key0 ^ G_GUINT64_CONSTANT (0x736f6d6570736575);
  guint64 v1 = key1 ^ G_GUINT64_CONSTANT (0x646f72616e646f6d);
  guint64 v2 = key0 ^ G_GUINT64_CONSTANT (0x6c7967656e657261);
  guint64 v3 = key1 ^ G_GUINT64_CONSTANT (0x7465646279746573);
  gsize n = len;

  for (; n >= 8; p += 8, n -= 8)
    {
      guint64 m = GUINT64_FROM_LE (ingest_load_u64 (p));
      v3 ^= m;
      SIPROUND;
      v0 ^= m;
    }
  guint64 b = (guint64) len << 56;
  for (gsize i = 0; i < n; i++)
    b |= (guint64) (guchar) p[i] << (8 * i);
  v3 ^= b;
  SIPROUND;
  v0 ^= b;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

guint64
ingest_hash_u64 (guint64 value)
{
  return ingest_hash_bytes (&value, sizeof value);
}

static guint
fold (guint64 h)
{
  return (guint) (h ^ (h >> 32));
}

guint
ingest_hash_str (gconstpointer key)
{
  const char *s = key;
  return fold (ingest_hash_bytes (s, strlen (s)));
}

guint
ingest_hash_int64 (gconstpointer key)
{
  return fold (ingest_hash_u64 ((guint64) *(const gint64 *) key));
}

guint
ingest_hash_direct (gconstpointer key)
{
  return fold (ingest_hash_u64 ((guint64) GPOINTER_TO_SIZE (key)));
}
