/* ingest-log.c: the log interface's dispatch and the store rebuild shared
 * by every implementation. */
#include "config.h"

#include <string.h>

#include "ingest-log.h"

void
ingest_log_skipped_clear (IngestLogSkipped *skipped)
{
  if (skipped == NULL)
    return;
  g_clear_pointer (&skipped->first_problem, g_free);
  memset (skipped, 0, sizeof *skipped);
}

gboolean
ingest_log_append (IngestLog *log, IngestStore *store, IngestSeq from, IngestSeq to,
                   GError **error)
{
  g_return_val_if_fail (log != NULL && store != NULL, FALSE);
  g_return_val_if_fail (from <= to && to <= ingest_store_n_events (store), FALSE);
  return log->klass->append (log, store, from, to, error);
}

gboolean
ingest_log_flush (IngestLog *log, GError **error)
{
  g_return_val_if_fail (log != NULL, FALSE);
  return log->klass->flush (log, error);
}

IngestSeq
ingest_log_n_durable (IngestLog *log)
{
  g_return_val_if_fail (log != NULL, 0);
  return log->klass->n_durable (log);
}

IngestSeq
ingest_log_first_seq (IngestLog *log)
{
  g_return_val_if_fail (log != NULL, 0);
  return log->klass->first_seq (log);
}

gboolean
ingest_log_read (IngestLog *log, IngestSeq from, IngestSeq to, gint64 min_ns, gint64 max_ns,
                 const IngestLogReadFuncs *funcs, gpointer user_data, IngestLogSkipped *skipped,
                 GError **error)
{
  g_return_val_if_fail (log != NULL && funcs != NULL, FALSE);
  return log->klass->read (log, from, to, min_ns, max_ns, funcs, user_data, skipped, error);
}

gboolean
ingest_log_close (IngestLog *log, GError **error)
{
  g_return_val_if_fail (log != NULL, FALSE);
  return log->klass->close (log, error);
}

void
ingest_log_free (IngestLog *log)
{
  if (log != NULL)
    log->klass->free (log);
}

/* --- rebuilding a store ---------------------------------------------------- */

typedef struct {
  IngestStore *store;
  GArray *idmap;         /* log actor id -> store actor id */
  guint64 n;
  IngestStoreCounters counters;
  gboolean have_counters;
} Rebuild;

static void
rebuild_actor (guint32 id, const char *name, IngestActorKind kind, const char *parent,
               gpointer user_data)
{
  Rebuild *rb = user_data;
  IngestActorId sid = id < rb->idmap->len ? g_array_index (rb->idmap, IngestActorId, id) : 0;
  IngestActorId pid = parent != NULL ? ingest_store_find_actor (rb->store, parent) : 0;
  const IngestActor *a;

  if (sid != 0)
    {
      /* Known: follow a rename, then a new kind or parent. */
      a = ingest_store_actor (rb->store, sid);
      if (strcmp (ingest_store_atom (rb->store, a->name), name) != 0)
        ingest_store_rename_actor (rb->store, sid, INGEST_STR (name));
    }
  else
    sid = ingest_store_find_actor (rb->store, name);
  a = sid != 0 ? ingest_store_actor (rb->store, sid) : NULL;
  if (a == NULL || a->kind != kind || (parent != NULL && a->parent != pid))
    sid = ingest_store_ensure_actor (rb->store, INGEST_STR (name), kind,
                                     parent != NULL ? INGEST_STR (parent) : INGEST_STR_NONE);
  if (id >= rb->idmap->len)
    g_array_set_size (rb->idmap, id + 1);
  g_array_index (rb->idmap, IngestActorId, id) = sid;
}

static gboolean
rebuild_event (IngestSeq seq, const IngestEventInput *input, gpointer user_data)
{
  Rebuild *rb = user_data;
  (void) seq;
  ingest_store_append (rb->store, input);
  rb->n++;
  return TRUE;
}

static void
rebuild_counters (const IngestStoreCounters *counters, gpointer user_data)
{
  Rebuild *rb = user_data;
  rb->counters = *counters;
  rb->have_counters = TRUE;
}

gboolean
ingest_log_read_into_store (IngestLog *log, IngestSeq from, IngestSeq to, IngestStore *store,
                            guint64 *n_out, IngestLogSkipped *skipped, GError **error)
{
  static const IngestLogReadFuncs funcs = { rebuild_actor, rebuild_event, rebuild_counters };
  Rebuild rb = { 0 };
  gboolean ok;

  g_return_val_if_fail (log != NULL && store != NULL, FALSE);
  rb.store = store;
  rb.idmap = g_array_new (FALSE, TRUE, sizeof (IngestActorId));
  ok = ingest_log_read (log, from, to, INGEST_TIME_MIN, INGEST_TIME_MAX, &funcs, &rb, skipped,
                        error);
  if (ok && rb.have_counters && to >= ingest_log_n_durable (log))
    {
      /* The source-fed counters are not events: take the writer's last
       * values. So are unmatched references the parsers resolved outside
       * ingest_store_append (Chrome slices), so all five come from the log. */
      *ingest_store_counters (store) = rb.counters;
    }
  g_array_unref (rb.idmap);
  if (n_out != NULL)
    *n_out = rb.n;
  return ok;
}
