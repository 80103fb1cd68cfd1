/* render-deviations.c: deviation rows in plain words (see the header). */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "render-deviations.h"
#include "render-ticks.h"

/* printf formats go through translation, so they use %llu (with casts)
 * rather than G_GUINT64_FORMAT: a msgid must not depend on the platform. */
static const char *G_GNUC_FORMAT (2)
tr (RenderTranslateFunc translate, const char *msgid)
{
  return translate != NULL ? translate (msgid) : msgid;
}

char *
render_deviation_describe (IngestStore *store, const IngestDeviation *d, const IngestDeviationSpec *spec,
                           RenderTranslateFunc translate)
{
  const IngestMessage *m;
  const char *label, *reason;
  char dur[32], limit[32];

  g_return_val_if_fail (store != NULL && d != NULL && spec != NULL, NULL);
  m = d->message != 0 ? ingest_store_message (store, d->message) : NULL;
  label = m != NULL && m->label != 0 ? ingest_store_atom (store, m->label) : tr (translate, N_("message"));
  reason = d->reason != 0 ? ingest_store_atom (store, d->reason) : "";
  render_ticks_format_duration (d->duration_ns, dur, sizeof dur);
  switch (d->kind)
    {
    case INGEST_DEVIATION_CRASH:
      return *reason ? g_strdup_printf (tr (translate, N_("crashed: %s")), reason)
                     : g_strdup (tr (translate, N_("crashed")));
    case INGEST_DEVIATION_DROP:
      return g_strdup_printf (*reason ? tr (translate, N_("dropped %s from %s: %s"))
                                      : tr (translate, N_("dropped %s from %s%s")),
                              label, m != NULL ? ingest_store_actor_name (store, m->from) : "?", reason);
    case INGEST_DEVIATION_UNANSWERED:
      return g_strdup_printf (tr (translate, N_("%s to %s unanswered for %s")), label,
                              m != NULL ? ingest_store_actor_name (store, m->to) : "?", dur);
    case INGEST_DEVIATION_LOST:
      return g_strdup_printf (d->before_attach ? tr (translate, N_("%llu events gone before the source attached"))
                                               : tr (translate, N_("%llu events lost (gaps in the source’s ids)")),
                              (unsigned long long) d->count);
    case INGEST_DEVIATION_STUCK:
      return g_strdup_printf (tr (translate, N_("mailbox at %llu, not going down for %s")),
                              (unsigned long long) d->count, dur);
    case INGEST_DEVIATION_SLOW_MAILBOX:
      render_ticks_format_duration (spec->wait_p99_ns, limit, sizeof limit);
      return g_strdup_printf (tr (translate, N_("wait p99 over %s: %llu messages waited longer (longest %s)")),
                              limit, (unsigned long long) d->count, dur);
    case INGEST_DEVIATION_MAILBOX_LIMIT:
      return g_strdup_printf (tr (translate, N_("mailbox at %llu, over the limit of %llu")),
                              (unsigned long long) d->count, (unsigned long long) spec->mailbox_limit);
    default:
      return g_strdup ("");
    }
}
