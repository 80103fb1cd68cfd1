/* ingest-deviations.c: one pass over a window's events, in time order,
 * collecting what went wrong (see the header). */
#include "config.h"

#include "ingest-deviations.h"
#include "ingest-store-private.h"

#define DEFAULT_STUCK_NS ((gint64) 5 * 1000000000)
#define DEFAULT_UNANSWERED_NS ((gint64) 5 * 1000000000)
#define DEFAULT_MAX_ROWS 200
#define DEFAULT_MAX_EVENTS 5000000

static const char *const kind_names[INGEST_DEVIATION_N_KINDS] = {
  "crash", "drop", "unanswered", "lost", "stuck", "slow-mailbox", "mailbox-limit",
};

const char *
ingest_deviation_kind_to_string (IngestDeviationKind kind)
{
  return kind < INGEST_DEVIATION_N_KINDS ? kind_names[kind] : "unknown";
}

/* What the pass knows about one receiver. Actor ids are the store's dense
 * numbers, not trace strings: a direct hash is safe. */
typedef struct {
  gint64 depth;              /* last depth sample */
  gint64 since_ns;           /* when the depth last went down (or up from 0) */
  gint64 last_ns;            /* time of the last sample */
  gboolean stuck_reported;   /* this episode has a row */
  gboolean limit_reported;
  guint64 received, slow;    /* receives in the window, those waiting too long */
  gint64 first_slow_ns, worst_wait_ns;
  IngestMessageId first_slow;
} Receiver;

typedef struct {
  IngestDeviations *out;
  guint max_rows;
  guint kept[INGEST_DEVIATION_N_KINDS];
} Collector;

static void
add (Collector *c, const IngestDeviation *d)
{
  c->out->total++;
  c->out->per_kind[d->kind]++;
  if (c->kept[d->kind] >= c->max_rows)
    return;
  c->kept[d->kind]++;
  g_array_append_val (c->out->rows, *d);
}

static Receiver *
receiver_get (GHashTable *receivers, IngestActorId id)
{
  Receiver *r = g_hash_table_lookup (receivers, GUINT_TO_POINTER (id));

  if (r == NULL)
    {
      r = g_new0 (Receiver, 1);
      g_hash_table_insert (receivers, GUINT_TO_POINTER (id), r);
    }
  return r;
}

static void
stuck_row (Collector *c, IngestActorId actor, Receiver *r, gint64 now)
{
  IngestDeviation d = { .kind = INGEST_DEVIATION_STUCK, .time_ns = r->since_ns, .actor = actor,
                        .count = (guint64) r->depth, .duration_ns = now - r->since_ns };
  add (c, &d);
  r->stuck_reported = TRUE;
}

static gint
by_time (gconstpointer a, gconstpointer b)
{
  const IngestDeviation *x = a, *y = b;

  if (x->time_ns != y->time_ns)
    return x->time_ns < y->time_ns ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  return x->actor < y->actor ? -1 : x->actor > y->actor;
}

IngestDeviations *
ingest_deviations_find (IngestStore *store, const IngestDeviationSpec *spec)
{
  IngestDeviations *out = g_new0 (IngestDeviations, 1);
  g_autoptr(GHashTable) receivers = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  Collector c = { .out = out };
  gint64 from, to, stuck_ns, unanswered_ns, data_lo = 0, data_hi = 0, end;
  guint64 max_events, examined = 0;
  const IngestStoreCounters *counters;
  GHashTableIter it;
  gpointer key, value;
  gsize pos, n;

  out->rows = g_array_new (FALSE, FALSE, sizeof (IngestDeviation));
  g_return_val_if_fail (store != NULL && spec != NULL, out);
  from = spec->from_ns;
  to = spec->to_ns;
  stuck_ns = spec->stuck_ns > 0 ? spec->stuck_ns : DEFAULT_STUCK_NS;
  unanswered_ns = spec->unanswered_ns > 0 ? spec->unanswered_ns : DEFAULT_UNANSWERED_NS;
  max_events = spec->max_events > 0 ? spec->max_events : DEFAULT_MAX_EVENTS;
  c.max_rows = spec->max_rows > 0 ? spec->max_rows : DEFAULT_MAX_ROWS;

  /* Lost events first: the source's counters, not tied to a time. */
  counters = ingest_store_counters (store);
  if (counters->lost_before_attach > 0)
    {
      IngestDeviation d = { .kind = INGEST_DEVIATION_LOST, .count = counters->lost_before_attach,
                            .before_attach = TRUE };
      add (&c, &d);
    }
  if (counters->lost_events > 0)
    {
      IngestDeviation d = { .kind = INGEST_DEVIATION_LOST, .count = counters->lost_events };
      add (&c, &d);
    }
  if (!ingest_store_time_range (store, &data_lo, &data_hi))
    return out;
  end = MIN (to, data_hi);

  n = ingest_store_n_events (store);
  for (pos = ingest_store_time_lower_bound (store, from); pos < n; pos++)
    {
      const IngestEvent *ev = ingest_store_event (store, ingest_store_time_seq (store, pos));
      const IngestMessage *m;

      if (ev->time_ns > to)
        break;
      if (++examined > max_events)
        {
          out->truncated = TRUE;
          end = ev->time_ns;
          break;
        }
      m = ev->message != 0 ? ingest_store_message (store, ev->message) : NULL;
      switch ((IngestEventKind) ev->kind)
        {
        case INGEST_EVENT_EXIT:
          if (ev->exit_status == INGEST_EXIT_CRASH)
            {
              IngestDeviation d = { .kind = INGEST_DEVIATION_CRASH, .time_ns = ev->time_ns,
                                    .actor = ev->actor, .reason = ev->text };
              add (&c, &d);
            }
          break;
        case INGEST_EVENT_DROP:
          {
            IngestDeviation d = { .kind = INGEST_DEVIATION_DROP, .time_ns = ev->time_ns,
                                  .actor = ev->actor, .message = ev->message, .reason = ev->text };
            add (&c, &d);
          }
          break;
        case INGEST_EVENT_SEND:
          /* A request (it names whom to answer) still without a response
           * long after it was sent; a dropped one is a drop already. */
          if (m != NULL && m->reply_to != 0 && m->in_reply_to == 0 && m->response == 0 &&
              data_hi - ev->time_ns >= unanswered_ns &&
              !ingest_store_message_dropped (store, ev->message))
            {
              IngestDeviation d = { .kind = INGEST_DEVIATION_UNANSWERED, .time_ns = ev->time_ns,
                                    .actor = ev->actor, .message = ev->message,
                                    .duration_ns = data_hi - ev->time_ns };
              add (&c, &d);
            }
          break;
        case INGEST_EVENT_RECEIVE:
          if (m != NULL && spec->wait_p99_ns > 0)
            {
              const IngestEvent *sent = m->send_seq != INGEST_SEQ_NONE
                                        ? ingest_store_event (store, m->send_seq) : NULL;
              Receiver *r = receiver_get (receivers, ev->actor);

              r->received++;
              if (sent != NULL && ev->time_ns - sent->time_ns > spec->wait_p99_ns)
                {
                  gint64 wait = ev->time_ns - sent->time_ns;
                  if (r->slow++ == 0)
                    {
                      r->first_slow_ns = ev->time_ns;
                      r->first_slow = ev->message;
                    }
                  r->worst_wait_ns = MAX (r->worst_wait_ns, wait);
                }
            }
          break;
        default:
          break;
        }

      /* Mailbox depth: the store samples the receiver's depth after each
       * event that changes it. A queue is stuck while it holds messages
       * and its depth has not gone down for stuck_ns. */
      if ((ev->reserved & INGEST_EVENT_FLAG_DEPTH) && m != NULL && m->to != 0)
        {
          Receiver *r = receiver_get (receivers, m->to);
          gint64 d = (gint64) ev->reserved2;

          if (r->last_ns == 0 && r->depth == 0)
            r->since_ns = ev->time_ns;
          if (d < r->depth || d == 0 || r->depth == 0)
            {
              r->since_ns = ev->time_ns;
              r->stuck_reported = FALSE;
            }
          r->depth = d;
          r->last_ns = ev->time_ns;
          if (d > 0 && !r->stuck_reported && ev->time_ns - r->since_ns >= stuck_ns)
            stuck_row (&c, m->to, r, ev->time_ns);
          if (spec->mailbox_limit > 0 && (guint64) d > spec->mailbox_limit && !r->limit_reported)
            {
              IngestDeviation dev = { .kind = INGEST_DEVIATION_MAILBOX_LIMIT,
                                      .time_ns = ev->time_ns, .actor = m->to,
                                      .message = ev->message, .count = (guint64) d };
              add (&c, &dev);
              r->limit_reported = TRUE;
            }
        }
    }

  /* Per receiver, at the window's end: a queue that never went down again,
   * and wait p99 over the threshold (more than 1 % of receives slow). */
  g_hash_table_iter_init (&it, receivers);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      IngestActorId actor = GPOINTER_TO_UINT (key);
      Receiver *r = value;

      if (r->depth > 0 && !r->stuck_reported && end - r->since_ns >= stuck_ns)
        stuck_row (&c, actor, r, end);
      if (r->slow > 0 && r->slow * 100 > r->received)
        {
          IngestDeviation d = { .kind = INGEST_DEVIATION_SLOW_MAILBOX, .time_ns = r->first_slow_ns,
                                .actor = actor, .message = r->first_slow, .count = r->slow,
                                .duration_ns = r->worst_wait_ns };
          add (&c, &d);
        }
    }
  g_array_sort (out->rows, by_time);
  return out;
}

void
ingest_deviations_free (IngestDeviations *list)
{
  if (list == NULL)
    return;
  g_array_unref (list->rows);
  g_free (list);
}
