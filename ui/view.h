/* view.h: what the views share. One struct ui holds the loaded image, the tree view model and
 * the pane windows; each pane is a struct view driven by its const struct view_ops.
 *
 * The loop (ui.c, keys in keys.c) maps a key to an action, handles the global ones (panes, layer, search,
 * filter, toggles, help, quit) and passes the rest to the focused view's key(), which returns
 * REACT_* flags. Overlays (help, text viewer) take every key while open. */
#ifndef STRATA_UI_VIEW_H
#define STRATA_UI_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analysis.h"
#include "analysis/finding_groups.h"
#include "src/image.h"
#include "ui/actions.h"
#include "ui/rows.h"
#include "ui/term.h"

enum {
    REACT_HANDLED  = 1 << 0,
    REACT_REDRAW   = 1 << 1,   /* this view's content changed */
    REACT_RELAYOUT = 1 << 2,   /* window sizes changed */
    REACT_RELOAD   = 1 << 3,   /* layer or rows changed: every pane redraws */
    REACT_QUIT     = 1 << 4,
    REACT_CLOSE    = 1 << 5,   /* an overlay is done */
};

enum pane { PANE_LAYERS, PANE_TREE, PANE_FINDINGS, PANE_DETAILS, PANE_COUNT };

struct view;
struct loader;
struct view_ops {
    const char *name;
    void (*init)(struct view *v);
    void (*layout)(struct view *v, int y, int x, int h, int w);
    void (*draw)(struct view *v);
    int (*key)(struct view *v, enum action act);
    int (*click)(struct view *v, int row, int col);   /* window-relative; may be NULL */
    void (*fini)(struct view *v);
};

struct view {
    const struct view_ops *ops;
    struct ui *u;
    WINDOW *win;
    int y, x, h, w;
    long sel, top;          /* selected row, first row shown */
    void *priv;
};

extern const struct view_ops view_layers_ops, view_tree_ops, view_findings_ops,
    view_details_ops, view_help_ops, view_text_ops;


enum { PROMPT_NONE, PROMPT_SEARCH, PROMPT_FILTER, PROMPT_EXTRACT };

struct ui_layout {          /* pure function of (rows, cols): see ui_layout() */
    int too_small;
    int header_h;
    int pane[PANE_COUNT][4];   /* y, x, h, w */
    int status_y;
};

struct ui {
    SCREEN *scr;
    struct image *img;
    struct analysis *an;
    int theme;
    struct rows rows;
    /* layers pane rows: history entries (or layers when there is no history) */
    size_t n_lrows;
    int *lrow_layer;        /* layer the row made, -1 for an empty-layer entry */
    int *lrow_fs;           /* layer whose filesystem the row shows (last made at or before) */
    int *lrow_hist;         /* history index, -1 */
    int layer;              /* the tree shows the filesystem after this layer, -1: none */
    uint32_t tree_node;     /* selected path node, kept across rebuilds */
    /* findings pane: the groups (analysis/finding_groups.h), which are open, the rows shown */
    struct fgroups fg;      /* n 0 until built (the reader may hand them over built) */
    struct prefetch *prefetch;  /* the loaded view: neighbouring layers' rollups in the background */
    uint8_t *fg_open;       /* per group */
    uint32_t *frows; size_t n_frows;   /* group indices, display order */
    int fk_only;            /* 0: every kind; else the one FK_* class shown (t cycles) */
    int show_attrs;         /* the tree shows mode and uid:gid (m) */
    int focus;              /* PANE_LAYERS / PANE_TREE / PANE_FINDINGS */
    int details_of;         /* which pane the details area describes */
    struct view views[PANE_COUNT];
    struct view overlay;    /* ops NULL when no overlay */
    struct ui_layout lay;
    int lines, cols;
    /* prompt on the status line */
    int prompt;
    char pbuf[256];
    size_t plen;
    /* last search (every layer); where the prompt was opened, for Esc */
    char search[256];
    uint32_t *matches; size_t n_matches;
    long search_from_layer;
    uint32_t search_from_node;
    int search_from_focus;
    uint8_t *search_open;   /* rows.open when the search prompt opened, NULL */
    /* status message */
    char msg[512];
    int msg_err;
    int dirty;
    struct diff_mode *diff;  /* the diff split view (ui/diff_view.c) instead of the panes */
    struct loader *loader;   /* while loading: the reader (ui/load.h); img is a state of its
                              * tree and an is NULL (no findings yet). NULL once loaded */
};

/* ui.c helpers for the views */
void ui_set_layer_row(struct ui *u, long row);   /* selects a layers-pane row, retargets tree */
void ui_message(struct ui *u, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ui_jump_to(struct ui *u, uint32_t entry);   /* layer that wrote it, reveal, focus tree */
void ui_jump_node(struct ui *u, uint32_t node, int layer);
/* The entry the tree shows for node at the current layer: visible version, else the version
 * this layer removed; 0 if none. */
uint32_t ui_node_entry(const struct ui *u, uint32_t node);
void ui_open_viewer(struct ui *u, uint32_t node);
/* SIGINT/SIGTERM/SIGHUP arrived: long work stops and returns to the loop, which dies of it. */
int ui_signalled(void);
long ui_layer_row_of(const struct ui *u, int layer);
void ui_layout_compute(int lines, int cols, size_t n_lrows, struct ui_layout *out);

/* ui.c for the other ui/ files: layout again from the terminal's size (every window remade);
 * open an overlay (help, viewer) over the panes, close it; the loop's clock and its death by
 * a signal (restores the terminal first). */
void ui_relayout(struct ui *u);
void ui_overlay_open(struct ui *u, const struct view_ops *ops);
void ui_overlay_close(struct ui *u);
int ui_now_ms(void);
void ui_die_of_signal(void);
/* Terminal modes, colours and mouse for a view (the image view and the diff view alike). */
void ui_term_setup(int theme);

/* view helpers shared by list panes: move a selection within n rows visible in h lines */
int list_move(long *sel, long *top, long n, int h, enum action act);
void list_scroll_into_view(long sel, long *top, long n, int h);

/* The group on the findings pane's selected row, 0 if none. */
uint32_t view_findings_selected(const struct ui *u);

/* text viewer overlay content */
void view_text_set(struct view *v, const char *title, char *buf, size_t len, int truncated);

#endif
