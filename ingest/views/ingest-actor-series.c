/* ingest-actor-series.c: one pass over the window's events for one actor
 * (see the header). */
#include "config.h"

#include "ingest-actor-series.h"
#include "ingest-latency.h"
#include "ingest-store-private.h"

#define DEFAULT_MAX_EVENTS 5000000

static gint
by_messages (gconstpointer a, gconstpointer b)
{
  const IngestActorPartner *x = a, *y = b;
  guint64 nx = x->sent + x->received, ny = y->sent + y->received;

  if (nx != ny)
    return nx > ny ? -1 : 1;
  return x->actor < y->actor ? -1 : x->actor > y->actor;
}

IngestActorSeries *
ingest_actor_series_build (IngestStore *store, IngestActorId actor, gint64 from_ns, gint64 to_ns,
                           guint n_bins, guint max_partners, guint64 max_events)
{
  g_autoptr(GHashTable) partners = NULL;
  IngestLatencyHist **hists;
  IngestActorSeries *s;
  gint64 last_depth = 0;
  guint64 examined = 0;
  gboolean *depth_seen;
  GHashTableIter it;
  gpointer value;
  gsize pos, n;

  g_return_val_if_fail (store != NULL, NULL);
  if (to_ns <= from_ns || from_ns == INGEST_TIME_MIN || to_ns == INGEST_TIME_MAX ||
      n_bins == 0 || n_bins > INGEST_ACTOR_SERIES_MAX_BINS ||
      ingest_store_actor (store, actor) == NULL)
    return NULL;
  if (max_events == 0)
    max_events = DEFAULT_MAX_EVENTS;
  s = g_new0 (IngestActorSeries, 1);
  s->from_ns = from_ns;
  s->to_ns = to_ns;
  s->n_bins = n_bins;
  s->bin_ns = MAX ((gint64) 1, (gint64) ((guint64) (to_ns - from_ns) / n_bins));
  s->bins = g_new0 (IngestActorSeriesBin, n_bins);
  s->partners = g_array_new (FALSE, FALSE, sizeof (IngestActorPartner));
  hists = g_new0 (IngestLatencyHist *, n_bins);
  depth_seen = g_new0 (gboolean, n_bins);
  /* Partner ids are the store's dense numbers: a direct hash is safe. */
  partners = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  n = ingest_store_n_events (store);
  for (pos = ingest_store_time_lower_bound (store, from_ns); pos < n; pos++)
    {
      const IngestEvent *ev = ingest_store_event (store, ingest_store_time_seq (store, pos));
      const IngestMessage *m;
      IngestActorId peer = 0;
      gboolean sent = FALSE;
      guint b;

      if (ev->time_ns > to_ns)
        break;
      if (++examined > max_events)
        {
          s->truncated = TRUE;
          break;
        }
      m = ev->message != 0 ? ingest_store_message (store, ev->message) : NULL;
      if (m == NULL)
        continue;
      /* In doubles: the window is split evenly whatever its length (an
       * integer bin length would shift the edges by the remainder). */
      b = (guint) MIN ((double) (ev->time_ns - from_ns) / (double) (guint64) (to_ns - from_ns) * n_bins,
                       (double) (n_bins - 1));
      if ((ev->reserved & INGEST_EVENT_FLAG_DEPTH) && m->to == actor)
        {
          s->bins[b].depth_max = depth_seen[b] ? MAX (s->bins[b].depth_max, (gint64) ev->reserved2)
                                               : (gint64) ev->reserved2;
          depth_seen[b] = TRUE;
        }
      if (ev->kind == INGEST_EVENT_SEND && ev->actor == actor)
        {
          peer = m->to;
          sent = TRUE;
        }
      else if (ev->kind == INGEST_EVENT_RECEIVE && ev->actor == actor)
        {
          const IngestEvent *send = m->send_seq != INGEST_SEQ_NONE
                                    ? ingest_store_event (store, m->send_seq) : NULL;
          peer = m->from;
          s->bins[b].received++;
          if (send != NULL && ev->time_ns >= send->time_ns)
            {
              if (hists[b] == NULL)
                hists[b] = ingest_latency_hist_new ();
              ingest_latency_hist_record (hists[b], ev->time_ns - send->time_ns);
            }
        }
      if (peer != 0 && peer != actor)
        {
          IngestActorPartner *p = g_hash_table_lookup (partners, GUINT_TO_POINTER (peer));
          if (p == NULL)
            {
              p = g_new0 (IngestActorPartner, 1);
              p->actor = peer;
              g_hash_table_insert (partners, GUINT_TO_POINTER (peer), p);
            }
          if (sent)
            p->sent++;
          else
            p->received++;
        }
    }
  for (guint b = 0; b < n_bins; b++)
    {
      /* A bin where nothing changed the depth holds the depth before it. */
      if (depth_seen[b])
        last_depth = s->bins[b].depth_max;
      else
        s->bins[b].depth_max = last_depth;
      if (hists[b] != NULL)
        {
          s->bins[b].wait_p99_ns = ingest_latency_hist_quantile (hists[b], 0.99);
          ingest_latency_hist_free (hists[b]);
        }
    }
  g_free (hists);
  g_free (depth_seen);
  g_hash_table_iter_init (&it, partners);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_array_append_val (s->partners, *(IngestActorPartner *) value);
  g_array_sort (s->partners, by_messages);
  if (s->partners->len > max_partners)
    g_array_set_size (s->partners, max_partners);
  return s;
}

void
ingest_actor_series_free (IngestActorSeries *series)
{
  if (series == NULL)
    return;
  g_free (series->bins);
  g_array_unref (series->partners);
  g_free (series);
}
