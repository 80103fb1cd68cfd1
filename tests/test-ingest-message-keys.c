/* test-ingest-message-keys.c: the message keys' arena (ingest-message-keys.c)
 * with a small ring: keys keep their text through eviction to the page
 * file and round after round of the ring while retention drops the
 * oldest; marks and offsets stay absolute and ordered; a ring the held
 * keys fill refuses more instead of overwriting one. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-message-keys.h"
#include "test-util.h"

#define RING_SHIFT 18 /* 256 KiB: four chunks */

typedef struct {
  guint32 handle;
  guint64 offset;
  char text[24];
} Kept;

static void
test_ring_with_retention (void **state)
{
  g_autofree char *dir = test_tmpdir_new ("keys-XXXXXX");
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestMessageKeys) keys = ingest_message_keys_new_with_ring (64, RING_SHIFT);
  g_autoptr(GArray) held = g_array_new (FALSE, FALSE, sizeof (Kept));
  guint64 prev_offset = 0;
  guint first = 0; /* index in held of the first key not dropped */

  assert_true (ingest_message_keys_set_page_dir (keys, dir, &error));
  /* 40 times the ring's bytes in all; at most about half of it held. */
  for (guint i = 0; i < 400000; i++)
    {
      Kept k;
      g_snprintf (k.text, sizeof k.text, "m%u-%s", i, i % 3 ? "x" : "longer-key");
      k.handle = ingest_message_keys_add (keys, k.text, strlen (k.text));
      assert_true (k.handle != 0 && k.handle != INGEST_MESSAGE_KEYS_BIT);
      k.offset = ingest_message_keys_offset (keys, k.handle);
      assert_true (k.offset > prev_offset);
      assert_true (k.offset % 8 == 0);
      assert_true (ingest_message_keys_mark (keys) > k.offset);
      prev_offset = k.offset;
      g_array_append_val (held, k);
      if (i % 1000 == 999)
        {
          /* What a store does: evict below a mark, then retention drops
           * the keys of its oldest messages. */
          guint64 mark = ingest_message_keys_mark (keys);
          ingest_message_keys_evict_below (keys, mark - 4096, &error);
          g_assert_no_error (error);
          while (held->len - first > 6000)
            first += 1000;
          ingest_message_keys_discard_below (keys, g_array_index (held, Kept, first).offset);
          /* every key held reads back, from RAM or the page file */
          for (guint j = first; j < held->len; j += 97)
            {
              const Kept *c = &g_array_index (held, Kept, j);
              assert_string_equal (ingest_message_keys_get (keys, c->handle), c->text);
              assert_string_equal (ingest_message_keys_peek (keys, c->handle), c->text);
              assert_true (ingest_message_keys_offset (keys, c->handle) == c->offset);
            }
        }
    }
  /* The handles went round the ring many times. */
  assert_true (prev_offset > (G_GUINT64_CONSTANT (20) << RING_SHIFT));
  test_tmpdir_clear (&dir);
}

/* Without retention the held keys fill the ring: the next key is refused
 * (the store then keeps it in its string arena), and every key held still
 * reads back. */
static void
test_ring_full (void **state)
{
  g_autoptr(IngestMessageKeys) keys = ingest_message_keys_new_with_ring (64, RING_SHIFT);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) handles = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint32 h;

  h = 1;
  for (guint i = 0; i < (1u << RING_SHIFT); i++)
    {
      char *t = g_strdup_printf ("key-%u", i);
      h = ingest_message_keys_add (keys, t, strlen (t));
      if (h == 0)
        {
          g_free (t);
          break;
        }
      g_ptr_array_add (texts, t);
      g_array_append_val (handles, h);
    }
  assert_int_equal (h, 0);
  /* about the ring's bytes in 16-byte slots */
  assert_true (handles->len > (1u << RING_SHIFT) / 16 * 3 / 4);
  for (guint i = 0; i < handles->len; i++)
    assert_string_equal (ingest_message_keys_get (keys, g_array_index (handles, guint32, i)),
                         texts->pdata[i]);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_ring_with_retention),
    cmocka_unit_test (test_ring_full),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
