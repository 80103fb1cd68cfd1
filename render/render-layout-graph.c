/* render-layout-graph.c: the interaction graph.
 *
 * Placement is stress minimisation by stochastic gradient descent (Zheng,
 * Pawar, Goodman: "Graph Drawing by Stochastic Gradient Descent", 2018):
 * every pair of nodes pulls/pushes towards its graph distance, with pair
 * weights 1/d^2 and an exponentially decaying step. It needs no tuning,
 * converges in ~30 sweeps and is deterministic given the pair order, which
 * comes from a seeded GRand. Up to FULL_STRESS_MAX nodes every pair is used
 * (BFS from every node); above that, each node pairs with its neighbours and
 * with a fixed set of max-min pivots (the "sparse" variant), so the work is
 * O((n * pivots + m) * sweeps). Initial positions come from a hash of the
 * node's name, so adding one actor does not reshuffle the others.
 *
 * Then: fit to the canvas, push overlapping nodes apart (grid buckets),
 * draw edges (thin/rare under thick/frequent), nodes, greedy collision-free
 * labels (pango-measured, most traffic first), and a legend.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest-pair.h"
#include "render-layout-private.h"
#include "render-ticks.h"
#include "ingest-hash.h"

#define FULL_STRESS_MAX 1200
#define N_PIVOTS 48
#define SWEEPS 32

typedef struct {
  guint32 i, j;
  float d;
} Pair;

typedef struct {
  guint n;
  guint *off;     /* CSR offsets, n + 1 */
  guint *adj;     /* neighbours (undirected, no duplicates, no self) */
  guint8 *len;    /* per neighbour: ideal length in half units, 2 = traffic, 3 = hierarchy only */
} Adj;

typedef struct {
  guint lo, hi;
  guint8 len;
} Link;

static int
link_cmp (gconstpointer a, gconstpointer b)
{
  const Link *x = a, *y = b;
  if (x->lo != y->lo)
    return x->lo < y->lo ? -1 : 1;
  if (x->hi != y->hi)
    return x->hi < y->hi ? -1 : 1;
  return (int) x->len - (int) y->len;
}

/* Undirected, deduplicated adjacency of the traffic edges plus the
 * hierarchy links (parent, child pairs in hier[2k], hier[2k+1]). A
 * hierarchy link between actors that also exchange messages is a traffic
 * edge; one without traffic is a weak spring: ideal length 1.5 edges, so
 * stress weight 0.44 (a supervision tree holds together without crushing
 * the traffic structure, and idle parents stay near their children). */
static void
adj_build (Adj *a, const IngestGraph *g, const guint *hier, guint n_hier)
{
  guint n = g->nodes->len;
  a->n = n;
  a->off = g_new0 (guint, n + 1);
  guint ne = g->edges ? g->edges->len : 0;
  Link *links = g_new (Link, MAX (ne + n_hier, 1));
  guint nk = 0;
  for (guint e = 0; e < ne; e++)
    {
      const IngestViewEdge *ed = &g_array_index (g->edges, IngestViewEdge, e);
      if (ed->from >= n || ed->to >= n || ed->from == ed->to)
        continue;
      links[nk++] = (Link){ MIN (ed->from, ed->to), MAX (ed->from, ed->to), 2 };
    }
  for (guint k = 0; k < n_hier; k++)
    {
      guint p = hier[2 * k], c = hier[2 * k + 1];
      if (p >= n || c >= n || p == c)
        continue;
      links[nk++] = (Link){ MIN (p, c), MAX (p, c), 3 };
    }
  qsort (links, nk, sizeof (Link), link_cmp);
  /* sorted by (lo, hi, len): the first of each pair has the shortest length */
  guint nu = 0;
  for (guint k = 0; k < nk; k++)
    if (nu == 0 || links[nu - 1].lo != links[k].lo || links[nu - 1].hi != links[k].hi)
      links[nu++] = links[k];
  for (guint k = 0; k < nu; k++)
    {
      a->off[links[k].lo + 1]++;
      a->off[links[k].hi + 1]++;
    }
  for (guint i = 0; i < n; i++)
    a->off[i + 1] += a->off[i];
  a->adj = g_new (guint, MAX (a->off[n], 1));
  a->len = g_new (guint8, MAX (a->off[n], 1));
  guint *fill = g_new0 (guint, n);
  for (guint k = 0; k < nu; k++)
    {
      guint lo = links[k].lo, hi = links[k].hi;
      a->len[a->off[lo] + fill[lo]] = links[k].len;
      a->adj[a->off[lo] + fill[lo]++] = hi;
      a->len[a->off[hi] + fill[hi]] = links[k].len;
      a->adj[a->off[hi] + fill[hi]++] = lo;
    }
  g_free (fill);
  g_free (links);
}

static void
adj_clear (Adj *a)
{
  g_free (a->off);
  g_free (a->adj);
  g_free (a->len);
}

/* Shortest path lengths from src into dist in half units (G_MAXUINT16 =
 * unreachable), with link lengths 2 or 3: Dial's algorithm with four
 * rotating buckets, O(n + m) like a BFS. buckets: N_BUCKETS arrays the
 * caller keeps between calls. */
#define N_BUCKETS 4
static void
bfs (const Adj *a, guint src, guint16 *dist, GArray **buckets)
{
  for (guint i = 0; i < a->n; i++)
    dist[i] = G_MAXUINT16;
  for (int k = 0; k < N_BUCKETS; k++)
    g_array_set_size (buckets[k], 0);
  dist[src] = 0;
  g_array_append_val (buckets[0], src);
  guint pending = 1;
  for (guint d = 0; pending > 0 && d < G_MAXUINT16 - 3; d++)
    {
      GArray *cur = buckets[d % N_BUCKETS];
      /* nothing is appended to cur while it is scanned: lengths are >= 1 */
      for (guint q = 0; q < cur->len; q++)
        {
          guint u = g_array_index (cur, guint, q);
          pending--;
          if (dist[u] != d)
            continue;  /* stale: improved since it was queued */
          for (guint k = a->off[u]; k < a->off[u + 1]; k++)
            {
              guint v = a->adj[k];
              guint nd = d + a->len[k];
              if (nd < dist[v])
                {
                  dist[v] = (guint16) nd;
                  g_array_append_val (buckets[nd % N_BUCKETS], v);
                  pending++;
                }
            }
        }
      g_array_set_size (cur, 0);
    }
}

static guint32
hash_name (const char *s, guint32 seed)
{
  guint32 h = 2166136261u ^ seed;
  for (const guchar *p = (const guchar *) (s ? s : ""); *p; p++)
    h = (h ^ *p) * 16777619u;
  /* final avalanche (murmur3 fmix) */
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

/* Stress layout in graph units (unit edge length). xy: 2n doubles. */
static void
stress_layout (const IngestGraph *g, const Adj *a, guint32 seed, double *xy)
{
  guint n = a->n;
  for (guint i = 0; i < n; i++)
    {
      const IngestViewNode *nd = &g_array_index (g->nodes, IngestViewNode, i);
      guint32 h = hash_name (nd->name, seed);
      guint32 h2 = hash_name (nd->name, seed ^ 0x9e3779b9u);
      double s = sqrt ((double) n) * 2;
      xy[2 * i] = (h / 4294967296.0) * s;
      xy[2 * i + 1] = (h2 / 4294967296.0) * s;
    }
  if (n < 2)
    return;

  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  guint16 *dist = g_new (guint16, n);
  GArray *queue[N_BUCKETS];
  for (int k = 0; k < N_BUCKETS; k++)
    queue[k] = g_array_new (FALSE, FALSE, sizeof (guint));
  guint max_d = 1;
  if (n <= FULL_STRESS_MAX)
    {
      g_array_set_size (pairs, 0);
      for (guint i = 0; i < n; i++)
        {
          bfs (a, i, dist, queue);
          /* Pairs in different components are left out: each component
           * is laid out on its own and the components are packed after. */
          for (guint j = i + 1; j < n; j++)
            if (dist[j] != G_MAXUINT16)
              {
                Pair p = { i, j, dist[j] / 2.0f };
                max_d = MAX (max_d, dist[j]);
                g_array_append_val (pairs, p);
              }
        }
    }
  else
    {
      /* Pivots by max-min distance, starting from the busiest node. */
      guint n_piv = MIN (N_PIVOTS, n);
      guint *pivots = g_new (guint, n_piv);
      guint16 *mind = g_new (guint16, n);
      guint best = 0;
      for (guint i = 1; i < n; i++)
        if (a->off[i + 1] - a->off[i] > a->off[best + 1] - a->off[best])
          best = i;
      for (guint i = 0; i < n; i++)
        mind[i] = G_MAXUINT16;
      for (guint p = 0; p < n_piv; p++)
        {
          pivots[p] = best;
          bfs (a, best, dist, queue);
          guint next = 0;
          int next_d = -1;
          for (guint i = 0; i < n; i++)
            {
              if (dist[i] < mind[i])
                mind[i] = dist[i];
              if (dist[i] != G_MAXUINT16 && dist[i] > max_d)
                max_d = dist[i];
              /* unreachable nodes are the farthest: a new component */
              int d = mind[i] == G_MAXUINT16 ? 65536 : mind[i];
              if (d > next_d)
                next_d = d, next = i;
              if (i != best && dist[i] != G_MAXUINT16 && dist[i] > 3)
                {
                  Pair pr = { best, i, dist[i] / 2.0f };
                  g_array_append_val (pairs, pr);
                }
            }
          best = next;
        }
      g_free (pivots);
      g_free (mind);
      for (guint u = 0; u < n; u++)
        for (guint k = a->off[u]; k < a->off[u + 1]; k++)
          if (a->adj[k] > u)
            {
              Pair pr = { u, a->adj[k], a->len[k] / 2.0f };
              g_array_append_val (pairs, pr);
            }
    }
  float far = max_d / 2.0f + 1.0f;  /* the longest ideal distance, in edges */
  guint np = pairs->len;
  if (np == 0)
    goto out;
  /* Only now: with no pairs the array's data is NULL, and taking an
   * element's address of it is undefined (UBSan). */
  Pair *pp = &g_array_index (pairs, Pair, 0);

  double w_min = 1.0 / ((double) far * far), w_max = 1.0;
  double eta_max = 1.0 / w_min, eta_min = 0.01 / w_max;
  double lambda = log (eta_max / eta_min) / (SWEEPS - 1);
  /* xorshift64*: a shuffle draws one number per pair per sweep, and
   * GRand's Mersenne twister was the hot spot; this one is deterministic
   * across platforms too. */
  guint64 rng = 0x9e3779b97f4a7c15ull ^ ((guint64) seed << 1) ^ 0x5eed;
  for (guint t = 0; t < SWEEPS; t++)
    {
      double eta = eta_max * exp (-lambda * t);
      /* Fisher-Yates shuffle: random order avoids the oscillation a fixed
       * order causes; seeded, so still deterministic. */
      for (guint k = np - 1; k > 0; k--)
        {
          rng ^= rng >> 12;
          rng ^= rng << 25;
          rng ^= rng >> 27;
          guint r = (guint) (((rng * 0x2545f4914f6cdd1dull) >> 32) % (k + 1));
          Pair tmp = pp[k];
          pp[k] = pp[r];
          pp[r] = tmp;
        }
      for (guint k = 0; k < np; k++)
        {
          guint i = pp[k].i, j = pp[k].j;
          double d = pp[k].d, w = 1.0 / (d * d);
          double mu = MIN (w * eta, 1.0);
          double dx = xy[2 * i] - xy[2 * j], dy = xy[2 * i + 1] - xy[2 * j + 1];
          double mag = sqrt (dx * dx + dy * dy);
          if (mag < 1e-9)
            {
              /* coincident: nudge apart deterministically */
              dx = ((i * 7 + j * 13) % 17) / 17.0 - 0.5 + 1e-3;
              dy = ((i * 11 + j * 5) % 19) / 19.0 - 0.5;
              mag = sqrt (dx * dx + dy * dy);
            }
          double r = mu * (mag - d) / (2 * mag);
          xy[2 * i] -= r * dx;
          xy[2 * i + 1] -= r * dy;
          xy[2 * j] += r * dx;
          xy[2 * j + 1] += r * dy;
        }
    }
out:
  g_free (dist);
  for (int k = 0; k < N_BUCKETS; k++)
    g_array_unref (queue[k]);
  g_array_unref (pairs);
}

/* Pushes overlapping circles apart, keeping them inside the box. */
static void
remove_overlaps (guint n, double *xy, const double *rad, double x0, double y0, double x1, double y1)
{
  double rmax = 0;
  for (guint i = 0; i < n; i++)
    rmax = MAX (rmax, rad[i]);
  double cell = MAX (2 * rmax + 4, 8);
  guint gw = (guint) ceil ((x1 - x0) / cell) + 1, gh = (guint) ceil ((y1 - y0) / cell) + 1;
  if ((guint64) gw * gh > 4000000)
    return;
  guint *head = g_new (guint, gw * gh), *next = g_new (guint, n);
  for (int pass = 0; pass < 24; pass++)
    {
      for (guint c = 0; c < gw * gh; c++)
        head[c] = G_MAXUINT;
      for (guint i = 0; i < n; i++)
        {
          xy[2 * i] = CLAMP (xy[2 * i], x0 + rad[i], x1 - rad[i]);
          xy[2 * i + 1] = CLAMP (xy[2 * i + 1], y0 + rad[i], y1 - rad[i]);
          guint cx = (guint) ((xy[2 * i] - x0) / cell), cy = (guint) ((xy[2 * i + 1] - y0) / cell);
          cx = MIN (cx, gw - 1), cy = MIN (cy, gh - 1);
          next[i] = head[cy * gw + cx];
          head[cy * gw + cx] = i;
        }
      gboolean moved = FALSE;
      for (guint i = 0; i < n; i++)
        {
          int cx = (int) ((xy[2 * i] - x0) / cell), cy = (int) ((xy[2 * i + 1] - y0) / cell);
          for (int oy = -1; oy <= 1; oy++)
            for (int ox = -1; ox <= 1; ox++)
              {
                int gx = cx + ox, gy = cy + oy;
                if (gx < 0 || gy < 0 || gx >= (int) gw || gy >= (int) gh)
                  continue;
                for (guint j = head[gy * gw + gx]; j != G_MAXUINT; j = next[j])
                  {
                    if (j <= i)
                      continue;
                    double dx = xy[2 * j] - xy[2 * i], dy = xy[2 * j + 1] - xy[2 * i + 1];
                    double need = rad[i] + rad[j] + 3;
                    double d2 = dx * dx + dy * dy;
                    if (d2 >= need * need)
                      continue;
                    double d = sqrt (d2);
                    if (d < 1e-6)
                      dx = 1, dy = 0.5, d = sqrt (1.25);
                    double push = (need - d) / 2 / d;
                    xy[2 * i] -= dx * push;
                    xy[2 * i + 1] -= dy * push;
                    xy[2 * j] += dx * push;
                    xy[2 * j + 1] += dy * push;
                    moved = TRUE;
                  }
              }
        }
      if (!moved)
        break;
    }
  for (guint i = 0; i < n; i++)
    {
      xy[2 * i] = CLAMP (xy[2 * i], x0 + rad[i], x1 - rad[i]);
      xy[2 * i + 1] = CLAMP (xy[2 * i + 1], y0 + rad[i], y1 - rad[i]);
    }
  g_free (head);
  g_free (next);
}

typedef struct {
  double x0, y0, x1, y1;
} Box;

/* A uniform grid of boxes for label collision queries. */
typedef struct {
  double cell;
  guint gw, gh;
  GPtrArray **cells;  /* each a list of Box* */
  GArray *boxes;      /* Box storage (chunks) */
  GPtrArray *chunks;
} BoxGrid;

static void
grid_init (BoxGrid *g, double w, double h, double cell)
{
  g->cell = cell;
  g->gw = (guint) ceil (w / cell) + 1;
  g->gh = (guint) ceil (h / cell) + 1;
  g->cells = g_new0 (GPtrArray *, g->gw * g->gh);
  g->chunks = g_ptr_array_new_with_free_func (g_free);
}

static void
grid_clear (BoxGrid *g)
{
  for (guint i = 0; i < g->gw * g->gh; i++)
    if (g->cells[i])
      g_ptr_array_unref (g->cells[i]);
  g_free (g->cells);
  g_ptr_array_unref (g->chunks);
}

static void
grid_range (const BoxGrid *g, const Box *b, int *cx0, int *cy0, int *cx1, int *cy1)
{
  *cx0 = CLAMP ((int) floor (b->x0 / g->cell), 0, (int) g->gw - 1);
  *cy0 = CLAMP ((int) floor (b->y0 / g->cell), 0, (int) g->gh - 1);
  *cx1 = CLAMP ((int) floor (b->x1 / g->cell), 0, (int) g->gw - 1);
  *cy1 = CLAMP ((int) floor (b->y1 / g->cell), 0, (int) g->gh - 1);
}

static void
grid_add (BoxGrid *g, Box b)
{
  Box *copy = g_new (Box, 1);
  *copy = b;
  g_ptr_array_add (g->chunks, copy);
  int cx0, cy0, cx1, cy1;
  grid_range (g, &b, &cx0, &cy0, &cx1, &cy1);
  for (int y = cy0; y <= cy1; y++)
    for (int x = cx0; x <= cx1; x++)
      {
        GPtrArray **c = &g->cells[y * g->gw + x];
        if (*c == NULL)
          *c = g_ptr_array_new ();
        g_ptr_array_add (*c, copy);
      }
}

static gboolean
grid_hits (const BoxGrid *g, const Box *b)
{
  int cx0, cy0, cx1, cy1;
  grid_range (g, b, &cx0, &cy0, &cx1, &cy1);
  for (int y = cy0; y <= cy1; y++)
    for (int x = cx0; x <= cx1; x++)
      {
        GPtrArray *c = g->cells[y * g->gw + x];
        if (c == NULL)
          continue;
        for (guint k = 0; k < c->len; k++)
          {
            const Box *o = g_ptr_array_index (c, k);
            if (b->x0 < o->x1 && b->x1 > o->x0 && b->y0 < o->y1 && b->y1 > o->y0)
              return TRUE;
          }
      }
  return FALSE;
}

typedef struct {
  RenderLayoutContext ctx;
  const IngestGraph *g;
  guint n;
  double *xy, *rad;
  double area_x0, area_y0, area_x1, area_y1;
  double legend_h;
  guint *hier;        /* parent, child node index pairs */
  guint n_hier;
  GArray *clusters;   /* Cluster */
} Graph;

/* The nodes whose actors share a parent (a process's threads, a
 * supervisor's children), drawn in one box named by the parent, as
 * sysprof and Perfetto group a process's thread tracks. */
typedef struct {
  IngestActorId parent;
  guint *members;     /* node indexes: the children, and the parent if it is a node */
  guint n_members;
} Cluster;

#define MAX_CLUSTERS 64

static void
cluster_clear (gpointer data)
{
  Cluster *c = data;
  g_free (c->members);
}

/* The actor hierarchy among the view's nodes: for each node, the nearest
 * ancestor actor that is also a node of the view (supervision tree, process
 * -> thread). Returns pairs (parent, child) of node indexes, owned by the
 * caller; none without a store. */
static guint *
hierarchy_links (const IngestGraph *g, guint *n_out)
{
  *n_out = 0;
  guint n = g->nodes->len;
  if ((g->store == NULL && g->strings == NULL) || n == 0)
    return NULL;
  GHashTable *index = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < n; i++)
    {
      const IngestViewNode *nd = &g_array_index (g->nodes, IngestViewNode, i);
      if (nd->actor != 0 && !nd->is_group)
        g_hash_table_insert (index, GUINT_TO_POINTER (nd->actor), GUINT_TO_POINTER (i + 1));
    }
  guint *out = g_new (guint, 2 * n);
  for (guint i = 0; i < n; i++)
    {
      const IngestViewNode *nd = &g_array_index (g->nodes, IngestViewNode, i);
      if (nd->actor == 0)
        continue;
      IngestActorId p = ingest_graph_actor_parent (g, nd->actor);
      /* bounded walk: a malformed trace could make a parent cycle */
      for (guint steps = 0; p != 0 && steps < 64; steps++)
        {
          guint j = GPOINTER_TO_UINT (g_hash_table_lookup (index, GUINT_TO_POINTER (p)));
          if (j != 0)
            {
              if (j - 1 != i)
                {
                  out[2 * *n_out] = j - 1;
                  out[2 * *n_out + 1] = i;
                  (*n_out)++;
                }
              break;
            }
          p = ingest_graph_actor_parent (g, p);
        }
    }
  g_hash_table_unref (index);
  return out;
}

/* The clusters of the view: for every parent actor with two or more child
 * nodes (groups are nodes of their own, not children), those nodes plus the
 * parent's node if there is one. A cluster holding every node says nothing
 * and is left out; at most MAX_CLUSTERS, the largest first. */
static GArray *
clusters_find (const IngestGraph *g)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (Cluster));
  g_array_set_clear_func (out, cluster_clear);
  guint n = g->nodes->len;
  if ((g->store == NULL && g->strings == NULL) || n < 2)
    return out;
  GHashTable *node_of_actor = g_hash_table_new (NULL, NULL);
  GHashTable *by_parent = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_array_unref);
  for (guint i = 0; i < n; i++)
    {
      const IngestViewNode *nd = &g_array_index (g->nodes, IngestViewNode, i);
      if (nd->actor != 0 && !nd->is_group)
        g_hash_table_insert (node_of_actor, GUINT_TO_POINTER (nd->actor), GUINT_TO_POINTER (i + 1));
    }
  for (guint i = 0; i < n; i++)
    {
      const IngestViewNode *nd = &g_array_index (g->nodes, IngestViewNode, i);
      if (nd->actor == 0 || nd->is_group)
        continue;
      IngestActorId p = ingest_graph_actor_parent (g, nd->actor);
      if (p == 0 || p == nd->actor)
        continue;
      GArray *kids = g_hash_table_lookup (by_parent, GUINT_TO_POINTER (p));
      if (kids == NULL)
        {
          kids = g_array_new (FALSE, FALSE, sizeof (guint));
          g_hash_table_insert (by_parent, GUINT_TO_POINTER (p), kids);
        }
      g_array_append_val (kids, i);
    }
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, by_parent);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      GArray *kids = v;
      if (kids->len < 2)
        continue;
      guint pn = GPOINTER_TO_UINT (g_hash_table_lookup (node_of_actor, k));
      Cluster c = { GPOINTER_TO_UINT (k), NULL, 0 };
      c.members = g_new (guint, kids->len + 1);
      memcpy (c.members, kids->data, kids->len * sizeof (guint));
      c.n_members = kids->len;
      if (pn != 0)
        c.members[c.n_members++] = pn - 1;
      if (c.n_members >= n)
        {
          g_free (c.members);
          continue;
        }
      g_array_append_val (out, c);
    }
  g_hash_table_unref (by_parent);
  g_hash_table_unref (node_of_actor);
  /* largest first, then by parent id: stable across runs */
  for (guint i = 1; i < out->len; i++)
    for (guint j = i; j > 0; j--)
      {
        Cluster *a = &g_array_index (out, Cluster, j - 1), *b = &g_array_index (out, Cluster, j);
        if (a->n_members > b->n_members || (a->n_members == b->n_members && a->parent < b->parent))
          break;
        Cluster t = *a;
        *a = *b;
        *b = t;
      }
  if (out->len > MAX_CLUSTERS)
    g_array_set_size (out, MAX_CLUSTERS);
  return out;
}

static guint
uf_find (guint *parent, guint x)
{
  while (parent[x] != x)
    {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
  return x;
}

typedef struct {
  guint id;               /* component root */
  guint size;
  double x0, y0, x1, y1;  /* bounds in graph units, padded */
  double ox, oy;          /* packed offset */
} Component;

static int
component_cmp (gconstpointer a, gconstpointer b)
{
  const Component *x = a, *y = b;
  double ax = (x->x1 - x->x0) * (x->y1 - x->y0), ay = (y->x1 - y->x0) * (y->y1 - y->y0);
  if (x->size != y->size)
    return x->size > y->size ? -1 : 1;
  if (ax != ay)
    return ax > ay ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Connected components (traffic and hierarchy) are laid out on their own
 * by the stress pass; here each is turned so its long axis follows the
 * canvas' long axis, then they are packed on shelves, largest first, into a
 * rectangle of the canvas' aspect ratio. Without this, the stress layout
 * flings small components and idle actors to the far corners and squeezes
 * the busy cluster into a fraction of the canvas. */
static void
pack_components (const Adj *a, double *xy, double aspect)
{
  guint n = a->n;
  guint *uf = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    uf[i] = i;
  for (guint u = 0; u < n; u++)
    for (guint k = a->off[u]; k < a->off[u + 1]; k++)
      {
        guint r1 = uf_find (uf, u), r2 = uf_find (uf, a->adj[k]);
        if (r1 != r2)
          uf[MAX (r1, r2)] = MIN (r1, r2);
      }
  guint *comp_of = g_new (guint, n);
  GHashTable *ids = g_hash_table_new (NULL, NULL);
  GArray *comps = g_array_new (FALSE, TRUE, sizeof (Component));
  for (guint i = 0; i < n; i++)
    {
      guint r = uf_find (uf, i);
      gpointer v = g_hash_table_lookup (ids, GUINT_TO_POINTER (r + 1));
      if (v == NULL)
        {
          Component c = { r, 0, G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE, 0, 0 };
          g_array_append_val (comps, c);
          v = GUINT_TO_POINTER (comps->len);
          g_hash_table_insert (ids, GUINT_TO_POINTER (r + 1), v);
        }
      comp_of[i] = GPOINTER_TO_UINT (v) - 1;
    }
  guint nc = comps->len;
  /* Orientation: principal axis along x for a wide canvas (y for a tall
   * one), by the covariance of each component's nodes. */
  double *sxx = g_new0 (double, nc * 5); /* n, mx, my, then second moments */
  for (guint i = 0; i < n; i++)
    {
      double *m = &sxx[5 * comp_of[i]];
      m[0] += 1, m[1] += xy[2 * i], m[2] += xy[2 * i + 1];
    }
  for (guint c = 0; c < nc; c++)
    sxx[5 * c + 1] /= sxx[5 * c], sxx[5 * c + 2] /= sxx[5 * c];
  double *cov = g_new0 (double, nc * 3);
  for (guint i = 0; i < n; i++)
    {
      const double *m = &sxx[5 * comp_of[i]];
      double dx = xy[2 * i] - m[1], dy = xy[2 * i + 1] - m[2];
      cov[3 * comp_of[i]] += dx * dx;
      cov[3 * comp_of[i] + 1] += dx * dy;
      cov[3 * comp_of[i] + 2] += dy * dy;
    }
  for (guint i = 0; i < n; i++)
    {
      guint c = comp_of[i];
      const double *m = &sxx[5 * c];
      double theta = 0.5 * atan2 (2 * cov[3 * c + 1], cov[3 * c] - cov[3 * c + 2]);
      if (aspect < 1)
        theta -= G_PI / 2;
      double cs = cos (-theta), sn = sin (-theta);
      double dx = xy[2 * i] - m[1], dy = xy[2 * i + 1] - m[2];
      xy[2 * i] = dx * cs - dy * sn;
      xy[2 * i + 1] = dx * sn + dy * cs;
      Component *cp = &g_array_index (comps, Component, c);
      cp->size++;
      cp->x0 = MIN (cp->x0, xy[2 * i]);
      cp->y0 = MIN (cp->y0, xy[2 * i + 1]);
      cp->x1 = MAX (cp->x1, xy[2 * i]);
      cp->y1 = MAX (cp->y1, xy[2 * i + 1]);
    }
  g_free (sxx);
  g_free (cov);
  /* a gap of one edge length around each component, for nodes and labels */
  double total = 0, widest = 0;
  for (guint c = 0; c < nc; c++)
    {
      Component *cp = &g_array_index (comps, Component, c);
      cp->x0 -= 0.6, cp->y0 -= 0.6, cp->x1 += 0.6, cp->y1 += 0.6;
      total += (cp->x1 - cp->x0) * (cp->y1 - cp->y0);
      widest = MAX (widest, cp->x1 - cp->x0);
    }
  g_array_sort (comps, component_cmp);
  /* comps moved: rebuild the map from the root id */
  for (guint c = 0; c < nc; c++)
    g_hash_table_insert (ids, GUINT_TO_POINTER (g_array_index (comps, Component, c).id + 1),
                         GUINT_TO_POINTER (c + 1));
  for (guint i = 0; i < n; i++)
    comp_of[i] = GPOINTER_TO_UINT (g_hash_table_lookup (ids, GUINT_TO_POINTER (uf_find (uf, i) + 1))) - 1;
  /* Shelves: try a few shelf widths around sqrt(area * aspect) and keep
   * the packing whose bounding box best matches the canvas' shape. */
  double best_score = G_MAXDOUBLE, best_w = widest;
  for (int t = 0; t < 8; t++)
    {
      double limit = MAX (widest, sqrt (total * aspect) * (0.7 + 0.15 * t));
      double x = 0, y = 0, shelf_h = 0, used_w = 0;
      for (guint c = 0; c < nc; c++)
        {
          Component *cp = &g_array_index (comps, Component, c);
          double w = cp->x1 - cp->x0, h = cp->y1 - cp->y0;
          if (x > 0 && x + w > limit + 1e-9)
            y += shelf_h, x = 0, shelf_h = 0;
          x += w;
          shelf_h = MAX (shelf_h, h);
          used_w = MAX (used_w, x);
        }
      double used_h = y + shelf_h;
      /* the scale the packing would get on the canvas: bigger is better */
      double score = MAX (used_w, used_h * aspect);
      if (score < best_score - 1e-9)
        best_score = score, best_w = limit;
    }
  double x = 0, y = 0, shelf_h = 0;
  for (guint c = 0; c < nc; c++)
    {
      Component *cp = &g_array_index (comps, Component, c);
      double w = cp->x1 - cp->x0, h = cp->y1 - cp->y0;
      if (x > 0 && x + w > best_w + 1e-9)
        y += shelf_h, x = 0, shelf_h = 0;
      cp->ox = x - cp->x0;
      cp->oy = y - cp->y0;
      x += w;
      shelf_h = MAX (shelf_h, h);
    }
  for (guint i = 0; i < n; i++)
    {
      const Component *cp = &g_array_index (comps, Component, comp_of[i]);
      xy[2 * i] += cp->ox;
      xy[2 * i + 1] += cp->oy;
    }
  g_array_unref (comps);
  g_hash_table_unref (ids);
  g_free (comp_of);
  g_free (uf);
}

static gint64
edge_latency (const IngestViewEdge *e)
{
  if (e->round_trip.count)
    return e->round_trip.p99_ns;
  if (e->mailbox.count)
    return e->mailbox.p99_ns;
  return -1;
}

/* Keeps each cluster together and apart from the rest, in layout units
 * (a traffic edge is about 1): the members of a cluster are drawn in toward
 * their centroid into a disc of radius 0.75 * sqrt(members), then the discs
 * and the nodes outside clusters are pushed apart as circles, and every
 * member moves with its disc. A node in two clusters (a parent that is a
 * child of another) moves with the larger. Quadratic in the number of
 * discs, so skipped past MAX_SEPARATE of them. */
#define MAX_SEPARATE 800

static void
clusters_compact (Graph *gr)
{
  guint n = gr->n, nc = gr->clusters ? gr->clusters->len : 0;
  if (nc == 0)
    return;
  g_autofree gint *owner = g_new (gint, n);
  for (guint i = 0; i < n; i++)
    owner[i] = -1;
  for (guint c = 0; c < nc; c++)
    {
      const Cluster *cl = &g_array_index (gr->clusters, Cluster, c);
      for (guint m = 0; m < cl->n_members; m++)
        if (owner[cl->members[m]] < 0)
          owner[cl->members[m]] = (gint) c;
    }
  /* discs: clusters first (0..nc-1), then the nodes no cluster owns */
  guint nd = nc;
  g_autofree guint *disc_of = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    disc_of[i] = owner[i] >= 0 ? (guint) owner[i] : nd++;
  if (nd > MAX_SEPARATE)
    return;
  g_autofree double *cxy = g_new0 (double, 2 * nd);
  g_autofree double *rad = g_new0 (double, nd);
  g_autofree guint *cnt = g_new0 (guint, nd);
  for (guint i = 0; i < n; i++)
    {
      guint d = disc_of[i];
      cxy[2 * d] += gr->xy[2 * i];
      cxy[2 * d + 1] += gr->xy[2 * i + 1];
      cnt[d]++;
    }
  for (guint d = 0; d < nd; d++)
    if (cnt[d] > 0)
      {
        cxy[2 * d] /= cnt[d];
        cxy[2 * d + 1] /= cnt[d];
      }
  /* draw members in: the farthest at most 0.75 * sqrt(k) from the centroid */
  g_autofree double *far = g_new0 (double, nd);
  for (guint i = 0; i < n; i++)
    {
      guint d = disc_of[i];
      far[d] = MAX (far[d], hypot (gr->xy[2 * i] - cxy[2 * d], gr->xy[2 * i + 1] - cxy[2 * d + 1]));
    }
  for (guint d = 0; d < nd; d++)
    rad[d] = d < nc ? 0.75 * sqrt ((double) cnt[d]) + 0.45 : 0.4;
  for (guint i = 0; i < n; i++)
    {
      guint d = disc_of[i];
      if (d >= nc || far[d] <= rad[d] - 0.45)
        continue;
      double k = (rad[d] - 0.45) / far[d];
      gr->xy[2 * i] = cxy[2 * d] + (gr->xy[2 * i] - cxy[2 * d]) * k;
      gr->xy[2 * i + 1] = cxy[2 * d + 1] + (gr->xy[2 * i + 1] - cxy[2 * d + 1]) * k;
    }
  /* push the discs apart */
  g_autofree double *moved = g_memdup2 (cxy, 2 * nd * sizeof (double));
  for (guint pass = 0; pass < 60; pass++)
    {
      gboolean any = FALSE;
      for (guint a = 0; a < nd; a++)
        for (guint b = a + 1; b < nd; b++)
          {
            double dx = moved[2 * b] - moved[2 * a], dy = moved[2 * b + 1] - moved[2 * a + 1];
            double dist = hypot (dx, dy), need = rad[a] + rad[b];
            if (dist >= need)
              continue;
            if (dist < 1e-9)
              {
                /* a fixed direction per pair: the layout stays deterministic */
                double ang = (a * 7919 + b * 104729) % 628 / 100.0;
                dx = cos (ang);
                dy = sin (ang);
                dist = 1;
              }
            else
              {
                dx /= dist;
                dy /= dist;
                dist = hypot (moved[2 * b] - moved[2 * a], moved[2 * b + 1] - moved[2 * a + 1]);
              }
            double push = (need - dist) / 2 + 1e-6;
            /* big discs move less than small ones */
            double wa = rad[b] / (rad[a] + rad[b]), wb = rad[a] / (rad[a] + rad[b]);
            moved[2 * a] -= dx * push * 2 * wa;
            moved[2 * a + 1] -= dy * push * 2 * wa;
            moved[2 * b] += dx * push * 2 * wb;
            moved[2 * b + 1] += dy * push * 2 * wb;
            any = TRUE;
          }
      if (!any)
        break;
    }
  for (guint i = 0; i < n; i++)
    {
      guint d = disc_of[i];
      gr->xy[2 * i] += moved[2 * d] - cxy[2 * d];
      gr->xy[2 * i + 1] += moved[2 * d + 1] - cxy[2 * d + 1];
    }
}

static gboolean positions_from_previous (Graph *gr);

static void
compute_positions (Graph *gr)
{
  const IngestGraph *g = gr->g;
  guint n = gr->n;
  RenderLayoutContext *ctx = &gr->ctx;
  double W = ctx->o.width, H = ctx->o.height;
  double top = 12 + (ctx->o.title ? ctx->fs * 1.8 : 0);
  gr->legend_h = ctx->o.hide_legend ? 0 : ctx->fs * 5.2;
  gr->area_x0 = 16;
  gr->area_x1 = W - 16;
  gr->area_y0 = top;
  gr->area_y1 = H - 12 - gr->legend_h;
  if (gr->area_y1 - gr->area_y0 < 60)
    gr->area_y1 = gr->area_y0 + 60;

  /* Node sizes: area proportional to traffic, bounded by the room each
   * node has on this canvas. */
  double room = sqrt ((gr->area_x1 - gr->area_x0) * (gr->area_y1 - gr->area_y0) / MAX (n, 1));
  double rmax = CLAMP (room * 0.28, 4, 26), rmin = MAX (3, rmax * 0.3);
  guint64 tmax = 1;
  for (guint i = 0; i < n; i++)
    {
      const IngestViewNode *nd = &g_array_index (g->nodes, IngestViewNode, i);
      tmax = MAX (tmax, nd->sent + nd->received);
    }
  for (guint i = 0; i < n; i++)
    {
      const IngestViewNode *nd = &g_array_index (g->nodes, IngestViewNode, i);
      double t = (double) (nd->sent + nd->received) / tmax;
      gr->rad[i] = rmin + (rmax - rmin) * sqrt (t);
    }

  Adj a;
  g_free (gr->hier);
  gr->hier = hierarchy_links (g, &gr->n_hier);
  g_clear_pointer (&gr->clusters, g_array_unref);
  gr->clusters = clusters_find (g);
  if (positions_from_previous (gr))
    return;
  /* Layout keeps a cluster together: each member is tied to the first by
   * a weak spring, as hierarchy links are (adj_build). */
  guint n_links = gr->n_hier;
  for (guint c = 0; c < gr->clusters->len; c++)
    n_links += g_array_index (gr->clusters, Cluster, c).n_members;
  g_autofree guint *links = g_new (guint, 2 * MAX (n_links, 1));
  if (gr->n_hier)
    memcpy (links, gr->hier, 2 * gr->n_hier * sizeof (guint));
  n_links = gr->n_hier;
  for (guint c = 0; c < gr->clusters->len; c++)
    {
      const Cluster *cl = &g_array_index (gr->clusters, Cluster, c);
      for (guint m = 1; m < cl->n_members; m++)
        {
          links[2 * n_links] = cl->members[0];
          links[2 * n_links + 1] = cl->members[m];
          n_links++;
        }
    }
  adj_build (&a, g, links, n_links);
  stress_layout (g, &a, ctx->o.seed, gr->xy);
  pack_components (&a, gr->xy, (gr->area_x1 - gr->area_x0) / MAX (gr->area_y1 - gr->area_y0, 1));
  adj_clear (&a);
  clusters_compact (gr);

  /* Fit: uniform scale, centred; labels need a margin around nodes. */
  double mx0 = G_MAXDOUBLE, my0 = G_MAXDOUBLE, mx1 = -G_MAXDOUBLE, my1 = -G_MAXDOUBLE;
  for (guint i = 0; i < n; i++)
    {
      mx0 = MIN (mx0, gr->xy[2 * i]);
      mx1 = MAX (mx1, gr->xy[2 * i]);
      my0 = MIN (my0, gr->xy[2 * i + 1]);
      my1 = MAX (my1, gr->xy[2 * i + 1]);
    }
  double pad_x = MIN (70, (gr->area_x1 - gr->area_x0) * 0.08) + rmax;
  double pad_y = ctx->fs * 1.6 + rmax;
  double aw = MAX (gr->area_x1 - gr->area_x0 - 2 * pad_x, 10);
  double ah = MAX (gr->area_y1 - gr->area_y0 - 2 * pad_y, 10);
  double sx = mx1 > mx0 ? aw / (mx1 - mx0) : 1, sy = my1 > my0 ? ah / (my1 - my0) : 1;
  double s = MIN (sx, sy);
  /* Small graphs would get huge edges: cap the unit length. */
  s = MIN (s, MAX (160, rmax * 8));
  double cx = (mx0 + mx1) / 2, cy = (my0 + my1) / 2;
  double ox = (gr->area_x0 + gr->area_x1) / 2, oy = (gr->area_y0 + gr->area_y1) / 2;
  /* Stretch the short axis up to 1.35x to use a wide canvas better. */
  double sx2 = s, sy2 = s;
  if (sx > s)
    sx2 = MIN (sx, s * 1.35);
  if (sy > s)
    sy2 = MIN (sy, s * 1.35);
  if (mx1 - mx0 < 1e-9)
    sx2 = 0;
  if (my1 - my0 < 1e-9)
    sy2 = 0;
  for (guint i = 0; i < n; i++)
    {
      gr->xy[2 * i] = ox + (gr->xy[2 * i] - cx) * sx2;
      gr->xy[2 * i + 1] = oy + (gr->xy[2 * i + 1] - cy) * sy2;
    }
  remove_overlaps (n, gr->xy, gr->rad, gr->area_x0, gr->area_y0, gr->area_x1, gr->area_y1);
}

/* ---- positions kept between frames ------------------------------------ */

struct _RenderGraphPositions {
  GHashTable *xy;          /* name (owned) -> double[2] (owned) */
  double width, height;    /* canvas they were computed for */
};

RenderGraphPositions *
render_graph_positions_new (void)
{
  RenderGraphPositions *p = g_new0 (RenderGraphPositions, 1);
  p->xy = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, g_free);
  return p;
}

RenderGraphPositions *
render_graph_positions_copy (const RenderGraphPositions *positions)
{
  RenderGraphPositions *p = render_graph_positions_new ();
  GHashTableIter it;
  gpointer k, v;

  if (positions == NULL)
    return p;
  p->width = positions->width;
  p->height = positions->height;
  g_hash_table_iter_init (&it, positions->xy);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (p->xy, g_strdup (k), g_memdup2 (v, 2 * sizeof (double)));
  return p;
}

void
render_graph_positions_free (RenderGraphPositions *p)
{
  if (p == NULL)
    return;
  g_hash_table_unref (p->xy);
  g_free (p);
}

gboolean
render_graph_positions_lookup (const RenderGraphPositions *p, const char *name, double *x, double *y)
{
  const double *v = p != NULL && name != NULL ? g_hash_table_lookup (p->xy, name) : NULL;
  if (v == NULL)
    return FALSE;
  *x = v[0];
  *y = v[1];
  return TRUE;
}

guint
render_graph_positions_size (const RenderGraphPositions *p)
{
  return p != NULL ? g_hash_table_size (p->xy) : 0;
}

static void
record_positions (Graph *gr)
{
  RenderGraphPositions *out = gr->ctx.o.positions_out;
  if (out == NULL)
    return;
  g_hash_table_remove_all (out->xy);
  out->width = gr->ctx.o.width;
  out->height = gr->ctx.o.height;
  for (guint i = 0; i < gr->n; i++)
    {
      double *v = g_new (double, 2);
      v[0] = gr->xy[2 * i];
      v[1] = gr->xy[2 * i + 1];
      g_hash_table_replace (out->xy, g_strdup (g_array_index (gr->g->nodes, IngestViewNode, i).name), v);
    }
}

/* Starts from the previous frame's positions (see RenderLayoutOptions):
 * returns FALSE when there are too few of them to be worth keeping. */
static gboolean
positions_from_previous (Graph *gr)
{
  const RenderGraphPositions *prev = gr->ctx.o.previous;
  const IngestGraph *g = gr->g;
  guint n = gr->n, known = 0;
  if (prev == NULL || g_hash_table_size (prev->xy) == 0)
    return FALSE;
  double sx = prev->width > 0 ? gr->ctx.o.width / prev->width : 1;
  double sy = prev->height > 0 ? gr->ctx.o.height / prev->height : 1;
  g_autofree guint8 *have = g_new0 (guint8, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      double x, y;
      if (render_graph_positions_lookup (prev, g_array_index (g->nodes, IngestViewNode, i).name, &x, &y))
        {
          gr->xy[2 * i] = x * sx;
          gr->xy[2 * i + 1] = y * sy;
          have[i] = 1;
          known++;
        }
    }
  /* Mostly new: a fresh layout reads better than one grown from a few. */
  if (known == 0 || known * 2 < n)
    return FALSE;
  /* The same nodes on the same canvas: nothing moves, even if traffic
   * resized some nodes (a live graph must hold still to be read; only a
   * change of the node set rearranges it). */
  if (known == n && g_hash_table_size (prev->xy) == n && sx == 1 && sy == 1)
    return TRUE;

  /* New nodes: next to their placed neighbours (a few passes, so chains of
   * new nodes grow outwards), else at a hashed spot of the area; a small
   * hashed offset keeps siblings apart. */
  double unit = MAX (gr->rad[0], 8) * 4;
  for (guint pass = 0; pass < 4 && known < n; pass++)
    for (guint i = 0; i < n; i++)
      {
        if (have[i])
          continue;
        double ax = 0, ay = 0;
        guint na = 0;
        for (guint k = 0; g->edges != NULL && k < g->edges->len; k++)
          {
            const IngestViewEdge *e = &g_array_index (g->edges, IngestViewEdge, k);
            guint other = e->from == i ? e->to : e->to == i ? e->from : G_MAXUINT;
            if (other != G_MAXUINT && other < n && have[other] == 1)
              {
                ax += gr->xy[2 * other];
                ay += gr->xy[2 * other + 1];
                na++;
              }
          }
        const char *name = g_array_index (g->nodes, IngestViewNode, i).name;
        guint32 h = hash_name (name, 7), h2 = hash_name (name, 0x9e3779b9u);
        double ang = (h / 4294967296.0) * 2 * G_PI;
        if (na > 0)
          {
            gr->xy[2 * i] = ax / na + cos (ang) * unit;
            gr->xy[2 * i + 1] = ay / na + sin (ang) * unit;
          }
        else if (pass == 3)
          {
            gr->xy[2 * i] = gr->area_x0 + (h / 4294967296.0) * (gr->area_x1 - gr->area_x0);
            gr->xy[2 * i + 1] = gr->area_y0 + (h2 / 4294967296.0) * (gr->area_y1 - gr->area_y0);
          }
        else
          continue;
        have[i] = 2; /* placed this frame: a neighbour for the next pass */
        known++;
      }
  for (guint i = 0; i < n; i++)
    {
      gr->xy[2 * i] = CLAMP (gr->xy[2 * i], gr->area_x0 + gr->rad[i], gr->area_x1 - gr->rad[i]);
      gr->xy[2 * i + 1] = CLAMP (gr->xy[2 * i + 1], gr->area_y0 + gr->rad[i], gr->area_y1 - gr->rad[i]);
    }
  remove_overlaps (n, gr->xy, gr->rad, gr->area_x0, gr->area_y0, gr->area_x1, gr->area_y1);
  return TRUE;
}

gboolean
render_layout_graph_positions (const IngestGraph *graph, const RenderLayoutOptions *options,
                               double *xy)
{
  g_return_val_if_fail (xy != NULL, FALSE);
  if (graph == NULL || graph->nodes == NULL || graph->nodes->len == 0)
    return FALSE;
  Graph gr = { 0 };
  render_layout_context_init (&gr.ctx, options, 1200, 800);
  gr.g = graph;
  gr.n = graph->nodes->len;
  gr.xy = xy;
  gr.rad = g_new0 (double, gr.n);
  compute_positions (&gr);
  g_free (gr.rad);
  g_free (gr.hier);
  g_clear_pointer (&gr.clusters, g_array_unref);
  render_layout_context_clear (&gr.ctx);
  return TRUE;
}

static const char *
kind_name (guint8 kind)
{
  static const char *names[] = { "actor", "queue", "thread", "process", "client" };
  return kind < G_N_ELEMENTS (names) ? names[kind] : "actor";
}

static void
append_latency (GString *s, const char *what, const IngestLatency *l)
{
  if (l->count == 0)
    return;
  char a[32], b[32], c[32];
  g_string_append_printf (s, "\n%s: p50 %s, p99 %s, max %s", what,
                          render_ticks_format_duration (l->p50_ns, a, sizeof a),
                          render_ticks_format_duration (l->p99_ns, b, sizeof b),
                          render_ticks_format_duration (l->max_ns, c, sizeof c));
}

static int
edge_cmp_count (gconstpointer a, gconstpointer b, gpointer data)
{
  const IngestGraph *g = data;
  const IngestViewEdge *x = &g_array_index (g->edges, IngestViewEdge, *(const guint *) a);
  const IngestViewEdge *y = &g_array_index (g->edges, IngestViewEdge, *(const guint *) b);
  if (x->count != y->count)
    return x->count < y->count ? -1 : 1;
  /* ties: by index, for determinism */
  return *(const guint *) a < *(const guint *) b ? -1 : 1;
}

/* Point on the circle (cx, cy, r) towards (tx, ty). */
static void
toward (double cx, double cy, double r, double tx, double ty, double *ox, double *oy)
{
  double dx = tx - cx, dy = ty - cy, d = hypot (dx, dy);
  if (d < 1e-9)
    {
      *ox = cx + r, *oy = cy;
      return;
    }
  *ox = cx + dx / d * r;
  *oy = cy + dy / d * r;
}

static void
draw_edges (Graph *gr, RenderScene *scene, guint *n_drawn, gint64 *lat_lo, gint64 *lat_hi)
{
  const IngestGraph *g = gr->g;
  RenderLayoutContext *ctx = &gr->ctx;
  guint ne = g->edges->len, n = gr->n;
  guint *order = g_new (guint, MAX (ne, 1));
  for (guint e = 0; e < ne; e++)
    order[e] = e;
  g_qsort_with_data (order, ne, sizeof (guint), edge_cmp_count, (gpointer) g);
  /* LOD: the weakest edges go first when there are too many. */
  guint skip = ne > ctx->o.max_elements ? ne - ctx->o.max_elements : 0;
  guint64 cmax = 1;
  gint64 lo = G_MAXINT64, hi = 0;
  GHashTable *pairs = ingest_pair_table_new (NULL, NULL);
  IngestPairKey *keys = g_new (IngestPairKey, MAX (ne, 1));
  for (guint e = 0; e < ne; e++)
    {
      const IngestViewEdge *ed = &g_array_index (g->edges, IngestViewEdge, e);
      cmax = MAX (cmax, ed->count);
      gint64 l = edge_latency (ed);
      if (l >= 0)
        lo = MIN (lo, l), hi = MAX (hi, l);
      keys[e] = ingest_pair_key (ed->from, ed->to);
      g_hash_table_add (pairs, &keys[e]);
    }
  if (lo > hi)
    lo = hi = -1;
  *lat_lo = lo;
  *lat_hi = hi;
  double rmax = 0;
  for (guint i = 0; i < n; i++)
    rmax = MAX (rmax, gr->rad[i]);
  /* Dense graphs: thinner, more transparent edges so structure shows. */
  double density = ne / (double) MAX (n, 1);
  double alpha_base = density > 6 ? 0.25 : density > 3 ? 0.4 : 0.6;
  double width_span = (density > 6 ? 2.0 : density > 3 ? 2.8 : 3.6) * MIN (1.0, rmax / 14.0);
  GString *title = g_string_new (NULL);
  char idbuf[48];
  *n_drawn = 0;
  /* Dense graphs (a real browser trace: 86 threads, 409 edges): A -> B and
   * B -> A are one straight line, each direction the half that ends at its
   * receiver (its own width, colour, id and tooltip), instead of two bent
   * curves that crossed everything twice. */
  guint n_shown = ne - skip;
  gboolean merge_pairs = n_shown >= 150 || n_shown > 3 * n;
  guint *rank = g_new (guint, MAX (ne, 1));
  for (guint k = 0; k < ne; k++)
    rank[order[k]] = k;
  /* The supervision tree / process -> thread links, faint and dashed under
   * the traffic: structure to read the clusters by, not flows. */
  if (gr->n_hier)
    {
      double dash[2] = { 3, 3 };
      render_scene_group_begin (scene, "hierarchy", "hierarchy",
                                "parent \xe2\x86\x92 child (supervision tree, process \xe2\x86\x92 thread)");
      render_scene_set_fill (scene, RENDER_COLOR_NONE);
      render_scene_set_stroke (scene, render_color_with_alpha (ctx->tc->muted, 0.45));
      render_scene_set_stroke_width (scene, 0.8);
      render_scene_set_dash (scene, dash, 2);
      for (guint k = 0; k < gr->n_hier; k++)
        {
          guint p = gr->hier[2 * k], c = gr->hier[2 * k + 1];
          double sx, sy, ex, ey;
          double x1 = gr->xy[2 * p], y1 = gr->xy[2 * p + 1], x2 = gr->xy[2 * c], y2 = gr->xy[2 * c + 1];
          if (hypot (x2 - x1, y2 - y1) < gr->rad[p] + gr->rad[c] + 1)
            continue;
          toward (x1, y1, gr->rad[p], x2, y2, &sx, &sy);
          toward (x2, y2, gr->rad[c], x1, y1, &ex, &ey);
          render_scene_line (scene, sx, sy, ex, ey);
        }
      render_scene_set_dash (scene, NULL, 0);
      render_scene_group_end (scene);
    }
  render_scene_group_begin (scene, NULL, "edges", NULL);
  for (guint k = skip; k < ne; k++)
    {
      guint e = order[k];
      const IngestViewEdge *ed = &g_array_index (g->edges, IngestViewEdge, e);
      if (ed->from >= n || ed->to >= n)
        continue;
      const IngestViewNode *from = &g_array_index (g->nodes, IngestViewNode, ed->from);
      const IngestViewNode *to = &g_array_index (g->nodes, IngestViewNode, ed->to);
      /* both ways in a dense graph: each direction is half of one line */
      gboolean half_line = FALSE;
      if (merge_pairs && ed->from != ed->to)
        {
          IngestPairKey rkey = ingest_pair_key (ed->to, ed->from);
          const IngestPairKey *rk = g_hash_table_lookup (pairs, &rkey);
          guint r = rk != NULL ? (guint) (rk - keys) : G_MAXUINT;
          /* (a hand-built view may hold a pair twice: only the edge the
           * pair table names is halved, the others draw whole) */
          half_line = r != G_MAXUINT && rank[r] >= skip
                      && g_hash_table_lookup (pairs, &keys[e]) == (gpointer) &keys[e];
        }
      /* Widths and colours are quantised (8 widths x 12 colours) so a
       * big graph shares a few dozen styles instead of one per edge. */
      double t = log1p ((double) ed->count) / log1p ((double) cmax);
      t = round (t * 7) / 7;
      double width = 0.7 + width_span * t;
      gint64 lat = edge_latency (ed);
      RenderColor col = ctx->tc->edge;
      if (lat >= 0)
        col = render_palette_ramp (round (render_palette_latency_position (lat, lo, hi) * 11) / 11,
                                   ctx->o.theme);
      col = render_color_with_alpha (col, alpha_base + (0.95 - alpha_base) * t);
      g_string_truncate (title, 0);
      g_string_append_printf (title, "%s \xe2\x86\x92 %s\n%" G_GUINT64_FORMAT " messages (%.3g/s)",
                              from->name ? from->name : "?", to->name ? to->name : "?",
                              ed->count, ed->rate_per_s);
      append_latency (title, "round trip", &ed->round_trip);
      append_latency (title, "time in mailbox", &ed->mailbox);
      const char *top = ingest_graph_atom (g, ed->top_label);
      if (*top)
        g_string_append_printf (title, "\nmost frequent: %s", top);
      if (ed->pending)
        g_string_append_printf (title, "\npending: %" G_GUINT64_FORMAT, ed->pending);
      if (ed->dropped)
        g_string_append_printf (title, "\ndropped: %" G_GUINT64_FORMAT, ed->dropped);
      g_snprintf (idbuf, sizeof idbuf, "e%u-%u", ed->from, ed->to);
      render_scene_group_begin (scene, "edge", idbuf, title->str);
      render_scene_group_set_data (scene, "from", from->name);
      render_scene_group_set_data (scene, "to", to->name);
      g_snprintf (idbuf, sizeof idbuf, "%" G_GUINT64_FORMAT, ed->count);
      render_scene_group_set_data (scene, "count", idbuf);
      if (half_line)
        render_scene_group_set_data (scene, "shape", "half");
      render_scene_set_stroke (scene, col);
      render_scene_set_fill (scene, RENDER_COLOR_NONE);
      render_scene_set_stroke_width (scene, width);
      if (ed->pending && ed->received == 0)
        {
          double dash[2] = { 5, 3 };
          render_scene_set_dash (scene, dash, 2);
        }
      else
        render_scene_set_dash (scene, NULL, 0);
      double x1 = gr->xy[2 * ed->from], y1 = gr->xy[2 * ed->from + 1];
      double x2 = gr->xy[2 * ed->to], y2 = gr->xy[2 * ed->to + 1];
      double r1 = gr->rad[ed->from], r2 = gr->rad[ed->to];
      double head = MIN (5 + width * 1.6, 12);
      if (ed->from == ed->to)
        {
          /* self loop above the node */
          double a = r1 * 0.7;
          render_scene_arrow_curve (scene, x1 - a, y1 - r1 * 0.7, x1 - r1 * 2.2, y1 - r1 * 3.2,
                                    x1 + r1 * 2.2, y1 - r1 * 3.2, x1 + a, y1 - r1 * 0.7 - 1,
                                    RENDER_HEAD_FILLED, head);
          /* The count on the loop: a folded process's flows between its
           * own threads must read as a number, not only as a curl. */
          g_snprintf (idbuf, sizeof idbuf, "\xc3\x97%" G_GUINT64_FORMAT, ed->count);
          render_layout_use_font (ctx, scene, ctx->small);
          render_scene_set_fill (scene, ctx->tc->muted);
          render_scene_set_stroke (scene, RENDER_COLOR_NONE);
          render_scene_text (scene, x1, y1 - r1 * 2.6 - width - 3, idbuf, RENDER_ANCHOR_MIDDLE,
                             RENDER_BASELINE_ALPHABETIC, render_font_measure (ctx->small, idbuf, -1));
        }
      else
        {
          IngestPairKey rkey = ingest_pair_key (ed->to, ed->from);
          gboolean has_reverse = g_hash_table_contains (pairs, &rkey);
          double dx = x2 - x1, dy = y2 - y1, len = hypot (dx, dy);
          if (len < r1 + r2 + 2)
            {
              render_scene_group_end (scene);
              (*n_drawn)++;
              continue;
            }
          if (half_line)
            {
              /* from the middle of the line to this direction's end; the
               * other direction draws the other half */
              double sx, sy, ex, ey;
              toward (x1, y1, r1 + 2, x2, y2, &sx, &sy);
              toward (x2, y2, r2 + 2, x1, y1, &ex, &ey);
              render_scene_arrow (scene, (sx + ex) / 2, (sy + ey) / 2, ex, ey, RENDER_HEAD_FILLED, head);
            }
          else if (has_reverse)
            {
              /* Bend to the right of the direction of travel, so A->B and
               * B->A take opposite sides. */
              double bend = MIN (len * 0.18, 40);
              double nx = -dy / len * bend, ny = dx / len * bend;
              double mx = (x1 + x2) / 2 + nx, my = (y1 + y2) / 2 + ny;
              double sx, sy, ex, ey;
              toward (x1, y1, r1 + 1, mx, my, &sx, &sy);
              toward (x2, y2, r2 + 2, mx, my, &ex, &ey);
              /* quadratic through m as a cubic */
              double qx = 2 * mx - (sx + ex) / 2, qy = 2 * my - (sy + ey) / 2;
              render_scene_arrow_curve (scene, sx, sy, sx + 2.0 / 3 * (qx - sx), sy + 2.0 / 3 * (qy - sy),
                                        ex + 2.0 / 3 * (qx - ex), ey + 2.0 / 3 * (qy - ey), ex, ey,
                                        RENDER_HEAD_FILLED, head);
            }
          else
            {
              double sx, sy, ex, ey;
              toward (x1, y1, r1 + 1, x2, y2, &sx, &sy);
              toward (x2, y2, r2 + 2, x1, y1, &ex, &ey);
              render_scene_arrow (scene, sx, sy, ex, ey, RENDER_HEAD_FILLED, head);
            }
        }
      render_scene_group_end (scene);
      (*n_drawn)++;
    }
  render_scene_group_end (scene);
  render_scene_set_dash (scene, NULL, 0);
  g_string_free (title, TRUE);
  g_hash_table_unref (pairs);
  g_free (keys);
  g_free (rank);
  g_free (order);
}

/* Each cluster as a rounded box around its members with the parent's name
 * on top, under the edges and nodes: <g class="cluster"> with the name as
 * its title (escaped by the backends like every trace string). */
static void
draw_clusters (Graph *gr, RenderScene *scene)
{
  RenderLayoutContext *ctx = &gr->ctx;
  char buf[32];

  if (gr->clusters == NULL || gr->clusters->len == 0)
    return;
  render_scene_group_begin (scene, NULL, "clusters", NULL);
  for (guint c = 0; c < gr->clusters->len; c++)
    {
      const Cluster *cl = &g_array_index (gr->clusters, Cluster, c);
      double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
      for (guint m = 0; m < cl->n_members; m++)
        {
          guint i = cl->members[m];
          double r = gr->rad[i];
          x0 = MIN (x0, gr->xy[2 * i] - r);
          y0 = MIN (y0, gr->xy[2 * i + 1] - r);
          x1 = MAX (x1, gr->xy[2 * i] + r);
          y1 = MAX (y1, gr->xy[2 * i + 1] + r);
        }
      double pad = 8;
      x0 -= pad;
      x1 += pad;
      y0 -= pad + render_font_get_size (ctx->small) * 1.3;
      y1 += pad;
      const char *name = ingest_graph_actor_name (gr->g, cl->parent);
      render_scene_group_begin (scene, "cluster", NULL, name);
      g_snprintf (buf, sizeof buf, "%u", cl->n_members);
      render_scene_group_set_data (scene, "members", buf);
      render_scene_set_fill (scene, render_color_with_alpha (ctx->tc->panel, 0.45));
      render_scene_set_stroke (scene, render_color_with_alpha (ctx->tc->panel_border, 0.9));
      render_scene_set_stroke_width (scene, 1);
      render_scene_rect (scene, x0, y0, x1 - x0, y1 - y0, 8);
      /* the name, cut to the box's width */
      render_layout_use_font (ctx, scene, ctx->small);
      render_scene_set_fill (scene, ctx->tc->muted);
      render_scene_set_stroke (scene, RENDER_COLOR_NONE);
      double lw = 0;
      g_autofree char *label = render_font_ellipsize (ctx->small, name, MAX (x1 - x0 - 12, 24), &lw);
      if (label != NULL && label[0] != '\0')
        render_scene_text (scene, x0 + 6, y0 + 4, label, RENDER_ANCHOR_START, RENDER_BASELINE_HANGING, lw);
      render_scene_group_end (scene);
    }
  render_scene_group_end (scene);
}

static int
node_cmp_traffic (gconstpointer a, gconstpointer b, gpointer data)
{
  const IngestGraph *g = data;
  const IngestViewNode *x = &g_array_index (g->nodes, IngestViewNode, *(const guint *) a);
  const IngestViewNode *y = &g_array_index (g->nodes, IngestViewNode, *(const guint *) b);
  guint64 tx = x->sent + x->received, ty = y->sent + y->received;
  if (tx != ty)
    return tx > ty ? -1 : 1;
  return *(const guint *) a < *(const guint *) b ? -1 : 1;
}

static RenderColor
kind_color (RenderLayoutContext *ctx, guint8 kind)
{
  static const guint idx[] = { 0, 1, 2, 5, 4 };
  return render_palette_categorical (kind < G_N_ELEMENTS (idx) ? idx[kind] : 0, ctx->o.theme);
}

static void
draw_nodes (Graph *gr, RenderScene *scene, guint *n_labels)
{
  const IngestGraph *g = gr->g;
  RenderLayoutContext *ctx = &gr->ctx;
  guint n = gr->n;
  double W = ctx->o.width, H = ctx->o.height;
  /* Label placement first (greedy, busiest first), drawing after, so each
   * actor's group holds its shape and its label. */
  guint *order = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data (order, n, sizeof (guint), node_cmp_traffic, (gpointer) g);
  BoxGrid grid;
  grid_init (&grid, W, H, 48);
  for (guint i = 0; i < n; i++)
    {
      Box b = { gr->xy[2 * i] - gr->rad[i], gr->xy[2 * i + 1] - gr->rad[i],
                gr->xy[2 * i] + gr->rad[i], gr->xy[2 * i + 1] + gr->rad[i] };
      grid_add (&grid, b);
    }
  /* the legend's corner is taken too */
  if (!ctx->o.hide_legend)
    grid_add (&grid, (Box){ 0, H - gr->legend_h - 8, W, H });
  char **labels = g_new0 (char *, n);
  double *lx = g_new (double, n), *ly = g_new (double, n), *lw = g_new (double, n);
  guint8 *anchor = g_new0 (guint8, n);
  gboolean *leader = g_new0 (gboolean, n);
  gboolean *crowded = g_new0 (gboolean, n);
  double fh = ctx->fs * 1.25;
  double max_label = CLAMP (W / 6, 60, 200);
  /* Shortest forms that still tell the nodes apart (render-names.h). */
  g_auto(GStrv) short_names = render_layout_short_names (g->nodes);
  *n_labels = 0;
  for (guint k = 0; k < n; k++)
    {
      guint i = order[k];
      char *shortname = g_strdup (short_names[i]);
      double x = gr->xy[2 * i], y = gr->xy[2 * i + 1], r = gr->rad[i];
      /* Never lose a label silently: the full name, then shorter ones,
       * first next to the node, then farther out with a leader line; as
       * a last resort the shortest form goes below the node even if it
       * overlaps (the full name is always in the tooltip). */
      static const double shrink[] = { 1.0, 0.5, 0.28 };
      for (guint attempt = 0; attempt < G_N_ELEMENTS (shrink) && labels[i] == NULL; attempt++)
        {
          double w;
          /* Cut at the start: a name's end tells it apart ("…age.nfs"). */
          char *text = render_font_ellipsize_start (ctx->font, shortname, MAX (max_label * shrink[attempt], 24), &w);
          if (*text == '\0')
            {
              g_free (text);
              break;
            }
          for (int ring = 0; ring < 3 && text != NULL; ring++)
            {
              double d = ring * (fh + 4);   /* extra distance from the node */
              double rr = r + d, rd = r * 0.7 + d * 0.7;
              /* candidates: below, above, right, left, then the diagonals */
              struct { double x, y; guint8 anchor; } cand[8] = {
                { x, y + rr + 2, RENDER_ANCHOR_MIDDLE },
                { x, y - rr - 2 - fh, RENDER_ANCHOR_MIDDLE },
                { x + rr + 3, y - fh / 2, RENDER_ANCHOR_START },
                { x - rr - 3, y - fh / 2, RENDER_ANCHOR_END },
                { x + rd + 2, y + rd, RENDER_ANCHOR_START },
                { x - rd - 2, y + rd, RENDER_ANCHOR_END },
                { x + rd + 2, y - rd - fh, RENDER_ANCHOR_START },
                { x - rd - 2, y - rd - fh, RENDER_ANCHOR_END },
              };
              for (int c = 0; c < 8; c++)
                {
                  double bx0 = cand[c].anchor == RENDER_ANCHOR_MIDDLE ? cand[c].x - w / 2
                               : cand[c].anchor == RENDER_ANCHOR_END  ? cand[c].x - w
                                                                       : cand[c].x;
                  Box b = { bx0 - 2, cand[c].y, bx0 + w + 2, cand[c].y + fh };
                  if (b.x0 < 2 || b.x1 > W - 2 || b.y0 < 2 || b.y1 > H - 2)
                    continue;
                  if (grid_hits (&grid, &b))
                    continue;
                  grid_add (&grid, b);
                  labels[i] = text;
                  text = NULL;
                  lx[i] = cand[c].x;
                  ly[i] = cand[c].y;
                  lw[i] = w;
                  anchor[i] = cand[c].anchor;
                  leader[i] = ring > 0;
                  (*n_labels)++;
                  break;
                }
            }
          if (text != NULL && attempt + 1 == G_N_ELEMENTS (shrink))
            {
              /* last resort: below (or above at the bottom edge), clamped
               * into the canvas, overlapping whatever is there */
              double ty = y + r + 2 + fh > H - 2 - gr->legend_h ? y - r - 2 - fh : y + r + 2;
              lx[i] = CLAMP (x, w / 2 + 4, W - w / 2 - 4);
              ly[i] = CLAMP (ty, 2, H - 2 - fh);
              lw[i] = w;
              anchor[i] = RENDER_ANCHOR_MIDDLE;
              leader[i] = FALSE;
              crowded[i] = TRUE;
              labels[i] = text;
              text = NULL;
              (*n_labels)++;
            }
          g_free (text);
        }
      g_free (shortname);
    }
  grid_clear (&grid);

  GString *title = g_string_new (NULL);
  char buf[64];
  RenderColor halo = render_color_with_alpha (ctx->tc->background, 0.78);
  render_scene_group_begin (scene, NULL, "actors", NULL);
  for (guint i = 0; i < n; i++)
    {
      const IngestViewNode *nd = &g_array_index (g->nodes, IngestViewNode, i);
      g_string_truncate (title, 0);
      g_string_append_printf (title, "%s (%s%s)\nsent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT,
                              nd->name ? nd->name : "?", kind_name (nd->kind),
                              nd->is_group ? ", group" : "", nd->sent, nd->received);
      if (nd->is_group)
        g_string_append_printf (title, "\n%u members", nd->n_members);
      append_latency (title, "time in mailbox", &nd->mailbox);
      append_latency (title, "processing", &nd->processing);
      if (nd->mailbox_depth_max)
        g_string_append_printf (title, "\nmax mailbox depth %" G_GINT64_FORMAT, nd->mailbox_depth_max);
      if (nd->errors || nd->crashes || nd->dropped)
        g_string_append_printf (title, "\nerrors %" G_GUINT64_FORMAT ", crashes %" G_GUINT64_FORMAT
                                ", dropped %" G_GUINT64_FORMAT, nd->errors, nd->crashes, nd->dropped);
      render_scene_group_begin (scene, "actor", nd->name, title->str);
      render_scene_group_set_data (scene, "kind", kind_name (nd->kind));
      g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, nd->sent + nd->received);
      render_scene_group_set_data (scene, "traffic", buf);
      if (crowded[i])
        render_scene_group_set_data (scene, "label", "crowded");  /* placed overlapping */
      double x = gr->xy[2 * i], y = gr->xy[2 * i + 1], r = gr->rad[i];
      RenderColor kc = kind_color (ctx, nd->kind);
      gboolean bad = nd->crashes > 0 || nd->errors > 0;
      render_scene_set_dash (scene, NULL, 0);
      render_scene_set_fill (scene, render_color_mix (ctx->tc->background, kc,
                                                      ctx->o.theme == RENDER_THEME_DARK ? 0.45 : 0.3));
      render_scene_set_stroke (scene, bad ? ctx->tc->error : kc);
      render_scene_set_stroke_width (scene, bad ? 2.5 : 1.5);
      if (!nd->alive)
        {
          double dash[2] = { 3, 2 };
          render_scene_set_dash (scene, dash, 2);
        }
      if (nd->kind == INGEST_ACTOR_QUEUE)
        render_scene_rect (scene, x - r, y - r * 0.8, 2 * r, 1.6 * r, r * 0.3);
      else
        render_scene_circle (scene, x, y, r);
      render_scene_set_dash (scene, NULL, 0);
      if (nd->is_group && r > 6)
        {
          /* a second ring says "several actors folded here" */
          render_scene_set_fill (scene, RENDER_COLOR_NONE);
          render_scene_set_stroke_width (scene, 1);
          render_scene_circle (scene, x, y, r - 3);
        }
      if (labels[i])
        {
          double bx0 = anchor[i] == RENDER_ANCHOR_MIDDLE ? lx[i] - lw[i] / 2
                       : anchor[i] == RENDER_ANCHOR_END  ? lx[i] - lw[i]
                                                          : lx[i];
          if (leader[i])
            {
              /* a leader line from the node's rim to the label's box */
              double tx = CLAMP (x, bx0, bx0 + lw[i]), ty = CLAMP (y, ly[i] + 1, ly[i] + fh);
              double sx, sy;
              toward (x, y, r, tx, ty, &sx, &sy);
              render_scene_set_fill (scene, RENDER_COLOR_NONE);
              render_scene_set_stroke (scene, ctx->tc->muted);
              render_scene_set_stroke_width (scene, 0.7);
              render_scene_line (scene, sx, sy, tx, ty);
            }
          render_scene_set_stroke (scene, RENDER_COLOR_NONE);
          render_scene_set_fill (scene, halo);
          render_scene_rect (scene, bx0 - 2, ly[i] + 1, lw[i] + 4, fh - 1, 3);
          render_scene_set_fill (scene, ctx->tc->foreground);
          render_layout_use_font (ctx, scene, ctx->font);
          render_scene_text (scene, lx[i], ly[i] + fh / 2 + 0.5, labels[i], anchor[i],
                             RENDER_BASELINE_MIDDLE, lw[i]);
        }
      render_scene_group_end (scene);
    }
  render_scene_group_end (scene);
  g_string_free (title, TRUE);
  for (guint i = 0; i < n; i++)
    g_free (labels[i]);
  g_free (labels);
  g_free (lx);
  g_free (ly);
  g_free (lw);
  g_free (anchor);
  g_free (leader);
  g_free (crowded);
  g_free (order);
}

static void
draw_legend (Graph *gr, RenderScene *scene, guint n_edges_drawn, gint64 lo, gint64 hi)
{
  RenderLayoutContext *ctx = &gr->ctx;
  const IngestGraph *g = gr->g;
  double H = ctx->o.height, W = ctx->o.width;
  double y0 = H - gr->legend_h - 4, x = 16;
  double fs = render_font_get_size (ctx->small);
  char line[256], a[32], b[32];
  render_scene_group_begin (scene, "legend", NULL, NULL);
  render_scene_set_dash (scene, NULL, 0);
  render_scene_set_stroke (scene, ctx->tc->grid);
  render_scene_set_stroke_width (scene, 1);
  render_scene_line (scene, 16, y0, W - 16, y0);
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_layout_use_font (ctx, scene, ctx->small);
  render_scene_set_fill (scene, ctx->tc->muted);
  double y = y0 + fs * 1.2;
  if (n_edges_drawn < g->edges->len)
    g_snprintf (line, sizeof line, "%u actors \xc2\xb7 %u flows (busiest %u shown)",
                g->nodes->len, g->edges->len, n_edges_drawn);
  else
    g_snprintf (line, sizeof line, "%u actors \xc2\xb7 %u flows", g->nodes->len, g->edges->len);
  if (g->to_ns > g->from_ns && g->from_ns != INGEST_TIME_MIN && g->to_ns != INGEST_TIME_MAX)
    {
      gsize l = strlen (line);
      g_snprintf (line + l, sizeof line - l, " \xc2\xb7 window %s",
                  render_ticks_format_duration (g->to_ns - g->from_ns, a, sizeof a));
    }
  render_scene_text (scene, x, y, line, RENDER_ANCHOR_START, RENDER_BASELINE_MIDDLE,
                     render_font_measure (ctx->small, line, -1));
  y += fs * 1.7;
  /* sizes */
  const char *s1 = "circle area: messages sent + received";
  const char *s2 = "line width: messages (log scale)";
  render_scene_set_fill (scene, ctx->tc->node);
  render_scene_set_stroke (scene, ctx->tc->edge);
  render_scene_circle (scene, x + 4, y, 3);
  render_scene_circle (scene, x + 16, y, 6);
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_scene_set_fill (scene, ctx->tc->muted);
  render_scene_text (scene, x + 28, y, s1, RENDER_ANCHOR_START, RENDER_BASELINE_MIDDLE,
                     render_font_measure (ctx->small, s1, -1));
  double y2 = y + fs * 1.6;
  render_scene_set_stroke (scene, ctx->tc->edge);
  render_scene_set_stroke_width (scene, 1);
  render_scene_line (scene, x, y2 - 2, x + 22, y2 - 2);
  render_scene_set_stroke_width (scene, 3.5);
  render_scene_line (scene, x, y2 + 3, x + 22, y2 + 3);
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_scene_set_fill (scene, ctx->tc->muted);
  render_scene_text (scene, x + 28, y2, s2, RENDER_ANCHOR_START, RENDER_BASELINE_MIDDLE,
                     render_font_measure (ctx->small, s2, -1));
  /* latency ramp */
  double rx = MAX (x + 300, W * 0.45);
  if (lo >= 0)
    {
      const char *lab = "edge colour: p99 latency (round trip, else time in mailbox)";
      render_scene_text (scene, rx, y, lab, RENDER_ANCHOR_START, RENDER_BASELINE_MIDDLE,
                         render_font_measure (ctx->small, lab, -1));
      double bw = 160, bx = rx;
      for (int k = 0; k < 32; k++)
        {
          render_scene_set_fill (scene, render_palette_ramp (k / 31.0, ctx->o.theme));
          render_scene_rect (scene, bx + k * bw / 32, y2 - 4, bw / 32 + 0.3, 8, 0);
        }
      render_scene_set_fill (scene, ctx->tc->muted);
      render_ticks_format_duration (lo, a, sizeof a);
      render_ticks_format_duration (hi, b, sizeof b);
      render_scene_text (scene, bx - 4, y2, a, RENDER_ANCHOR_END, RENDER_BASELINE_MIDDLE,
                         render_font_measure (ctx->small, a, -1));
      render_scene_text (scene, bx + bw + 4, y2, b, RENDER_ANCHOR_START, RENDER_BASELINE_MIDDLE,
                         render_font_measure (ctx->small, b, -1));
      /* kinds */
    }
  render_scene_group_end (scene);
}

RenderScene *
render_layout_graph (const IngestGraph *graph, const RenderLayoutOptions *options)
{
  Graph gr = { 0 };
  render_layout_context_init (&gr.ctx, options, 1200, 800);
  if (graph == NULL || graph->nodes == NULL || graph->nodes->len == 0)
    {
      RenderScene *s = render_layout_empty (&gr.ctx, "graph");
      render_layout_context_clear (&gr.ctx);
      return s;
    }
  gr.g = graph;
  gr.n = graph->nodes->len;
  gr.xy = g_new0 (double, 2 * gr.n);
  gr.rad = g_new0 (double, gr.n);
  compute_positions (&gr);
  record_positions (&gr);

  RenderScene *scene = render_layout_scene_new (&gr.ctx, "graph", gr.ctx.o.width, gr.ctx.o.height);
  render_layout_draw_title (&gr.ctx, scene, 16, 10);
  guint n_edges = 0, n_labels = 0;
  gint64 lo, hi;
  draw_clusters (&gr, scene);
  if (graph->edges)
    draw_edges (&gr, scene, &n_edges, &lo, &hi);
  else
    lo = hi = -1;
  draw_nodes (&gr, scene, &n_labels);
  if (!gr.ctx.o.hide_legend)
    draw_legend (&gr, scene, n_edges, lo, hi);
  g_free (gr.xy);
  g_free (gr.rad);
  g_free (gr.hier);
  g_clear_pointer (&gr.clusters, g_array_unref);
  render_layout_context_clear (&gr.ctx);
  return scene;
}
