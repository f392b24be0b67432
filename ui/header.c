/* header.c: the two header rows (image, format, platform; the figures), the banner of a damaged
 * image, and the status line at the bottom (prompt, message or key hints). */
#include "ui/header.h"

#include <stdio.h>
#include <string.h>

#include "analysis/advice_report.h"
#include "analysis/report.h"
#include "src/util.h"
#include "ui/draw.h"
#include "ui/load.h"
#include "ui/theme.h"
#include "ui/view.h"

static const char *image_name(const struct image *img)
{
    if (img->n_tags && img->tags[0] && *img->tags[0])
        return img->tags[0];
    const char *s = img->source ? img->source : "";
    const char *b = strrchr(s, '/');
    return b && b[1] ? b + 1 : s;
}

/* What a damaged image leaves out, on a row of its own: which layer, why, and that every figure
 * covers only what was read (the layers pane marks the layer itself). */
static void draw_partial_banner(struct ui *u, int y)
{
    const struct image *img = u->img;
    size_t n = 0, first = 0;
    for (size_t i = img->n_layers; i-- > 0;)
        if (img->layers[i].error)
            n++, first = i;
    if (!n)
        return;
    char line[512];
    if (n == 1)
        snprintf(line, sizeof line, "PARTIAL  layer %zu is damaged (%s): its files after the damage are "
                 "missing from every figure", first, img->layers[first].error);
    else
        snprintf(line, sizeof line, "PARTIAL  %zu layers are damaged (layer %zu: %s, …): their files after "
                 "the damage are missing from every figure", n, first, img->layers[first].error);
    attr_t a = theme_attr(TC_ERROR) | A_REVERSE;
    draw_fill(stdscr, y, 0, u->cols, a);
    draw_name(stdscr, y, 1, u->cols - 2, line, a, ELIDE_RIGHT);
}

void header_draw(struct ui *u)
{
    const struct image *img = u->img;
    attr_t h = theme_attr(TC_HEADER), hd = theme_attr(TC_HEADER_DIM);
    draw_fill(stdscr, 0, 0, u->cols, h);
    draw_fill(stdscr, 1, 0, u->cols, hd);
    int x = draw_text(stdscr, 0, 1, 8, "strata", h) + 2;
    x += draw_name(stdscr, 0, x, u->cols / 2, image_name(img), h, ELIDE_LEFT) + 2;
    char info[512], split[96], cuda[96];
    /* base/yours split and CUDA (advice_report.c), each "" when unknown */
    split[0] = cuda[0] = 0;
    if (u->an) {
        advice_split_short(u->an, split, sizeof split);
        advice_cuda_short(u->an, cuda, sizeof cuda);
    }
    snprintf(info, sizeof info, "%s  %s/%s%s%s%s%s%s%s", image_format_name(img->format), img->os ? img->os : "?",
             img->arch ? img->arch : "?", img->variant && *img->variant ? "/" : "",
             img->variant ? img->variant : "", split[0] ? "   " : "", split, cuda[0] ? "   " : "", cuda);
    if (x < u->cols - 2)
        draw_name(stdscr, 0, x, u->cols - x - 1, info, hd, ELIDE_RIGHT);
    char line[512];
    if (u->loader) {    /* still loading: the progress where the figures come */
        load_draw_progress(u->loader, 1, u->cols, img->model.n_layers, hd);
        return;
    }
    /* the same figures as --report, what can be won first (analysis/report_text.c) */
    report_header_figures(line, sizeof line, img, u->an, u->cols - 2);
    size_t ns = u->an ? u->an->n_secrets : 0;
    int w = draw_text(stdscr, 1, 1, u->cols - 2, line, hd);
    if (ns && u->cols - 2 > w)
        draw_text(stdscr, 1, 1 + w - (int)(strlen(line) - (size_t)(strstr(line, "secrets") - line)),
                  (int)strlen(line) - (int)(strstr(line, "secrets") - line), strstr(line, "secrets"),
                  theme_attr(TC_HEADER) | A_BOLD);
    if (img->n_warnings) {
        char wb[32];
        snprintf(wb, sizeof wb, "%zu warning%s", img->n_warnings, img->n_warnings == 1 ? "" : "s");
        if (u->cols - 2 - (int)strlen(wb) > w + 3)
            draw_text(stdscr, 1, u->cols - 1 - (int)strlen(wb), (int)strlen(wb), wb, hd);
    }
    if (img->partial && u->lay.header_h > 2)
        draw_partial_banner(u, 2);
}

static const char *prompt_label(int kind)
{
    return kind == PROMPT_SEARCH ? "/" : kind == PROMPT_FILTER ? "filter (regex; Ctrl-U, Enter clears): "
         : "extract to folder: ";
}

void header_draw_status(struct ui *u)
{
    int y = u->lay.status_y;
    attr_t s = theme_attr(TC_STATUS);
    draw_fill(stdscr, y, 0, u->cols, s);
    if (u->prompt) {
        int x = draw_text(stdscr, y, 1, u->cols - 2, prompt_label(u->prompt), s | A_BOLD) + 1;
        u->pbuf[u->plen] = 0;
        int w = draw_name(stdscr, y, x, u->cols - x - 2, u->pbuf, s, ELIDE_LEFT);
        draw_text(stdscr, y, x + w, 1, "_", s | A_BLINK);
        /* search as you type: where the first match is */
        if (u->prompt == PROMPT_SEARCH && u->msg[0] && x + w + 4 < u->cols - 2)
            draw_name(stdscr, y, x + w + 3, u->cols - x - w - 5, u->msg,
                      u->msg_err ? theme_attr(TC_ERROR) | A_REVERSE : s, ELIDE_RIGHT);
        return;
    }
    if (u->msg[0]) {
        draw_name(stdscr, y, 1, u->cols - 2, u->msg, u->msg_err ? theme_attr(TC_ERROR) | A_REVERSE : s, ELIDE_RIGHT);
        return;
    }
    if (u->loader) {
        draw_text(stdscr, y, 1, u->cols - 2, "loading: the tree so far; findings once every layer is read and "
                  "analysed   Tab pane  Enter open  / search  ? help  q quit", s);
        return;
    }
    /* the longest that fits: a cut hint would hide "q quit" */
    static const char *hints[] = {
        "Tab pane  Enter open/jump  / search  f filter  c changes  s sort  v view  x extract  ? help  q quit",
        "Tab pane  Enter open  / search  f filter  c changes  v view  ? help  q quit",
        "Tab pane  Enter open  / search  f filter  ? help  q quit",
        "? help  q quit",
    };
    size_t h = 0;
    while (h + 1 < sizeof hints / sizeof *hints && (int)strlen(hints[h]) > u->cols - 2)
        h++;
    draw_text(stdscr, y, 1, u->cols - 2, hints[h], s);
}

