/* test-ingest-hash.c: the keyed hash, and tables keyed by trace strings stay
 * linear when the keys are chosen to collide under the fixed functions the
 * store and the Chrome parser used before (an unseeded wyhash-style hash for
 * interned strings and message ids, g_str_hash for Chrome flow ids). */
#include "config.h"

#include <valgrind/valgrind.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-hash.h"
#include "test-ingest-common.h"

/* Colliding inputs take seconds for the old functions at these sizes;
 * ordinary ones milliseconds. */
#define N_MESSAGES 20000
#define N_ACTORS 10000
#define FLOW_PAIRS 14 /* 2^14 flow ids */
#define MAX_RATIO 5.0

static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void
random_alnum (GRand *r, char *out, gsize n)
{
  for (gsize i = 0; i < n; i++)
    out[i] = alnum[g_rand_int_range (r, 0, sizeof alnum - 1)];
}

static gboolean
all_alnum (const char *p, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (p[i] == '\0' || strchr (alnum, p[i]) == NULL)
      return FALSE;
  return TRUE;
}

#ifdef __SIZEOF_INT128__
/* The old string hash's first block: seed = mum (B0 ^ p1, B1 ^ p0). A 32-byte
 * key B . M . S, with S equal to that seed, made its final multiply
 * mum (M ^ p1, S ^ seed) = mum (.., 0) = 0, so every such key hashed to 0
 * whatever M is. Finds an alphanumeric B whose seed is alphanumeric too. */
static void
old_hash_zero_prefix (GRand *r, char block[16], char seed_out[8])
{
  const guint64 p0 = G_GUINT64_CONSTANT (0xa0761d6478bd642f);
  const guint64 p1 = G_GUINT64_CONSTANT (0xe7037ed1a0b428db);

  for (;;)
    {
      guint64 a, b;
      random_alnum (r, block, 16);
      memcpy (&a, block, 8);
      memcpy (&b, block + 8, 8);
      unsigned __int128 m = (unsigned __int128) (a ^ p1) * (b ^ p0);
      guint64 seed = (guint64) (m >> 64) ^ (guint64) m;
      memcpy (seed_out, &seed, 8);
      if (all_alnum (seed_out, 8))
        return;
    }
}
#endif

/* n distinct 32-byte keys: colliding ones for the old hash, or ordinary ones
 * of the same shape. */
static GPtrArray *
string_keys (guint n, gboolean colliding)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (11);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  char block[16], tail[8];

#ifdef __SIZEOF_INT128__
  old_hash_zero_prefix (r, block, tail);
#else
  random_alnum (r, block, 16);
  random_alnum (r, tail, 8);
#endif
  while (keys->len < n)
    {
      char k[33];
      memcpy (k, block, 16);
      random_alnum (r, k + 16, 8);
      if (colliding)
        memcpy (k + 24, tail, 8);
      else
        random_alnum (r, k + 24, 8);
      k[32] = '\0';
      if (g_hash_table_contains (seen, k))
        continue;
      char *key = g_strdup (k);
      g_ptr_array_add (keys, key);
      g_hash_table_add (seen, key);
    }
  return keys;
}

/* Seconds to parse text into a store (the best of three; of one under
 * valgrind, the CI's memcheck pass, whose timing is steady and where three
 * parses of each text took 19 s for the same memory checks). */
static double
parse_seconds (const GString *text)
{
  double best = G_MAXDOUBLE;
  const int runs = RUNNING_ON_VALGRIND ? 1 : 3;

  for (int i = 0; i < runs; i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      IngestStore *store = test_ingest_parse (text->str, text->len, 0, NULL, NULL, &error);
      double s = (g_get_monotonic_time () - t0) / 1e6;
      assert_non_null (store);
      ingest_store_free (store);
      best = MIN (best, s);
    }
  return best;
}

static void
assert_linear (const char *what, double colliding, double ordinary)
{
  g_test_message ("%s: colliding keys %.3f s, ordinary keys %.3f s", what, colliding, ordinary);
  /* A floor of 20 ms keeps scheduler noise on tiny times from failing it. */
  if (colliding > MAX_RATIO * MAX (ordinary, 0.02))
    fail_msg ("%s: colliding keys took %.3f s, ordinary ones %.3f s (more than %.0fx)",
              what, colliding, ordinary, MAX_RATIO);
}

static GString *
messages_text (gboolean colliding)
{
  g_autoptr (GPtrArray) keys = string_keys (N_MESSAGES, colliding);
  GString *t = g_string_new (NULL);

  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (t, "{\"ts\":%u,\"ev\":\"send\",\"actor\":\"/a\",\"to\":\"/b\",\"id\":\"%s\"}\n",
                            i, (const char *) keys->pdata[i]);
  return t;
}

static void
test_message_ids_linear (void **state)
{
  g_autoptr (GString) bad = messages_text (TRUE);
  g_autoptr (GString) good = messages_text (FALSE);
  assert_linear ("message ids", parse_seconds (bad), parse_seconds (good));
}

static GString *
actors_text (gboolean colliding)
{
  g_autoptr (GPtrArray) keys = string_keys (N_ACTORS, colliding);
  GString *t = g_string_new (NULL);

  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (t, "{\"ts\":%u,\"ev\":\"actor\",\"actor\":\"%s\"}\n",
                            i, (const char *) keys->pdata[i]);
  return t;
}

static void
test_actor_names_linear (void **state)
{
  g_autoptr (GString) bad = actors_text (TRUE);
  g_autoptr (GString) good = actors_text (FALSE);
  assert_linear ("actor names", parse_seconds (bad), parse_seconds (good));
}

/* Chrome flow ids: "Ez" and "FY" have one g_str_hash (69 * 33 + 122 =
 * 70 * 33 + 89), so any sequence of k such blocks is one of 2^k strings of
 * one hash. Ordinary ids: the same count of distinct 2k-character ids. */
static GString *
flows_text (gboolean colliding)
{
  GString *t = g_string_new ("[");
  guint n = 1u << FLOW_PAIRS;

  for (int phase = 0; phase < 2; phase++)
    for (guint i = 0; i < n; i++)
      {
        char id[2 * FLOW_PAIRS + 1];
        for (int b = 0; b < FLOW_PAIRS; b++)
          {
            gboolean bit = (i >> b) & 1;
            if (colliding)
              memcpy (id + 2 * b, bit ? "FY" : "Ez", 2);
            else
              {
                id[2 * b] = alnum[(i >> (b % 8)) % 26];
                id[2 * b + 1] = bit ? '1' : '0';
              }
          }
        id[2 * FLOW_PAIRS] = '\0';
        g_string_append_printf (t, "%s{\"ph\":\"%s\",\"name\":\"m\",\"cat\":\"c\",\"id\":\"%s\","
                                "\"pid\":1,\"tid\":%d,\"ts\":%u}",
                                t->len > 1 ? "," : "", phase == 0 ? "s" : "f", id, phase + 1,
                                phase * n + i);
      }
  g_string_append (t, "]\n");
  return t;
}

static void
test_chrome_flow_ids_linear (void **state)
{
  g_autoptr (GString) bad = flows_text (TRUE);
  g_autoptr (GString) good = flows_text (FALSE);
  assert_linear ("chrome flow ids", parse_seconds (bad), parse_seconds (good));
}

/* Within a process the hash is a function; the GHashFunc forms agree with
 * the byte form, and different inputs spread. */
static void
test_hash_is_a_function (void **state)
{
  gint64 v = -5;
  assert_true (ingest_hash_bytes ("actor", 5) == ingest_hash_bytes ("actor", 5));
  assert_true (ingest_hash_bytes ("actor", 5) != ingest_hash_bytes ("actos", 5));
  assert_true (ingest_hash_bytes ("", 0) != ingest_hash_bytes ("\0", 1));
  assert_int_equal (ingest_hash_str ("x"), ingest_hash_str ("x"));
  assert_int_equal (ingest_hash_int64 (&v), ingest_hash_int64 (&v));
  assert_true (ingest_hash_u64 (1) != ingest_hash_u64 (2));
  assert_int_equal (ingest_hash_direct (GINT_TO_POINTER (3)), ingest_hash_direct (GINT_TO_POINTER (3)));

  /* 2^16 "Ez"/"FY" strings: g_str_hash gives them one value, this one
   * (almost) 2^16. */
  g_autoptr (GHashTable) values = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < (1u << 16); i++)
    {
      char s[33];
      for (int b = 0; b < 16; b++)
        memcpy (s + 2 * b, (i >> b) & 1 ? "FY" : "Ez", 2);
      s[32] = '\0';
      g_hash_table_add (values, GUINT_TO_POINTER (ingest_hash_str (s)));
    }
  assert_true (g_hash_table_size (values) > (1u << 16) - 16);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_hash_is_a_function),
    cmocka_unit_test (test_message_ids_linear),
    cmocka_unit_test (test_actor_names_linear),
    cmocka_unit_test (test_chrome_flow_ids_linear),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
