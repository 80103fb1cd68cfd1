/* fuzz-xstate.c: XState inspection events (ingest/sources/ingest-xstate-adapter.h),
 * as the web service gets them: one JSON object per websocket message.
 *
 * The input is cut at newlines into messages, all fed to one adapter (its
 * sessions persist across messages as in a live inspector). */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "ingest-xstate-adapter.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(IngestStore) store = NULL;
  g_autoptr(IngestXstateAdapter) adapter = NULL;
  const char *text = (const char *) data;
  gsize start = 0;

  fuzz_init ();
  store = ingest_store_new ();
  adapter = ingest_xstate_adapter_new (store, "fuzz-xstate");

  while (start < size)
    {
      const char *nl = memchr (text + start, '\n', size - start);
      gsize end = nl != NULL ? (gsize) (nl - text) : size;
      g_autoptr(GError) error = NULL;
      guint64 events_before = ingest_store_n_events (store);
      guint64 accepted_before = ingest_xstate_adapter_n_accepted (adapter);

      /* The server asks looks_like first; the adapter must cope with
       * anything anyway, so every message is fed. */
      (void) ingest_xstate_looks_like (text + start, end - start);

      if (ingest_xstate_adapter_feed (adapter, text + start, end - start, &error))
        {
          FUZZ_CHECK (error == NULL);
          FUZZ_CHECK (ingest_xstate_adapter_n_accepted (adapter) == accepted_before + 1);
        }
      else
        {
          FUZZ_CHECK (error != NULL && error->domain == INGEST_ERROR);
          FUZZ_CHECK (error->code == INGEST_ERROR_SYNTAX || error->code == INGEST_ERROR_SCHEMA);
          FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
          /* All or nothing: a refused event appends nothing. */
          FUZZ_CHECK (ingest_store_n_events (store) == events_before);
          FUZZ_CHECK (ingest_xstate_adapter_n_accepted (adapter) == accepted_before);
        }
      start = end + 1;
    }
  fuzz_check_store (store);
  return 0;
}
