/* gen-rng.h: the generator's seeded PRNG (xoshiro256**, seeded through
 * splitmix64). Not GLib's GRand: its output is an implementation detail we
 * can't pin, and traces must be byte-identical for a seed across machines
 * and GLib versions. Header-only because it sits on the hot path. */
#pragma once

#include <glib.h>
#include <math.h>

G_BEGIN_DECLS

typedef struct {
  guint64 s[4];
} GenRng;

static inline guint64
gen_rng_splitmix (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline void
gen_rng_init (GenRng *r, guint64 seed)
{
  for (int i = 0; i < 4; i++)
    r->s[i] = gen_rng_splitmix (&seed);
}

static inline guint64
gen_rng_rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static inline guint64
gen_rng_next (GenRng *r)
{
  guint64 *s = r->s;
  guint64 result = gen_rng_rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = gen_rng_rotl (s[3], 45);
  return result;
}

/* Uniform in [0, 1). */
static inline double
gen_rng_unit (GenRng *r)
{
  return (double) (gen_rng_next (r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n), n > 0 (multiply-shift, negligible bias). */
static inline guint64
gen_rng_below (GenRng *r, guint64 n)
{
  return (guint64) (((unsigned __int128) gen_rng_next (r) * n) >> 64);
}

static inline gboolean
gen_rng_chance (GenRng *r, double p)
{
  return gen_rng_unit (r) < p;
}

/* Exponentially distributed with the given mean. */
static inline double
gen_rng_exp (GenRng *r, double mean)
{
  return -mean * log1p (-gen_rng_unit (r));
}

G_END_DECLS
