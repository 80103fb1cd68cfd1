/* ingest-offset-array.c: growing at the end, dropping at the front. */
#include "config.h"

#include "ingest-offset-array.h"

#include <string.h>

#define MIN_CAP 8

void
ingest_offset_array_init (IngestOffsetArray *self, gsize elem_size)
{
  g_return_if_fail (self != NULL && elem_size > 0);
  memset (self, 0, sizeof *self);
  self->elem_size = elem_size;
}

void
ingest_offset_array_clear (IngestOffsetArray *self)
{
  g_return_if_fail (self != NULL);
  g_clear_pointer (&self->data, g_free);
  self->base = self->start = ingest_offset_array_end (self);
  self->len = self->cap = 0;
}

static void
set_cap (IngestOffsetArray *self, gsize cap)
{
  self->data = g_realloc_n (self->data, cap, self->elem_size);
  self->cap = cap;
}

void
ingest_offset_array_grow_to (IngestOffsetArray *self, gsize n)
{
  g_return_if_fail (self != NULL);
  if (n <= ingest_offset_array_end (self))
    return;
  gsize len = n - self->base;
  if (len > self->cap)
    {
      /* 1.5x: amortised O(1) still, and without retention (the table then
       * is the whole history, for days) at most a third of it is slack */
      gsize cap = MAX (self->cap, MIN_CAP);
      while (cap < len)
        cap += cap / 2;
      set_cap (self, cap);
    }
  memset (self->data + self->len * self->elem_size, 0, (len - self->len) * self->elem_size);
  self->len = len;
}

void
ingest_offset_array_drop_before (IngestOffsetArray *self, gsize i)
{
  g_return_if_fail (self != NULL);
  self->start = MAX (self->start, MIN (i, ingest_offset_array_end (self)));
  gsize dead = self->start - self->base;
  /* Moving the live part down costs at most what was dropped since the
   * last move: amortised O(1) per element dropped. */
  if (dead == 0 || dead < self->len - dead)
    return;
  self->len -= dead;
  memmove (self->data, self->data + dead * self->elem_size, self->len * self->elem_size);
  self->base = self->start;
  /* Mostly empty: give half back (appends grow it again only after as
   * many elements as it holds). */
  if (self->cap > MIN_CAP && self->len < self->cap / 4)
    set_cap (self, MAX (self->cap / 2, MIN_CAP));
}
