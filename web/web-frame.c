/* web-frame.c: frames, table rows, overview and details for /live. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "web-frame.h"
#include "web-protocol.h"
#include "render-columns.h"
#include "render-svg.h"
#include "render-ticks.h"
#include "render-view.h"
#include "ingest-graph-window.h"
#include "ingest-timeline-window.h"

/* ---- activity overview ------------------------------------------------ */

#define ACTIVITY_MAX_BUCKETS 4096

struct _WebActivity {
  IngestSeq next;          /* first event not counted yet */
  gint64 base_ns;          /* start of bucket 0 */
  gint64 bucket_ns;
  GArray *counts;          /* guint32 */
  gboolean started;
};

WebActivity *
web_activity_new (void)
{
  WebActivity *self = g_new0 (WebActivity, 1);

  self->bucket_ns = 100 * 1000000; /* 100 ms, coarsened as the trace grows */
  self->counts = g_array_new (FALSE, TRUE, sizeof (guint32));
  return self;
}

void
web_activity_free (WebActivity *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->counts);
  g_free (self);
}

/* Halves the number of buckets by merging pairs (bucket width doubles). */
static void
activity_coarsen (WebActivity *self)
{
  guint n = self->counts->len;
  guint32 *c = &g_array_index (self->counts, guint32, 0);

  for (guint i = 0; i < (n + 1) / 2; i++)
    c[i] = c[2 * i] + (2 * i + 1 < n ? c[2 * i + 1] : 0);
  g_array_set_size (self->counts, (n + 1) / 2);
  self->bucket_ns *= 2;
}

/* Trace times are clamped to +-INGEST_STORE_MAX_TIME (2^62 - 1), so the
 * distance between a time and base_ns (at most one bucket below the
 * earliest time) is below 2^63 + bucket: exact in guint64, but not always
 * representable as a gint64 difference. Offsets are computed unsigned. */
static void
activity_add (WebActivity *self, gint64 t)
{
  guint64 idx, bucket;

  t = CLAMP (t, -INGEST_STORE_MAX_TIME, INGEST_STORE_MAX_TIME);
  if (!self->started)
    {
      self->base_ns = t - (t % self->bucket_ns + self->bucket_ns) % self->bucket_ns;
      self->started = TRUE;
    }
  /* An event before the start (out of order, or a new source with older
   * times) grows the array at the front. */
  while (t < self->base_ns)
    {
      bucket = (guint64) self->bucket_ns;
      guint64 need = ((guint64) self->base_ns - (guint64) t + bucket - 1) / bucket;
      if (need > ACTIVITY_MAX_BUCKETS - self->counts->len)
        {
          activity_coarsen (self);
          continue;
        }
      {
        guint32 *zeros = g_new0 (guint32, need);
        g_array_prepend_vals (self->counts, zeros, (guint) need);
        g_free (zeros);
        /* the new start is at most one bucket below t: in range, though
         * need * bucket may not fit a gint64 */
        self->base_ns = (gint64) ((guint64) self->base_ns - need * bucket);
      }
    }
  for (;;)
    {
      idx = ((guint64) t - (guint64) self->base_ns) / (guint64) self->bucket_ns;
      if (idx < ACTIVITY_MAX_BUCKETS)
        break;
      activity_coarsen (self);
    }
  if (idx >= self->counts->len)
    g_array_set_size (self->counts, (guint) idx + 1);
  g_array_index (self->counts, guint32, idx)++;
}

void
web_activity_update (WebActivity *self, IngestStore *store)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (store != NULL);

  guint64 n = ingest_store_n_events (store);

  for (; self->next < n; self->next++)
    {
      const IngestEvent *ev = ingest_store_event (store, self->next);
      if (ev != NULL)
        activity_add (self, ev->time_ns);
    }
}

json_t *
web_activity_to_json (const WebActivity *self, guint max_bins)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (max_bins > 0, NULL);

  json_t *bins = json_array ();
  guint n = self->counts->len;
  guint per = n > max_bins ? (n + max_bins - 1) / max_bins : 1;

  for (guint i = 0; i < n; i += per)
    {
      guint64 sum = 0;
      for (guint j = i; j < i + per && j < n; j++)
        sum += g_array_index (self->counts, guint32, j);
      json_array_append_new (bins, json_integer ((json_int_t) sum));
    }
  return json_pack ("{s:f, s:f, s:f, s:o}",
                    "from_ms", self->started ? self->base_ns / 1e6 : 0.0,
                    /* in double: n buckets may pass the gint64 range */
                    "to_ms", self->started ? self->base_ns / 1e6 + (double) n * (double) self->bucket_ns / 1e6 : 0.0,
                    "bin_ms", (double) self->bucket_ns * per / 1e6,
                    "bins", bins);
}

/* ---- frames ----------------------------------------------------------- */

static double
ms (gint64 ns)
{
  return (double) ns / 1e6;
}

static json_t *
latency_json (const IngestLatency *l)
{
  if (l->count == 0)
    return json_null ();
  return json_pack ("{s:I, s:f, s:f, s:f, s:f}", "count", (json_int_t) l->count,
                    "mean_ms", ms (l->mean_ns), "p50_ms", ms (l->p50_ns),
                    "p99_ms", ms (l->p99_ns), "max_ms", ms (l->max_ns));
}

/* A table row's id: the actor's, or for a group a negative number from
 * its pattern, so the page and the frame deltas follow a row across
 * frames. */
static json_int_t
row_id (const RenderColumnRow *r)
{
  return r->is_group ? -(json_int_t) (g_str_hash (r->name) & 0x7fffffff) - 1 : (json_int_t) r->actor;
}

/* What each column of the table is (render-columns.h), once per frame: the
 * page writes its headers and tooltips from it. */
static json_t *
columns_json (void)
{
  json_t *columns = json_array ();

  for (guint c = 0; c < RENDER_N_COLUMNS; c++)
    {
      const RenderColumn *col = render_column_get (c);
      json_array_append_new (columns, json_pack ("{s:s, s:s, s:s, s:s, s:b}", "key", col->key,
                                                 "header", col->header, "description", col->description,
                                                 "scope", render_column_scope_name (col->scope),
                                                 "numeric", col->numeric));
    }
  return columns;
}

/* The actor table's rows: the view's nodes (so a filter or a group changes
 * the rows and never zeroes a rate), with their figures and the cells as
 * every front end writes them (render-columns.h). */
/* A latency in a table row: the two quantiles the page sorts by (the cells
 * hold the formatted figures; details give the whole summary). */
static json_t *
latency_brief_json (const IngestLatency *l)
{
  if (l->count == 0)
    return json_null ();
  return json_pack ("{s:f, s:f}", "p50_ms", ms (l->p50_ns), "p99_ms", ms (l->p99_ns));
}

/* The actor table's rows: the view's nodes (so a filter or a group changes
 * the rows and never zeroes a rate), with their figures and the cells as
 * every front end writes them (render-columns.h), in the order of the
 * frame's "columns": an array, not an object, because the table takes at
 * most its share of the frame budget and 200 actors must fit (the keys
 * repeated in every row were half of it). */
static json_t *
table_json (const RenderColumnTable *table)
{
  json_t *rows = json_array ();

  for (guint i = 0; i < table->n_rows; i++)
    {
      const RenderColumnRow *r = &table->rows[i];
      json_t *cells = json_array ();

      for (guint c = 0; c < RENDER_N_COLUMNS; c++)
        {
          g_autofree char *text = c == RENDER_COLUMN_NAME ? NULL : render_column_format (c, r);
          json_array_append_new (cells, json_string (text != NULL ? text : ""));
        }
      json_array_append_new (rows, json_pack (
        "{s:I, s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:f, s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:o}",
        "id", row_id (r),
        "name", r->name,
        "label", r->label ? r->label : r->name,
        "kind", ingest_actor_kind_to_string (r->kind),
        "group", r->is_group,
        "alive", r->alive,
        "members", (json_int_t) r->n_members,
        "sent", (json_int_t) r->sent,
        "received", (json_int_t) r->received,
        "rate", r->rate_per_s,
        "mailbox", (json_int_t) r->mailbox_now,
        "mailbox_max", (json_int_t) r->mailbox_max,
        "mailbox_latency", latency_brief_json (&r->wait),
        "processing", latency_brief_json (&r->processing),
        "round_trip", latency_brief_json (&r->round_trip),
        "errors", (json_int_t) r->errors,
        "pending", (json_int_t) r->pending,
        "unacked", (json_int_t) r->unacked,
        "unanswered", (json_int_t) r->unanswered,
        "crashes", (json_int_t) r->crashes,
        "cells", cells));
    }
  return rows;
}

struct _WebViewCache {
  GHashTable *graphs;        /* key -> IngestGraph* */
  GHashTable *timelines;     /* key -> IngestTimeline* */
  WebLiveViews *live;        /* borrowed, may be NULL */
  gsize frame_budget;        /* SVG bytes per frame */
};

/* ---- follow-live views kept between rounds ---------------------------- */

/* Bound on the windows kept: one per distinct follow view, so at most one
 * per client; this caps memory if clients churn faster than pruning. */
#define LIVE_MAX_WINDOWS 256

/* What is kept between rounds for one view: a follow-live view's sliding
 * window, or a fixed window's view data (a paused view, a chosen range)
 * while its stamp holds: without the latter every frame of a paused view
 * built its window again from the store, ten times a second, reading
 * evicted pages once the window had left RAM. Every entry kept between
 * rounds (this and LivePositions) starts with its last use. */
typedef struct {
  gint64 used_us;
  IngestGraphWindow *graph;
  IngestTimelineWindow *timeline;
  IngestGraph *fixed_graph;       /* attached to the store */
  IngestTimeline *fixed_timeline; /* attached to the store */
  IngestViewStamp stamp;          /* of the fixed view data */
} LiveEntry;

struct _WebLiveViews {
  IngestStore *store;
  GHashTable *windows;       /* key -> LiveEntry* (graph) */
  GHashTable *timelines;     /* key -> LiveEntry* (timeline) */
  GHashTable *positions;     /* graph view key -> LivePositions* */
  GHashTable *fixed;         /* "g"/"t" + spec key -> LiveEntry* (fixed view data) */
};

/* Bound on the views of fixed windows kept (paused clients, ranges). */
#define LIVE_MAX_FIXED 64

/* The node positions of a follow-live graph view's last frame, so the next
 * frame starts from them (nodes stay put; clicks land). Shared by the
 * clients of one view, like its frames. */
typedef struct {
  gint64 used_us;
  RenderGraphPositions *xy;
} LivePositions;

static void
live_positions_free (gpointer data)
{
  LivePositions *p = data;
  render_graph_positions_free (p->xy);
  g_free (p);
}

static void
live_entry_free (gpointer data)
{
  LiveEntry *e = data;
  ingest_graph_window_free (e->graph);
  ingest_timeline_window_free (e->timeline);
  ingest_graph_free (e->fixed_graph);
  ingest_timeline_free (e->fixed_timeline);
  g_free (e);
}

WebLiveViews *
web_live_views_new (IngestStore *store)
{
  g_return_val_if_fail (store != NULL, NULL);

  WebLiveViews *self = g_new0 (WebLiveViews, 1);
  self->store = store;
  self->windows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, live_entry_free);
  self->timelines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, live_entry_free);
  self->positions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, live_positions_free);
  self->fixed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, live_entry_free);
  return self;
}

void
web_live_views_free (WebLiveViews *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->windows);
  g_hash_table_unref (self->timelines);
  g_hash_table_unref (self->positions);
  g_hash_table_unref (self->fixed);
  g_free (self);
}

/* Removes the entries of table (each starting with its last use) not
 * used since before_us. */
static void
prune_table (GHashTable *table, gint64 before_us)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, table);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (*(const gint64 *) v < before_us)
      g_hash_table_iter_remove (&it);
}

void
web_live_views_prune (WebLiveViews *self, gint64 now_us, gint64 max_idle_us)
{
  if (self == NULL)
    return;
  prune_table (self->windows, now_us - max_idle_us);
  prune_table (self->timelines, now_us - max_idle_us);
  prune_table (self->positions, now_us - max_idle_us);
  prune_table (self->fixed, now_us - max_idle_us);
}

/* What the kept positions of a graph view are keyed by: its filters,
 * groups and canvas, and for a follow-live view its window length (not the
 * window itself: moving it must not lose the layout). Owned. */
static char *
positions_key (const WebViewState *state, const IngestViewSpec *spec)
{
  g_autofree char *groups = spec->groups != NULL ? g_strjoinv ("\x1f", (char **) spec->groups) : NULL;

  return g_strdup_printf ("%" G_GINT64_FORMAT "|%s|%s|%s|%d|%g|%g", state->follow ? state->window_ns : -1,
                          spec->actor_filter ? spec->actor_filter : "",
                          spec->label_filter ? spec->label_filter : "",
                          groups ? groups : "", spec->expand_threads, state->width, state->height);
}

/* The kept positions for key (created empty); NULL when too many are kept. */
static LivePositions *
live_positions (WebLiveViews *self, const char *key)
{
  LivePositions *p = g_hash_table_lookup (self->positions, key);
  if (p == NULL)
    {
      if (g_hash_table_size (self->positions) >= LIVE_MAX_WINDOWS)
        return NULL;
      p = g_new0 (LivePositions, 1);
      p->xy = render_graph_positions_new ();
      g_hash_table_insert (self->positions, g_strdup (key), p);
    }
  p->used_us = g_get_monotonic_time ();
  return p;
}

guint
web_live_views_size (const WebLiveViews *self)
{
  return self != NULL ? g_hash_table_size (self->windows) + g_hash_table_size (self->timelines) : 0;
}

void
web_view_cache_set_live (WebViewCache *cache, WebLiveViews *live)
{
  g_return_if_fail (cache != NULL);
  cache->live = live;
}

/* The follow-live graph of state, advanced to [from_ns, latest]; NULL when
 * it can't be kept (too many windows) or the filters are bad (error set). */
static IngestGraph *
live_graph (WebLiveViews *self, const WebViewState *state, const IngestViewSpec *spec,
            gboolean *bad, GError **error)
{
  g_autofree char *groups = spec->groups != NULL ? g_strjoinv ("\x1f", (char **) spec->groups) : NULL;
  g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT "|%s|%s|%s|%d", state->window_ns,
                                          spec->actor_filter ? spec->actor_filter : "",
                                          spec->label_filter ? spec->label_filter : "",
                                          groups ? groups : "", spec->expand_threads);
  LiveEntry *e = g_hash_table_lookup (self->windows, key);

  *bad = FALSE;
  if (e == NULL)
    {
      if (g_hash_table_size (self->windows) >= LIVE_MAX_WINDOWS)
        return NULL;
      IngestGraphWindow *w = ingest_graph_window_new (self->store, spec, error);
      if (w == NULL)
        {
          *bad = TRUE;
          return NULL;
        }
      e = g_new0 (LiveEntry, 1);
      e->graph = w;
      g_hash_table_insert (self->windows, g_steal_pointer (&key), e);
    }
  e->used_us = g_get_monotonic_time ();
  /* A filter too expensive to match fails the window for good; it stays
   * cached so later frames fail at once. */
  ingest_graph_window_advance (e->graph, spec->from_ns);
  if (ingest_graph_window_check (e->graph, error))
    {
      IngestGraph *g = ingest_graph_window_dup_graph (e->graph);
      if (ingest_graph_window_check (e->graph, error))
        return g;
      ingest_graph_free (g);
    }
  *bad = TRUE;
  return NULL;
}

/* The follow-live timeline of state (timeline and sequence views share
 * it), advanced to [from_ns rounded down to a bucket, latest]; NULL when it
 * can't be kept (too many windows) or the filters are bad (error set). */
static IngestTimeline *
live_timeline (WebLiveViews *self, const WebViewState *state, const IngestViewSpec *spec,
               gboolean *bad, GError **error)
{
  g_autofree char *groups = spec->groups != NULL ? g_strjoinv ("\x1f", (char **) spec->groups) : NULL;
  g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT "|%s|%s|%s|%u|%d", state->window_ns,
                                          spec->actor_filter ? spec->actor_filter : "",
                                          spec->label_filter ? spec->label_filter : "",
                                          groups ? groups : "", spec->max_items, spec->expand_threads);
  LiveEntry *e = g_hash_table_lookup (self->timelines, key);

  *bad = FALSE;
  if (state->window_ns <= 0)
    return NULL;
  if (e == NULL)
    {
      if (g_hash_table_size (self->timelines) >= LIVE_MAX_WINDOWS)
        return NULL;
      IngestTimelineWindow *w = ingest_timeline_window_new (self->store, spec, state->window_ns, error);
      if (w == NULL)
        {
          *bad = TRUE;
          return NULL;
        }
      e = g_new0 (LiveEntry, 1);
      e->timeline = w;
      g_hash_table_insert (self->timelines, g_steal_pointer (&key), e);
    }
  e->used_us = g_get_monotonic_time ();
  ingest_timeline_window_advance (e->timeline, spec->from_ns);
  if (ingest_timeline_window_check (e->timeline, error))
    {
      IngestTimeline *tl = ingest_timeline_window_dup_timeline (e->timeline);
      if (ingest_timeline_window_check (e->timeline, error))
        return tl;
      ingest_timeline_free (tl);
    }
  *bad = TRUE;
  return NULL;
}

WebViewCache *
web_view_cache_new (void)
{
  WebViewCache *self = g_new0 (WebViewCache, 1);

  self->graphs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) ingest_graph_free);
  self->timelines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) ingest_timeline_free);
  return self;
}

void
web_view_cache_set_frame_budget (WebViewCache *self, gsize budget)
{
  g_return_if_fail (self != NULL);
  self->frame_budget = budget;
}

void
web_view_cache_free (WebViewCache *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->graphs);
  g_hash_table_unref (self->timelines);
  g_free (self);
}

/* What a view of the store depends on (not kind, size or theme); graphs
 * ignore max_items (the timeline's level of detail). */
static char *
spec_key (const IngestViewSpec *spec, gboolean for_graph)
{
  g_autofree char *groups = spec->groups != NULL ? g_strjoinv ("\x1f", (char **) spec->groups) : NULL;

  return g_strdup_printf ("%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|%s|%s|%s|%u|%d",
                          spec->from_ns, spec->to_ns,
                          spec->actor_filter ? spec->actor_filter : "",
                          spec->label_filter ? spec->label_filter : "",
                          groups ? groups : "", for_graph ? 0 : spec->max_items, spec->expand_threads);
}

/* The kept view data of a fixed window under key, while its stamp holds
 * (a stale one goes); NULL when none. Borrowed. */
static LiveEntry *
fixed_lookup (WebLiveViews *self, const char *key)
{
  LiveEntry *e = g_hash_table_lookup (self->fixed, key);

  if (e == NULL)
    return NULL;
  if (!ingest_view_stamp_holds (&e->stamp, self->store))
    {
      g_hash_table_remove (self->fixed, key);
      return NULL;
    }
  e->used_us = g_get_monotonic_time ();
  return e;
}

/* Keeps the view data of spec's fixed window, just built from the store
 * as it is, under key; takes graph or timeline and returns TRUE, or takes
 * nothing when LIVE_MAX_FIXED are kept. */
static gboolean
fixed_keep (WebLiveViews *self, const char *key, const IngestViewSpec *spec, IngestGraph *graph,
            IngestTimeline *timeline)
{
  LiveEntry *e;

  if (g_hash_table_size (self->fixed) >= LIVE_MAX_FIXED && !g_hash_table_contains (self->fixed, key))
    return FALSE;
  e = g_new0 (LiveEntry, 1);
  e->fixed_graph = graph;
  e->fixed_timeline = timeline;
  ingest_view_stamp_take (&e->stamp, self->store, spec);
  e->used_us = g_get_monotonic_time ();
  g_hash_table_replace (self->fixed, g_strdup (key), e);
  return TRUE;
}

/* ---- frames detached from the store ------------------------------------ */

struct _WebFrameInput {
  WebViewState state;        /* a copy */
  IngestViewSpec spec;       /* borrows state's strings */
  /* Detached view data: the graph of a graph view, the timeline of a
   * timeline or sequence view (its lanes give the table its rates, so
   * these views keep no sliding graph besides their timeline). */
  IngestGraph *graph;
  IngestTimeline *timeline;
  RenderColumnTable *rows;   /* owned: the table's rows of this view */
  json_t *overview;          /* owned, or NULL */
  RenderGraphPositions *previous;  /* graph views of a server: a copy */
  RenderGraphPositions *positions; /* ... and what the rendering computed */
  char *positions_key;
  guint64 n_events, n_actors, n_messages, n_spans; /* messages: spans not included */
  IngestStoreCounters counters;
  guint64 retained_events;   /* retained away since start (ingest_store_get_retained()) */
  gint64 range_lo, range_hi;
  gsize svg_budget;          /* the SVG's byte budget (the cache's) */
};

static void
state_copy (WebViewState *dst, const WebViewState *src)
{
  *dst = *src;
  dst->actor_filter = g_strdup (src->actor_filter);
  dst->label_filter = g_strdup (src->label_filter);
  dst->groups = g_strdupv (src->groups);
  dst->pinned = g_strdupv (src->pinned);
}

void
web_frame_input_free (WebFrameInput *self)
{
  if (self == NULL)
    return;
  web_view_state_clear (&self->state);
  ingest_graph_free (self->graph);
  ingest_timeline_free (self->timeline);
  render_column_table_free (self->rows);
  if (self->overview != NULL)
    json_decref (self->overview);
  render_graph_positions_free (self->previous);
  render_graph_positions_free (self->positions);
  g_free (self->positions_key);
  g_free (self);
}

/* The view data of spec for state: from the round's cache, the live
 * windows or the store (borrowed from the cache when there is one, else
 * owned through *owned). NULL with error set for bad filters. */
static IngestGraph *
frame_graph (IngestStore *store, const WebViewState *state, const IngestViewSpec *spec,
             WebViewCache *cache, IngestGraph **owned, GError **error)
{
  g_autofree char *key = cache != NULL ? spec_key (spec, TRUE) : NULL;
  g_autofree char *fixed_key = NULL;
  IngestGraph *graph = cache != NULL ? g_hash_table_lookup (cache->graphs, key) : NULL;
  g_autoptr(IngestGraph) built = NULL;

  if (graph != NULL)
    return graph;
  if (cache != NULL && cache->live != NULL && state->follow)
    {
      gboolean bad = FALSE;
      built = live_graph (cache->live, state, spec, &bad, error);
      if (bad)
        return NULL;
    }
  else if (cache != NULL && cache->live != NULL)
    {
      LiveEntry *kept;

      fixed_key = g_strconcat ("g", key, NULL);
      if ((kept = fixed_lookup (cache->live, fixed_key)) != NULL && kept->fixed_graph != NULL)
        return kept->fixed_graph;
    }
  if (built == NULL)
    built = ingest_graph_build (store, spec, error);
  if (built == NULL)
    return NULL;
  if (fixed_key != NULL && fixed_keep (cache->live, fixed_key, spec, built, NULL))
    return g_steal_pointer (&built); /* now the kept entry's */
  if (cache == NULL)
    return *owned = g_steal_pointer (&built);
  graph = built;
  g_hash_table_insert (cache->graphs, g_steal_pointer (&key), g_steal_pointer (&built));
  return graph;
}

static IngestTimeline *
frame_timeline (IngestStore *store, const WebViewState *state, const IngestViewSpec *spec,
                WebViewCache *cache, IngestTimeline **owned, GError **error)
{
  g_autofree char *key = cache != NULL ? spec_key (spec, FALSE) : NULL;
  g_autofree char *fixed_key = NULL;
  IngestTimeline *timeline = cache != NULL ? g_hash_table_lookup (cache->timelines, key) : NULL;
  g_autoptr(IngestTimeline) built = NULL;

  if (timeline != NULL)
    return timeline;
  if (cache != NULL && cache->live != NULL && state->follow)
    {
      gboolean bad = FALSE;
      built = live_timeline (cache->live, state, spec, &bad, error);
      if (bad)
        return NULL;
    }
  else if (cache != NULL && cache->live != NULL)
    {
      LiveEntry *kept;

      fixed_key = g_strconcat ("t", key, NULL);
      if ((kept = fixed_lookup (cache->live, fixed_key)) != NULL && kept->fixed_timeline != NULL)
        return kept->fixed_timeline;
    }
  if (built == NULL)
    built = ingest_timeline_build (store, spec, error);
  if (built == NULL)
    return NULL;
  if (fixed_key != NULL && fixed_keep (cache->live, fixed_key, spec, NULL, built))
    return g_steal_pointer (&built); /* now the kept entry's */
  if (cache == NULL)
    return *owned = g_steal_pointer (&built);
  timeline = built;
  g_hash_table_insert (cache->timelines, g_steal_pointer (&key), g_steal_pointer (&built));
  return timeline;
}

WebFrameInput *
web_frame_input_new (IngestStore *store, const WebViewState *state, const WebActivity *activity,
                     WebViewCache *cache, GError **error)
{
  g_autoptr(IngestGraph) owned_graph = NULL;
  g_autoptr(IngestTimeline) owned_timeline = NULL;
  g_autoptr(WebFrameInput) self = NULL;
  const IngestGraph *graph = NULL;
  const IngestTimeline *timeline = NULL;
  gint64 from_ns, to_ns;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (state != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (WebFrameInput, 1);
  state_copy (&self->state, state);
  web_view_state_window (state, store, &from_ns, &to_ns);
  web_view_state_to_spec (&self->state, from_ns, to_ns, &self->spec);

  if (state->kind != RENDER_VIEW_GRAPH)
    {
      timeline = frame_timeline (store, state, &self->spec, cache, &owned_timeline, error);
      if (timeline == NULL)
        return NULL;
      self->timeline = ingest_timeline_dup_detached (timeline);
    }
  else
    {
      graph = frame_graph (store, state, &self->spec, cache, &owned_graph, error);
      if (graph == NULL)
        return NULL;
      self->graph = ingest_graph_dup_detached (graph);
    }
  if (state->kind == RENDER_VIEW_GRAPH && cache != NULL && cache->live != NULL)
    {
      self->positions_key = positions_key (state, &self->spec);
      LivePositions *kept = live_positions (cache->live, self->positions_key);
      if (kept != NULL)
        {
          self->previous = render_graph_positions_copy (kept->xy);
          self->positions = render_graph_positions_new ();
        }
    }
  self->svg_budget = cache != NULL && cache->frame_budget > 0 ? cache->frame_budget
                                                             : WEB_FRAME_DEFAULT_BUDGET;
  /* The table's rows are the view's nodes: a graph's nodes or a
   * timeline's lanes (both count what each actor did in the window, with
   * the view's filters and groups). */
  if (graph != NULL)
    self->rows = render_column_table_build (store, graph, WEB_FRAME_MAX_TABLE_ROWS);
  else
    self->rows = render_column_table_build_nodes (store, timeline->lanes, timeline->from_ns,
                                                  timeline->to_ns, WEB_FRAME_MAX_TABLE_ROWS);
  self->overview = activity != NULL ? web_activity_to_json (activity, 240) : NULL;
  self->n_events = ingest_store_n_events (store);
  self->n_actors = ingest_store_n_actors (store);
  self->n_spans = ingest_store_n_spans (store);
  self->n_messages = ingest_store_n_messages (store) - self->n_spans;
  self->counters = *ingest_store_counters (store);
  {
    IngestStoreRetained retained;
    ingest_store_get_retained (store, &retained);
    self->retained_events = retained.events;
  }
  ingest_store_time_range (store, &self->range_lo, &self->range_hi);
  return g_steal_pointer (&self);
}

/* Bytes of the frame after its first part (size, detail, a timeline's
 * axis: five doubles of up to 24 characters and their keys, the SVG's key
 * and quotes), reserved when the SVG's room is worked out. */
#define FRAME_TAIL_RESERVE 512
/* The SVG gets at least this much room, whatever the rest takes. */
#define WEB_FRAME_MIN_SVG_ROOM (8 * 1024)
/* How much longer render-svg's output gets as a JSON string: a backslash
 * before each attribute's two double quotes, about one byte in fifteen in
 * the frames of bench-serve. */
#define SVG_ESCAPE_GROWTH 1.08

/* Drops the last (least busy) rows of the actor table until its JSON
 * text takes at most max_bytes. */
static void
table_fit (json_t *rows, gsize max_bytes)
{
  gsize len = json_dumpb (rows, NULL, 0, JSON_COMPACT | JSON_ENSURE_ASCII);

  while (len > max_bytes && json_array_size (rows) > 0)
    {
      gsize n = json_array_size (rows);
      gsize keep = (gsize) ((double) n * max_bytes / len * 0.95);

      keep = MIN (keep, n - 1);
      while (json_array_size (rows) > keep)
        json_array_remove (rows, json_array_size (rows) - 1);
      len = json_dumpb (rows, NULL, 0, JSON_COMPACT | JSON_ENSURE_ASCII);
    }
}

/* Length of text as a JSON string body written by append_json_string. */
static gsize
json_string_escaped_len (const char *text, gsize len)
{
  gsize n = 2;

  for (gsize i = 0; i < len; i++)
    {
      guchar ch = (guchar) text[i];
      if (ch == '"' || ch == '\\')
        n += 2;
      else if (ch < 0x20 || (ch >= 0xC0 && ch < 0xF0))
        n += 6; /* \uXXXX, counted at the lead byte */
      else if (ch >= 0xF0)
        n += 12; /* a surrogate pair */
      else if (ch < 0x80)
        n++;
    }
  return n;
}

/* Appends text as a JSON string the way web_protocol_dump writes strings
 * (ASCII only: \u escapes, surrogate pairs beyond the BMP). text is
 * render-svg's output, valid UTF-8; anything invalid becomes U+FFFD. */
static void
append_json_string (GString *out, const char *text, gsize len)
{
  const char *p = text, *end = text + len;

  g_string_append_c (out, '"');
  while (p < end)
    {
      const char *run = p;
      while (p < end && (guchar) *p >= 0x20 && (guchar) *p < 0x80 && *p != '"' && *p != '\\')
        p++;
      g_string_append_len (out, run, p - run);
      if (p >= end)
        break;
      guchar ch = (guchar) *p;
      if (ch == '"' || ch == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) ch);
          p++;
        }
      else if (ch < 0x20)
        {
          switch (ch)
            {
            case '\n': g_string_append (out, "\\n"); break;
            case '\t': g_string_append (out, "\\t"); break;
            case '\r': g_string_append (out, "\\r"); break;
            default: g_string_append_printf (out, "\\u%04x", ch); break;
            }
          p++;
        }
      else
        {
          gunichar u = g_utf8_get_char_validated (p, end - p);
          if (u == (gunichar) -1 || u == (gunichar) -2)
            {
              u = 0xFFFD;
              p++;
            }
          else
            p = g_utf8_next_char (p);
          if (u >= 0x10000)
            {
              u -= 0x10000;
              g_string_append_printf (out, "\\u%04x\\u%04x", 0xD800 + (u >> 10), 0xDC00 + (u & 0x3FF));
            }
          else
            g_string_append_printf (out, "\\u%04x", u);
        }
    }
  g_string_append_c (out, '"');
}

/* A double as jansson writes a real (shortest form that reads back). */
static void
append_json_double (GString *out, double v)
{
  json_t *j = json_real (isfinite (v) ? v : 0);
  char buf[64];
  gsize n = json_dumpb (j, buf, sizeof buf, JSON_ENCODE_ANY);

  json_decref (j);
  g_string_append_len (out, buf, (gssize) MIN (n, sizeof buf));
}

/* The sequence chart's rows in a frame: at most this many (every k-th row
 * and the last beyond it; the page interpolates between them), each up to
 * about 32 bytes written, reserved with the tail. */
#define WEB_FRAME_MAX_ROW_TIMES 512
#define ROW_TIMES_RESERVE (WEB_FRAME_MAX_ROW_TIMES * 32 + 64)

/* A number with a fixed count of decimals, whatever the locale. */
static void
append_fixed (GString *out, const char *format, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (buf, sizeof buf, format, isfinite (v) ? v : 0));
}

/* ,"row_times":{"t0_ms":T,"y":[...],"dt_ms":[...]}: where the sequence
 * chart's rows are drawn (scene y) and their times (ms after t0_ms), so
 * the page maps a drag down the chart to a time range. Its time axis is
 * not linear in y; rows are. */
static void
append_row_times (GString *out, const GArray *rows)
{
  guint n = rows->len, stride = (n + WEB_FRAME_MAX_ROW_TIMES - 2) / (WEB_FRAME_MAX_ROW_TIMES - 1);
  gint64 t0 = n ? g_array_index (rows, RenderRowTime, 0).t_ns : 0;
  g_autoptr(GArray) pick = g_array_new (FALSE, FALSE, sizeof (guint));

  stride = MAX (stride, 1u);
  for (guint k = 0; k < n; k += stride)
    g_array_append_val (pick, k);
  if (n > 0 && g_array_index (pick, guint, pick->len - 1) != n - 1)
    {
      guint last = n - 1;
      g_array_append_val (pick, last);
    }
  g_string_append (out, ",\"row_times\":{\"t0_ms\":");
  append_json_double (out, ms (t0));
  g_string_append (out, ",\"y\":[");
  for (guint i = 0; i < pick->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      append_fixed (out, "%.1f", g_array_index (rows, RenderRowTime, g_array_index (pick, guint, i)).y);
    }
  g_string_append (out, "],\"dt_ms\":[");
  for (guint i = 0; i < pick->len; i++)
    {
      const RenderRowTime *r = &g_array_index (rows, RenderRowTime, g_array_index (pick, guint, i));
      if (i > 0)
        g_string_append_c (out, ',');
      append_fixed (out, "%.3f", render_ticks_diff (t0, r->t_ns) / 1e6);
    }
  g_string_append (out, "]}");
}

/* The frame without its tail (size, detail, axis, svg): everything but the
 * picture, the table within table_bytes. Returns compact JSON ending in
 * '}' (g_free), or NULL with error. */
static char *
frame_head (WebFrameInput *self, gint64 window_from, gint64 window_to, gsize table_bytes, GError **error)
{
  const WebViewState *state = &self->state;
  json_t *frame, *rows;
  char *head;

  rows = table_json (self->rows);
  table_fit (rows, table_bytes);
  frame = json_pack ("{s:s, s:I, s:o, s:{s:f, s:f}, s:{s:f, s:f}, s:o, s:O?, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
                     "type", "frame",
                     "events", (json_int_t) self->n_events,
                     "view", web_view_state_to_json (state),
                     "window", "from_ms", ms (window_from), "to_ms", ms (window_to),
                     "range", "from_ms", ms (self->range_lo), "to_ms", ms (self->range_hi),
                     "actors", rows,
                     "overview", self->overview,
                     "counters", "actors", (json_int_t) self->n_actors,
                     "messages", (json_int_t) self->n_messages,
                     "spans", (json_int_t) self->n_spans,
                     "skipped", (json_int_t) self->counters.skipped_records,
                     "lost", (json_int_t) self->counters.lost_events,
                     "lost_before_attach", (json_int_t) self->counters.lost_before_attach,
                     "duplicates", (json_int_t) self->counters.duplicate_events,
                     "unmatched", (json_int_t) self->counters.unmatched,
                     "retained", (json_int_t) self->retained_events);
  if (frame != NULL)
    {
      /* The table's columns and what it covers, for its headers. */
      g_autofree char *table_scope = render_column_table_scope_text (self->rows);
      json_object_set_new (frame, "columns", columns_json ());
      json_object_set_new (frame, "table_scope", json_string (table_scope));
    }
  head = frame != NULL ? web_protocol_dump (frame) : NULL;
  if (head == NULL || head[0] != '{' || head[strlen (head) - 1] != '}')
    {
      g_free (head);
      g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
                   "could not build the frame");
      return NULL;
    }
  return head;
}

/* Lays the picture out within room bytes of JSON string (built, cleared
 * first); svg_json: its escaped length. */
static gboolean
build_svg (RenderViewRequest *request, gsize room, RenderViewResult *built, gsize *svg_json, GError **error)
{
  /* In the frame the SVG is a JSON string: every double quote of its
   * attributes gains a backslash, so its budget starts that much under
   * the room, and one more layout follows in the rare case the escaped
   * text still does not fit. */
  request->svg_budget = (gsize) (room / SVG_ESCAPE_GROWTH);
  for (guint attempt = 0;; attempt++)
    {
      render_view_result_clear (built);
      memset (built, 0, sizeof *built);
      if (!render_view_build (NULL, request, built, error))
        return FALSE;
      *svg_json = json_string_escaped_len (built->svg->str, built->svg->len);
      if (*svg_json <= room || attempt > 0 || request->svg_budget <= WEB_FRAME_MIN_SVG_ROOM)
        return TRUE;
      request->svg_budget = MAX (WEB_FRAME_MIN_SVG_ROOM,
                                 (gsize) ((double) request->svg_budget * room / *svg_json * 0.95));
    }
}

char *
web_frame_input_render (WebFrameInput *self, RenderScene **scene_out, GError **error)
{
  g_autoptr(RenderScene) scene = NULL;
  g_autoptr(GString) svg = NULL;
  const WebViewState *state;
  RenderLayoutOptions lopts = { 0 };
  const IngestGraph *graph;
  gint64 window_from, window_to;
  double scene_w = 0, scene_h = 0;
  char *head;
  gsize head_len, tail_reserve, room, svg_json, table_bytes, budget = self != NULL ? self->svg_budget : 0;
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  state = &self->state;
  graph = self->graph;

  lopts.theme = state->theme;
  lopts.width = state->width;
  lopts.height = state->kind == RENDER_VIEW_GRAPH ? state->height : 0;
  lopts.max_elements = 2000; /* keeps frames small enough for 10/s */
  lopts.seed = 1;
  lopts.header_every = G_MAXINT; /* the page keeps the one header in view (sticky) */
  lopts.previous = self->previous;
  lopts.positions_out = self->positions;

  window_from = graph != NULL ? graph->from_ns : self->timeline->from_ns;
  window_to = graph != NULL ? graph->to_ns : self->timeline->to_ns;

  /* Everything but the picture first: the SVG gets what it leaves of the
   * frame budget. The table takes at most 3/5 of it (busiest rows
   * first); the rest is small (the overview has at most 240 bins). */
  table_bytes = budget / 5 * 3;
  head = frame_head (self, window_from, window_to, table_bytes, error);
  if (head == NULL)
    return NULL;
  head_len = strlen (head);
  tail_reserve = FRAME_TAIL_RESERVE + (state->kind == RENDER_VIEW_SEQUENCE ? ROW_TIMES_RESERVE : 0);
  room = budget > head_len + tail_reserve + WEB_FRAME_MIN_SVG_ROOM
           ? budget - head_len - tail_reserve : WEB_FRAME_MIN_SVG_ROOM;

  /* The data is detached: the build only lays out, and reads no store; it
   * keeps the SVG within its budget and hands it over (written once). */
  RenderViewRequest request = { .kind = state->kind, .spec = &self->spec, .graph = graph,
                                .pinned = (const char *const *) state->pinned,
                                .timeline = self->timeline, .layout = lopts, .keep_svg = TRUE };
  g_auto(RenderViewResult) built = { 0 };
  if (!build_svg (&request, room, &built, &svg_json, error))
    {
      g_free (head);
      return NULL;
    }
  /* The picture is what the page is for: when even its fixed part (200
   * graph nodes, say) did not fit beside a table at its full share, the
   * table gives way to 1/5 of the budget (its least busy rows dropped)
   * and the picture is laid out again in the room that leaves. */
  if (built.max_elements == 0 && budget > 0 && head_len > budget / 5 + tail_reserve)
    {
      char *smaller = frame_head (self, window_from, window_to, budget / 5, error);
      if (smaller == NULL)
        {
          g_free (head);
          return NULL;
        }
      g_free (head);
      head = smaller;
      head_len = strlen (head);
      room = budget > head_len + tail_reserve + WEB_FRAME_MIN_SVG_ROOM
               ? budget - head_len - tail_reserve : WEB_FRAME_MIN_SVG_ROOM;
      if (!build_svg (&request, room, &built, &svg_json, error))
        {
          g_free (head);
          return NULL;
        }
    }
  scene = g_steal_pointer (&built.scene);
  svg = g_steal_pointer (&built.svg);
  render_scene_get_size (scene, &scene_w, &scene_h);

  /* The tail: size, level of detail and the SVG, escaped here in one
   * pass (jansson would check and copy the 200 KB string twice). */
  out = g_string_sized_new (head_len + svg_json + tail_reserve);
  g_string_append_len (out, head, (gssize) head_len - 1);
  g_free (head);
  g_string_append_printf (out, ",\"size\":{\"width\":");
  append_json_double (out, scene_w);
  g_string_append (out, ",\"height\":");
  append_json_double (out, scene_h);
  /* How much was drawn: the page says so when detail was reduced. */
  g_string_append_printf (out, "},\"detail\":{\"reduced\":%s,\"max_elements\":%" G_GSIZE_FORMAT
                          ",\"svg_bytes\":%" G_GSIZE_FORMAT ",\"budget\":%" G_GSIZE_FORMAT "}",
                          built.reduced ? "true" : "false", (gsize) built.max_elements,
                          (gsize) built.svg_bytes, budget);
  /* The timeline's time axis: the page maps the pointer to a time with it
   * (zoom around the pointer, range selection on the ruler). */
  if (built.axis.valid)
    {
      g_string_append (out, ",\"axis\":{\"from_ms\":");
      append_json_double (out, ms (built.axis.from_ns));
      g_string_append (out, ",\"to_ms\":");
      append_json_double (out, ms (built.axis.to_ns));
      g_string_append (out, ",\"x0\":");
      append_json_double (out, built.axis.x0);
      g_string_append (out, ",\"x1\":");
      append_json_double (out, built.axis.x1);
      g_string_append (out, ",\"height\":");
      append_json_double (out, built.axis.height);
      g_string_append_c (out, '}');
    }
  if (built.rows != NULL && built.rows->len > 0)
    append_row_times (out, built.rows);
  g_string_append (out, ",\"svg\":");
  append_json_string (out, svg->str, svg->len);
  g_string_append_c (out, '}');
  if (scene_out != NULL)
    *scene_out = g_steal_pointer (&scene);
  return g_string_free (out, FALSE);
}

void
web_frame_input_keep_positions (WebFrameInput *self, WebLiveViews *live)
{
  LivePositions *kept;

  g_return_if_fail (self != NULL);
  if (live == NULL || self->positions_key == NULL || self->positions == NULL)
    return;
  kept = live_positions (live, self->positions_key);
  if (kept == NULL)
    return;
  render_graph_positions_free (kept->xy);
  kept->xy = g_steal_pointer (&self->positions);
}

char *
web_frame_build (IngestStore *store, const WebViewState *state, const WebActivity *activity,
                 WebViewCache *cache, RenderScene **scene_out, GError **error)
{
  g_autoptr(WebFrameInput) input = NULL;
  char *text;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (state != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  input = web_frame_input_new (store, state, activity, cache, error);
  if (input == NULL)
    return NULL;
  text = web_frame_input_render (input, scene_out, error);
  if (text != NULL)
    web_frame_input_keep_positions (input, cache != NULL ? cache->live : NULL);
  return text;
}

/* ---- details ---------------------------------------------------------- */

static IngestActorId
resolve_actor (IngestStore *store, const char *id)
{
  char *end = NULL;
  guint64 n;
  IngestActorId byname = ingest_store_find_actor (store, id);

  /* Names first: an actor may well be called "42". "#N" is an actor id. */
  if (byname != 0)
    return byname;
  if (id[0] != '#')
    return 0;
  n = g_ascii_strtoull (id + 1, &end, 10);
  if (end != id + 1 && *end == '\0' && n >= 1 && n <= ingest_store_n_actors (store))
    return (IngestActorId) n;
  return 0;
}

static json_t *
time_json (IngestStore *store, IngestSeq seq)
{
  const IngestEvent *ev = seq != INGEST_SEQ_NONE ? ingest_store_event (store, seq) : NULL;
  return ev != NULL ? json_real (ms (ev->time_ns)) : json_null ();
}

static gint64
seq_time (IngestStore *store, IngestSeq seq, gboolean *ok)
{
  const IngestEvent *ev = seq != INGEST_SEQ_NONE ? ingest_store_event (store, seq) : NULL;
  *ok = ev != NULL;
  return ev != NULL ? ev->time_ns : 0;
}

static json_t *
duration_json (IngestStore *store, IngestSeq a, IngestSeq b)
{
  gboolean ok_a, ok_b;
  gint64 ta = seq_time (store, a, &ok_a), tb = seq_time (store, b, &ok_b);
  return ok_a && ok_b ? json_real (ms (tb - ta)) : json_null ();
}

/* Payload bytes are the least trusted strings we send: make sure they are
 * valid UTF-8 before jansson sees them (it refuses anything else). */
static json_t *
utf8_json (const char *text)
{
  if (g_utf8_validate (text, -1, NULL))
    return json_string (text);
  {
    g_autofree char *valid = g_utf8_make_valid (text, -1);
    return json_string (valid);
  }
}

static json_t *
message_brief (IngestStore *store, IngestMessageId id)
{
  const IngestMessage *m = id != 0 ? ingest_store_message (store, id) : NULL;

  if (m == NULL)
    return json_null ();
  return json_pack ("{s:I, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t) id,
                    "key", ingest_store_atom (store, m->key),
                    "label", ingest_store_atom (store, m->label),
                    "from", m->from ? ingest_store_actor_name (store, m->from) : "",
                    "to", m->to ? ingest_store_actor_name (store, m->to) : "",
                    "send_ms", time_json (store, m->send_seq));
}

static json_t *
message_details (IngestStore *store, IngestMessageId id)
{
  const IngestMessage *m = ingest_store_message (store, id);
  const IngestMessage *resp = m->response ? ingest_store_message (store, m->response) : NULL;
  const IngestMessage *req = m->in_reply_to ? ingest_store_message (store, m->in_reply_to) : NULL;
  json_t *round_trip;

  /* Round trip: the request's send to its response's receipt, whichever
   * of the pair was clicked. */
  if (resp != NULL)
    round_trip = duration_json (store, m->send_seq, resp->receive_seq);
  else if (req != NULL)
    round_trip = duration_json (store, req->send_seq, m->receive_seq);
  else
    round_trip = json_null ();
  return json_pack ("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                    "class", "message", "id", (json_int_t) id,
                    "key", ingest_store_atom (store, m->key),
                    "label", ingest_store_atom (store, m->label),
                    "from", m->from ? ingest_store_actor_name (store, m->from) : "",
                    "to", m->to ? ingest_store_actor_name (store, m->to) : "",
                    "reply_to", m->reply_to ? ingest_store_actor_name (store, m->reply_to) : "",
                    "size", (json_int_t) m->size,
                    "payload", utf8_json (ingest_store_payload (store, m->payload)),
                    "send_ms", time_json (store, m->send_seq),
                    "receive_ms", time_json (store, m->receive_seq),
                    "done_ms", time_json (store, m->done_seq),
                    "mailbox_ms", duration_json (store, m->send_seq, m->receive_seq),
                    "processing_ms", duration_json (store, m->receive_seq, m->done_seq),
                    "round_trip_ms", round_trip,
                    "request", message_brief (store, m->in_reply_to),
                    "response", message_brief (store, m->response));
}

static json_t *
actor_details (IngestStore *store, IngestActorId id)
{
  const IngestActor *a = ingest_store_actor (store, id);
  IngestActorStats st;

  ingest_store_actor_stats (store, id, &st);
  return json_pack ("{s:s, s:I, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o}",
                    "class", "actor", "id", (json_int_t) id,
                    "name", ingest_store_actor_name (store, id),
                    "kind", ingest_actor_kind_to_string (a->kind),
                    "parent", a->parent ? ingest_store_actor_name (store, a->parent) : "",
                    "alive", a->alive,
                    "sent", (json_int_t) st.sent, "received", (json_int_t) st.received,
                    "processed", (json_int_t) st.processed, "errors", (json_int_t) st.errors,
                    "crashes", (json_int_t) st.crashes, "mailbox", (json_int_t) st.mailbox_depth,
                    "mailbox_max", (json_int_t) st.mailbox_depth_max,
                    "unanswered", (json_int_t) st.unanswered,
                    "first_ms", st.first_ns || st.last_ns ? json_real (ms (st.first_ns)) : json_null (),
                    "last_ms", st.first_ns || st.last_ns ? json_real (ms (st.last_ns)) : json_null (),
                    "mailbox_latency", latency_json (&st.mailbox),
                    "processing", latency_json (&st.processing),
                    "round_trip", latency_json (&st.round_trip));
}

static json_t *
edge_details (IngestStore *store, IngestActorId from, IngestActorId to)
{
  gsize n = 0;
  g_autofree IngestEdgeStats *edges = ingest_store_dup_edges (store, &n);

  for (gsize i = 0; i < n; i++)
    if (edges[i].from == from && edges[i].to == to)
      {
        IngestEdgeStats *e = &edges[i];
        return json_pack ("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:f, s:f, s:o, s:o, s:o}",
                          "class", "edge",
                          "from", ingest_store_actor_name (store, from),
                          "to", ingest_store_actor_name (store, to),
                          "count", (json_int_t) e->count, "received", (json_int_t) e->received,
                          "dropped", (json_int_t) e->dropped, "bytes", (json_int_t) e->bytes,
                          "top_label", ingest_store_atom (store, e->top_label),
                          "first_ms", ms (e->first_ns), "last_ms", ms (e->last_ns),
                          "mailbox_latency", latency_json (&e->mailbox),
                          "processing", latency_json (&e->processing),
                          "round_trip", latency_json (&e->round_trip));
      }
  return NULL;
}

/* "<prefix><N>" ids of the layouts (e.g. "span12"): N, or FALSE. */
static gboolean
parse_index (const char *id, const char *prefix, guint *out)
{
  gsize plen = strlen (prefix);
  char *end = NULL;
  guint64 n;

  if (strncmp (id, prefix, plen) != 0 || !g_ascii_isdigit (id[plen]))
    return FALSE;
  n = g_ascii_strtoull (id + plen, &end, 10);
  if (*end != '\0' || n > G_MAXUINT)
    return FALSE;
  *out = (guint) n;
  return TRUE;
}

/* The graph layout's edge ids: "e<from node>-<to node>". */
static gboolean
parse_edge_id (const char *id, guint *from, guint *to)
{
  char *end = NULL;
  guint64 a, b;

  if (id[0] != 'e' || !g_ascii_isdigit (id[1]))
    return FALSE;
  a = g_ascii_strtoull (id + 1, &end, 10);
  if (*end != '-' || !g_ascii_isdigit (end[1]))
    return FALSE;
  b = g_ascii_strtoull (end + 1, &end, 10);
  if (*end != '\0' || a > G_MAXUINT || b > G_MAXUINT)
    return FALSE;
  *from = (guint) a;
  *to = (guint) b;
  return TRUE;
}

static const char *
lane_name (const IngestTimeline *tl, guint lane)
{
  return lane < tl->lanes->len ? g_array_index (tl->lanes, IngestViewNode, lane).name : "";
}

/* One edge of the graph the client was looking at: window figures (rate,
 * pending) that the store's all-time totals can't give, plus those totals
 * when both ends are single actors. */
static json_t *
view_edge_details (IngestStore *store, const IngestGraph *graph, guint from, guint to)
{
  for (guint i = 0; i < graph->edges->len; i++)
    {
      const IngestViewEdge *e = &g_array_index (graph->edges, IngestViewEdge, i);
      const IngestViewNode *f, *t;
      json_t *d, *total = NULL;

      if (e->from != from || e->to != to || from >= graph->nodes->len || to >= graph->nodes->len)
        continue;
      f = &g_array_index (graph->nodes, IngestViewNode, from);
      t = &g_array_index (graph->nodes, IngestViewNode, to);
      if (!f->is_group && !t->is_group)
        total = edge_details (store, f->actor, t->actor);
      d = json_pack ("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:s, s:f, s:f, s:o, s:o}",
                     "class", "edge", "from", f->name, "to", t->name,
                     "count", (json_int_t) e->count, "received", (json_int_t) e->received,
                     "dropped", (json_int_t) e->dropped, "pending", (json_int_t) e->pending,
                     "bytes", (json_int_t) e->bytes, "rate", e->rate_per_s,
                     "top_label", ingest_store_atom (store, e->top_label),
                     "window_from_ms", ms (graph->from_ns), "window_to_ms", ms (graph->to_ns),
                     "mailbox_latency", latency_json (&e->mailbox),
                     "round_trip", latency_json (&e->round_trip));
      if (total != NULL)
        {
          /* json_object_set takes its own references. */
          json_object_set (d, "processing", json_object_get (total, "processing"));
          json_object_set (d, "total", json_object_get (total, "count"));
          json_decref (total);
        }
      return d;
    }
  return NULL;
}

/* A group node of the view (an actor filter folded several actors). */
static json_t *
group_details (const IngestViewNode *n)
{
  return json_pack ("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
                    "class", "group", "name", n->name,
                    "kind", ingest_actor_kind_to_string (n->kind),
                    "members", (json_int_t) n->n_members,
                    "sent", (json_int_t) n->sent, "received", (json_int_t) n->received,
                    "errors", (json_int_t) n->errors, "crashes", (json_int_t) n->crashes,
                    "mailbox_max", (json_int_t) n->mailbox_depth_max,
                    "mailbox_latency", latency_json (&n->mailbox),
                    "processing", latency_json (&n->processing));
}

static json_t *
timeline_item_details (IngestStore *store, const IngestTimeline *tl, const char *id)
{
  guint k;

  if (parse_index (id, "span", &k) && k < tl->spans->len)
    {
      const IngestTimelineSpan *sp = &g_array_index (tl->spans, IngestTimelineSpan, k);
      gboolean running = sp->end_ns == INGEST_TIME_MAX;

      /* A span processing a message is best explained by that message
       * (mailbox time, processing, its request/response). */
      if (sp->message != 0 && ingest_store_message (store, sp->message) != NULL)
        return message_details (store, sp->message);
      return json_pack ("{s:s, s:s, s:s, s:f, s:o, s:o}",
                        "class", "span", "actor", lane_name (tl, sp->lane),
                        "label", ingest_store_atom (store, sp->label),
                        "start_ms", ms (sp->start_ns),
                        "end_ms", running ? json_null () : json_real (ms (sp->end_ns)),
                        "duration_ms", running ? json_null () : json_real (ms (sp->end_ns - sp->start_ns)));
    }
  if (parse_index (id, "bin", &k) && k < tl->bins->len)
    {
      const IngestDensityBin *b = &g_array_index (tl->bins, IngestDensityBin, k);
      return json_pack ("{s:s, s:s, s:s, s:I, s:I, s:f, s:f}",
                        "class", "bin", "from", lane_name (tl, b->from_lane),
                        "to", lane_name (tl, b->to_lane), "count", (json_int_t) b->count,
                        "spans", (json_int_t) b->spans,
                        "start_ms", ms (b->start_ns), "end_ms", ms (b->end_ns));
    }
  if (parse_index (id, "mark", &k) && k < tl->marks->len)
    {
      const IngestTimelineMark *mk = &g_array_index (tl->marks, IngestTimelineMark, k);
      const char *kind = mk->kind == INGEST_EVENT_EXIT && mk->exit_status == INGEST_EXIT_CRASH
                           ? "crash" : ingest_event_kind_to_string (mk->kind);
      return json_pack ("{s:s, s:s, s:s, s:s, s:f}",
                        "class", "mark", "actor", mk->lane == G_MAXUINT ? "" : lane_name (tl, mk->lane),
                        "kind", kind, "text", ingest_store_atom (store, mk->text),
                        "time_ms", ms (mk->time_ns));
    }
  return NULL;
}

char *
web_frame_details (IngestStore *store, const WebViewState *state, gint64 from_ns, gint64 to_ns,
                   const char *klass, const char *id, GError **error)
{
  json_t *d = NULL;
  IngestViewSpec spec;
  guint a, b;
  g_autoptr(GError) view_error = NULL;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (klass != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (state != NULL)
    web_view_state_to_spec (state, from_ns, to_ns, &spec);

  if (g_strcmp0 (klass, "message") == 0 || g_strcmp0 (klass, "arrow") == 0)
    {
      char *end = NULL;
      guint64 n = g_ascii_strtoull (id, &end, 10);
      if (end != id && *end == '\0' && n >= 1 && n <= ingest_store_n_messages (store))
        d = message_details (store, (IngestMessageId) n);
    }
  else if (g_strcmp0 (klass, "edge") == 0 && parse_edge_id (id, &a, &b))
    {
      if (state != NULL)
        {
          g_autoptr(IngestGraph) graph = ingest_graph_build (store, &spec, &view_error);
          if (graph != NULL)
            d = view_edge_details (store, graph, a, b);
        }
    }
  else if (g_strcmp0 (klass, "edge") == 0)
    {
      const char *arrow = strstr (id, "->");
      if (arrow != NULL)
        {
          g_autofree char *x = g_strndup (id, (gsize) (arrow - id));
          IngestActorId from = resolve_actor (store, x), to = resolve_actor (store, arrow + 2);
          if (from != 0 && to != 0)
            d = edge_details (store, from, to);
        }
    }
  else if (g_strcmp0 (klass, "span") == 0 || g_strcmp0 (klass, "bin") == 0 ||
           g_strcmp0 (klass, "mark") == 0)
    {
      if (state != NULL)
        {
          /* Follow-live frames drew a sliding-window timeline (bucket-aligned
           * start, its own bins): item indexes resolve in the same one. */
          g_autoptr(IngestTimeline) tl = NULL;
          if (state->follow && state->window_ns > 0)
            {
              g_autoptr(IngestTimelineWindow) w = ingest_timeline_window_new (store, &spec, state->window_ns, NULL);
              if (w != NULL)
                {
                  ingest_timeline_window_fill_snapshot (w, from_ns, to_ns);
                  tl = ingest_timeline_window_dup_timeline (w);
                  if (!ingest_timeline_window_check (w, &view_error))
                    g_clear_pointer (&tl, ingest_timeline_free);
                }
            }
          else
            tl = ingest_timeline_build (store, &spec, &view_error);
          if (tl != NULL)
            d = timeline_item_details (store, tl, id);
        }
    }
  else
    {
      IngestActorId actor = resolve_actor (store, id);
      if (actor != 0)
        d = actor_details (store, actor);
      else if (state != NULL)
        {
          /* Not an actor: maybe a group node of the client's view. */
          g_autoptr(IngestGraph) graph = ingest_graph_build (store, &spec, &view_error);
          for (guint i = 0; graph != NULL && i < graph->nodes->len && d == NULL; i++)
            {
              const IngestViewNode *n = &g_array_index (graph->nodes, IngestViewNode, i);
              if (n->is_group && g_strcmp0 (n->name, id) == 0)
                d = group_details (n);
            }
        }
    }
  if (d == NULL && view_error != NULL)
    {
      /* a filter too expensive to match: say so rather than "not found" */
      g_propagate_error (error, g_steal_pointer (&view_error));
      return NULL;
    }
  if (d == NULL)
    {
      g_autofree char *shown = g_strndup (id, 200);
      g_autofree char *valid = g_utf8_make_valid (shown, -1);
      g_set_error (error, WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_NOT_FOUND,
                   "no %s \"%s\" in this view", klass, valid);
      return NULL;
    }
  return web_protocol_dump (json_pack ("{s:s, s:o}", "type", "details", "details", d));
}
