/* web-frame-delta.c: per-client update messages (see the header). */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "web-frame-delta.h"
#include "web-protocol.h"

/* One element of a frame's SVG, pointing into the parsed frame's text.
 * The SVG is ours (render-svg.c): every attribute value is double-quoted
 * and escaped, so '>' and '"' only ever end tags and values. */
typedef struct {
  const char *attrs;         /* after the name, up to '>' or '/>' */
  const char *text;          /* up to the next tag (leaves: their content) */
  guint attrs_len, text_len;
  gboolean leaf;             /* no child elements: text may change */
  guint64 key;               /* name, depth; for groups their class */
} Element;

/* A frame taken apart (see the header). Immutable once built: shared
 * by a worker and the loop, and by the clients the frame went to. */
struct _WebFrameParsed {
  gint ref;                  /* atomic */
  json_t *frame;             /* owns the SVG the elements point into; NULL: not JSON */
  GArray *elements;          /* Element, in document order; NULL: SVG not ours */
  gsize len;                 /* bytes of the frame's text */
};

struct _WebFrameUpdate {
  gint ref;                  /* atomic */
  WebFrameParsed *base;      /* a reference: what the update starts from */
  char *tail;                /* the update after its "seq" value; NULL: whole */
};

struct _WebFrameDelta {
  WebFrameParsed *last;      /* NULL: none */
  /* The actor table the client has (a reference to that frame's
   * "actors" array only, not the whole frame; NULL: none), since when
   * (monotonic us), and how often an update carries the table. */
  json_t *table;
  gint64 table_us, table_interval_us;
  guint64 seq;               /* messages produced (full and updates) */
  guint64 n_full, n_updates;
};

/* Bound on the elements of one frame considered for an update (frames are
 * within a byte budget, so this is never reached in practice). */
#define MAX_ELEMENTS 200000
/* An update goes out only if its changes are at most 1/UPDATE_MAX_SHARE
 * of the SVG they change. */
#define UPDATE_MAX_SHARE 2
/* Every update starts with this, then its seq: a worker prepares it with
 * seq 0 and the loop writes the client's own seq in (web_protocol_dump
 * keeps the keys in the order they were set). */
#define UPDATE_HEAD "{\"type\":\"update\",\"seq\":"

static gboolean parse_svg (const char *svg, gsize len, GArray *out);

WebFrameParsed *
web_frame_parsed_new (const char *frame, gsize len)
{
  WebFrameParsed *self = g_new0 (WebFrameParsed, 1);
  json_t *svg;

  g_return_val_if_fail (frame != NULL, self);
  self->ref = 1;
  self->len = len;
  self->frame = json_loadb (frame, len, 0, NULL);
  svg = json_object_get (self->frame, "svg");
  if (json_is_string (svg))
    {
      self->elements = g_array_new (FALSE, FALSE, sizeof (Element));
      if (!parse_svg (json_string_value (svg), json_string_length (svg), self->elements))
        g_clear_pointer (&self->elements, g_array_unref);
    }
  return self;
}

WebFrameParsed *
web_frame_parsed_ref (WebFrameParsed *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref);
  return self;
}

void
web_frame_parsed_unref (WebFrameParsed *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref))
    return;
  g_clear_pointer (&self->frame, json_decref);
  g_clear_pointer (&self->elements, g_array_unref);
  g_free (self);
}

WebFrameDelta *
web_frame_delta_new (void)
{
  return web_frame_delta_new_after (0);
}

WebFrameDelta *
web_frame_delta_new_after (guint64 n_sent)
{
  WebFrameDelta *self = g_new0 (WebFrameDelta, 1);

  self->seq = n_sent;
  return self;
}

void
web_frame_delta_free (WebFrameDelta *self)
{
  if (self == NULL)
    return;
  web_frame_parsed_unref (self->last);
  json_decref (self->table);
  g_free (self);
}

void
web_frame_delta_reset (WebFrameDelta *self)
{
  g_return_if_fail (self != NULL);
  g_clear_pointer (&self->last, web_frame_parsed_unref);
  g_clear_pointer (&self->table, json_decref);
}

void
web_frame_delta_set_table_interval (WebFrameDelta *self, gint64 interval_us)
{
  g_return_if_fail (self != NULL);
  self->table_interval_us = MAX (0, interval_us);
}

void
web_frame_delta_get_counts (const WebFrameDelta *self, guint64 *n_full, guint64 *n_updates)
{
  g_return_if_fail (self != NULL);
  if (n_full != NULL)
    *n_full = self->n_full;
  if (n_updates != NULL)
    *n_updates = self->n_updates;
}

/* The raw (escaped) value of attribute name in attrs, or NULL. */
static const char *
attr_value (const char *attrs, guint len, const char *name, guint *value_len)
{
  gsize nl = strlen (name);
  const char *end = attrs + len;

  for (const char *p = attrs; p + nl + 3 <= end; p++)
    if (p[0] == ' ' && memcmp (p + 1, name, nl) == 0 && p[nl + 1] == '=' && p[nl + 2] == '"')
      {
        const char *v = p + nl + 3;
        const char *q = memchr (v, '"', end - v);
        if (q == NULL)
          return NULL;
        *value_len = (guint) (q - v);
        return v;
      }
  return NULL;
}

static guint64
hash_bytes (guint64 h, const char *s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    h = (h ^ (guchar) s[i]) * G_GUINT64_CONSTANT (1099511628211);
  return h;
}

/* Splits svg into elements; FALSE if it is not the shape render-svg.c
 * writes (then no update is attempted). */
static gboolean
parse_svg (const char *svg, gsize len, GArray *out)
{
  const char *p = svg, *end = svg + len;
  g_autoptr(GArray) open = g_array_new (FALSE, FALSE, sizeof (guint));
  gssize want_text = -1;

  while (p < end)
    {
      const char *lt = memchr (p, '<', end - p), *gt, *name;
      gsize name_len;
      gboolean closing;

      if (lt == NULL)
        break;
      if (want_text >= 0)
        {
          Element *e = &g_array_index (out, Element, want_text);
          e->text = p;
          e->text_len = (guint) (lt - p);
          want_text = -1;
        }
      gt = memchr (lt, '>', end - lt);
      if (gt == NULL)
        return FALSE;
      closing = lt + 1 < end && lt[1] == '/';
      if (closing)
        {
          if (open->len == 0)
            return FALSE;
          g_array_set_size (open, open->len - 1);
          p = gt + 1;
          continue;
        }
      if (lt[1] == '?' || lt[1] == '!' || out->len >= MAX_ELEMENTS)
        return FALSE;
      name = lt + 1;
      name_len = strcspn (name, " />");
      if (name_len == 0 || name + name_len > gt)
        return FALSE;

      gboolean self_closing = gt[-1] == '/' && gt - 1 >= name + name_len;
      Element e = { 0 };
      guint64 key = G_GUINT64_CONSTANT (14695981039346656037);

      e.attrs = name + name_len;
      e.attrs_len = (guint) ((self_closing ? gt - 1 : gt) - e.attrs);
      e.leaf = TRUE;
      e.text = gt + 1;
      key = hash_bytes (key, name, name_len);
      key = hash_bytes (key, (const char *) &open->len, sizeof open->len);
      if (name_len == 1 && name[0] == 'g')
        {
          guint vl = 0;
          const char *v = attr_value (e.attrs, e.attrs_len, "class", &vl);
          key = hash_bytes (key, v ? v : "\x1e", v ? vl : 1);
        }
      e.key = key;
      if (open->len > 0)
        g_array_index (out, Element, g_array_index (open, guint, open->len - 1)).leaf = FALSE;
      g_array_append_val (out, e);
      if (!self_closing)
        {
          guint idx = out->len - 1;
          g_array_append_val (open, idx);
          want_text = (gssize) idx;
        }
      p = gt + 1;
    }
  return open->len == 0;
}

/* text with the entities render-svg.c writes decoded; NULL if the result
 * is not UTF-8 (it always is for our SVG). */
static json_t *
unescaped_json (const char *s, gsize n)
{
  static const struct { const char *ent; char c; } ents[] = {
    { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' },
  };
  g_autoptr(GString) out = g_string_sized_new (n);
  const char *end = s + n;

  for (const char *p = s; p < end;)
    {
      const char *amp = memchr (p, '&', end - p);
      if (amp == NULL)
        {
          g_string_append_len (out, p, end - p);
          break;
        }
      g_string_append_len (out, p, amp - p);
      p = amp;
      gboolean done = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (ents) && !done; i++)
        {
          gsize el = strlen (ents[i].ent);
          if ((gsize) (end - p) >= el && memcmp (p, ents[i].ent, el) == 0)
            {
              g_string_append_c (out, ents[i].c);
              p += el;
              done = TRUE;
            }
        }
      if (!done)
        g_string_append_c (out, *p++);
    }
  return json_stringn (out->str, out->len);
}

typedef struct {
  const char *name, *value;
  guint name_len, value_len;
} Attr;

static gboolean
split_attrs (const char *attrs, guint len, GArray *out)
{
  const char *p = attrs, *end = attrs + len;

  g_array_set_size (out, 0);
  for (;;)
    {
      while (p < end && *p == ' ')
        p++;
      if (p >= end)
        return TRUE;
      const char *eq = memchr (p, '=', end - p);
      if (eq == NULL || eq + 1 >= end || eq[1] != '"')
        return FALSE;
      const char *q = memchr (eq + 2, '"', end - (eq + 2));
      if (q == NULL)
        return FALSE;
      Attr a = { p, eq + 2, (guint) (eq - p), (guint) (q - (eq + 2)) };
      g_array_append_val (out, a);
      p = q + 1;
    }
}

static const Attr *
find_attr (GArray *attrs, const Attr *like)
{
  for (guint i = 0; i < attrs->len; i++)
    {
      const Attr *a = &g_array_index (attrs, Attr, i);
      if (a->name_len == like->name_len && memcmp (a->name, like->name, a->name_len) == 0)
        return a;
    }
  return NULL;
}

/* {"name": value or null (removed)} for attributes that differ; NULL on
 * malformed input. */
static json_t *
attrs_diff (const Element *old, const Element *now, GArray *a, GArray *b)
{
  json_t *d;

  if (!split_attrs (old->attrs, old->attrs_len, a) || !split_attrs (now->attrs, now->attrs_len, b))
    return NULL;
  d = json_object ();
  for (guint i = 0; i < b->len; i++)
    {
      const Attr *x = &g_array_index (b, Attr, i), *y = find_attr (a, x);
      if (y != NULL && y->value_len == x->value_len && memcmp (y->value, x->value, x->value_len) == 0)
        continue;
      g_autofree char *name = g_strndup (x->name, x->name_len);
      json_t *v = unescaped_json (x->value, x->value_len);
      if (v == NULL)
        {
          json_decref (d);
          return NULL;
        }
      json_object_set_new (d, name, v);
    }
  for (guint i = 0; i < a->len; i++)
    {
      const Attr *y = &g_array_index (a, Attr, i);
      if (find_attr (b, y) == NULL)
        {
          g_autofree char *name = g_strndup (y->name, y->name_len);
          json_object_set_new (d, name, json_null ());
        }
    }
  return d;
}

static gboolean
same_structure (GArray *a, GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (g_array_index (a, Element, i).key != g_array_index (b, Element, i).key)
      return FALSE;
  return TRUE;
}

/* [{"i": index, "attrs": {...}, "text": "..."}] for what changed; NULL on
 * malformed input. */
static json_t *
svg_changes (GArray *old, GArray *now)
{
  g_autoptr(GArray) a = g_array_new (FALSE, FALSE, sizeof (Attr));
  g_autoptr(GArray) b = g_array_new (FALSE, FALSE, sizeof (Attr));
  json_t *changes = json_array ();

  for (guint i = 0; i < now->len; i++)
    {
      const Element *x = &g_array_index (old, Element, i), *y = &g_array_index (now, Element, i);
      gboolean attrs_changed = x->attrs_len != y->attrs_len || memcmp (x->attrs, y->attrs, x->attrs_len) != 0;
      gboolean text_changed = y->leaf && (x->text_len != y->text_len ||
                                          memcmp (x->text, y->text, x->text_len) != 0);
      json_t *c;

      if (!attrs_changed && !text_changed)
        continue;
      c = json_pack ("{s:I}", "i", (json_int_t) i);
      if (attrs_changed)
        {
          json_t *d = attrs_diff (x, y, a, b);
          if (d == NULL)
            goto bad;
          json_object_set_new (c, "attrs", d);
        }
      if (text_changed)
        {
          json_t *t = unescaped_json (y->text, y->text_len);
          if (t == NULL)
            goto bad;
          json_object_set_new (c, "text", t);
        }
      json_array_append_new (changes, c);
      continue;
    bad:
      json_decref (c);
      json_decref (changes);
      return NULL;
    }
  return changes;
}

/* The rows of now whose values differ from old's row of the same actor,
 * or NULL when the set of actors changed (the table goes whole). */
static json_t *
table_changes (json_t *old, json_t *now)
{
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) ids = NULL;
  json_t *changes, *row;
  size_t i;

  if (!json_is_array (old) || !json_is_array (now) || json_array_size (old) != json_array_size (now))
    return NULL;
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), (guint) json_array_size (old));
  json_array_foreach (old, i, row)
    {
      gint64 id = (gint64) json_integer_value (json_object_get (row, "id"));
      g_array_append_val (ids, id);
    }
  for (i = 0; i < ids->len; i++)
    g_hash_table_insert (by_id, &g_array_index (ids, gint64, i), json_array_get (old, i));
  changes = json_array ();
  json_array_foreach (now, i, row)
    {
      gint64 id = (gint64) json_integer_value (json_object_get (row, "id"));
      json_t *was = g_hash_table_lookup (by_id, &id);
      if (was == NULL)
        {
          json_decref (changes);
          return NULL;
        }
      if (!json_equal (was, row))
        json_array_append (changes, row);
    }
  return changes;
}

/* The update from last to now with seq, as text (g_free), or NULL when
 * now goes whole: structure changed, not ours to diff, or the update
 * would not be much smaller. Reads both, changes neither: any thread. */
static char *
update_text (const WebFrameParsed *last, const WebFrameParsed *now, guint64 seq)
{
  json_t *changes, *update;

  if (last == NULL || last->elements == NULL || now->elements == NULL ||
      !same_structure (last->elements, now->elements))
    return NULL;
  changes = svg_changes (last->elements, now->elements);
  if (changes == NULL)
    return NULL;

  /* The frame's small fields first, the changes last (a reader can look
   * at the head of a long message). */
  update = json_pack ("{s:s, s:I}", "type", "update", "seq", (json_int_t) seq);
  {
    const char *key;
    json_t *value;
    json_object_foreach (now->frame, key, value)
      if (strcmp (key, "type") != 0 && strcmp (key, "svg") != 0 && strcmp (key, "actors") != 0 &&
          strcmp (key, "v") != 0 &&
          /* The table's column definitions never change: sent when they do. */
          !(strcmp (key, "columns") == 0 && json_equal (value, json_object_get (last->frame, key))))
        json_object_set (update, key, value);
  }
  /* Setting thousands of attributes one by one costs a page more than
   * parsing the SVG whole: the changes must be much smaller than the SVG
   * to pay. The rest of the message (table rows, overview) goes either
   * way and costs the page the same in both, so it does not count: at
   * 200 actors the table alone was 40-90 KB, half of a frame, and no
   * update ever went out. */
  gsize changes_len = json_dumpb (changes, NULL, 0, JSON_COMPACT | JSON_ENSURE_ASCII);
  if (changes_len > json_string_length (json_object_get (now->frame, "svg")) / UPDATE_MAX_SHARE)
    {
      json_decref (changes);
      json_decref (update);
      return NULL;
    }
  json_object_set_new (update, "changes", changes);
  return web_protocol_dump (update);
}

WebFrameUpdate *
web_frame_update_new (WebFrameParsed *base, const WebFrameParsed *now)
{
  WebFrameUpdate *self;
  g_autofree char *text = NULL;

  g_return_val_if_fail (base != NULL && now != NULL, NULL);
  self = g_new0 (WebFrameUpdate, 1);
  self->ref = 1;
  self->base = web_frame_parsed_ref (base);
  text = update_text (base, now, 0);
  if (text != NULL && g_str_has_prefix (text, UPDATE_HEAD "0"))
    self->tail = g_strdup (text + strlen (UPDATE_HEAD "0"));
  return self;
}

WebFrameUpdate *
web_frame_update_ref (WebFrameUpdate *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref);
  return self;
}

void
web_frame_update_unref (WebFrameUpdate *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref))
    return;
  web_frame_parsed_unref (self->base);
  g_free (self->tail);
  g_free (self);
}

WebFrameParsed *
web_frame_delta_get_last (const WebFrameDelta *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->last;
}

static void
keep_table (WebFrameDelta *self, WebFrameParsed *now, gint64 now_us)
{
  json_t *actors = json_object_get (now->frame, "actors");

  g_clear_pointer (&self->table, json_decref);
  self->table = actors != NULL ? json_incref (actors) : NULL;
  self->table_us = now_us;
}

/* The table part of an update for this client, from the table it has to
 * now's: ",\"actor_rows\":[...]" (the rows that changed, maybe none) or
 * ",\"actors\":[...]" (the set changed); NULL while its table is newer
 * than the interval (it stays as it is). */
static char *
table_part (WebFrameDelta *self, WebFrameParsed *now, gint64 now_us)
{
  json_t *part, *rows, *actors = json_object_get (now->frame, "actors");
  char *text, *out = NULL;

  if (self->table != NULL && now_us - self->table_us < self->table_interval_us)
    return NULL;
  part = json_object ();
  rows = self->table != NULL ? table_changes (self->table, actors) : NULL;
  if (rows != NULL)
    json_object_set_new (part, "actor_rows", rows);
  else if (actors != NULL)
    json_object_set (part, "actors", actors);
  text = json_dumps (part, JSON_COMPACT | JSON_ENSURE_ASCII);
  json_decref (part);
  if (text != NULL && strlen (text) > 2)
    out = g_strdup_printf (",%.*s", (int) (strlen (text) - 2), text + 1);
  free (text);
  keep_table (self, now, now_us);
  return out;
}

char *
web_frame_delta_next_parsed (WebFrameDelta *self, WebFrameParsed *now, const WebFrameUpdate *prepared)
{
  char *text;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (now != NULL, NULL);

  self->seq++;
  if (prepared != NULL && self->last != NULL && prepared->base == self->last)
    /* Prepared in a worker from what this client has: only the seq is its own. */
    text = prepared->tail == NULL ? NULL
           : g_strdup_printf (UPDATE_HEAD "%" G_GUINT64_FORMAT "%s", self->seq, prepared->tail);
  else
    text = update_text (self->last, now, self->seq);
  if (text != NULL)
    {
      /* The table goes in last, before the closing brace: it is the
       * client's own (how old its table is), never prepared. */
      g_autofree char *table = table_part (self, now, g_get_monotonic_time ());
      gsize len = strlen (text);
      if (table != NULL && len > 0 && text[len - 1] == '}')
        {
          char *with = g_strdup_printf ("%.*s%s}", (int) (len - 1), text, table);
          g_free (text);
          text = with;
        }
      self->n_updates++;
    }
  else
    {
      self->n_full++;
      keep_table (self, now, g_get_monotonic_time ());
    }
  g_clear_pointer (&self->last, web_frame_parsed_unref);
  self->last = web_frame_parsed_ref (now);
  return text;
}

char *
web_frame_delta_next (WebFrameDelta *self, const char *frame, gsize len)
{
  g_autoptr(WebFrameParsed) now = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (frame != NULL, NULL);
  now = web_frame_parsed_new (frame, len);
  return web_frame_delta_next_parsed (self, now, NULL);
}
