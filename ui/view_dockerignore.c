/* view_dockerignore.c: the .dockerignore preview. The text is what `strata --dockerignore IMAGE`
 * prints (the same builder and writer), shown in the read-only text overlay, which escapes every
 * line before drawing it. Nothing is written from the view: the title says how to get the file. */
#include "ui/view_dockerignore.h"

#include <stdio.h>
#include <stdlib.h>

#include "analysis/dockerignore.h"
#include "ui/ui.h"
#include "ui/view.h"

void ui_open_dockerignore(struct ui *u)
{
    if (!u->an || !u->img) {
        ui_message(u, 0, "the image is still loading");
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        ui_message(u, 1, "no memory for the .dockerignore preview");
        return;
    }
    struct dockerignore *d = dockerignore_build(u->an, u->img);
    dockerignore_write(f, d, u->img, u->an);
    size_t n_lines = d->n_lines;
    dockerignore_free(d);
    if (fclose(f) != 0 || !buf) {
        free(buf);
        ui_message(u, 1, "no memory for the .dockerignore preview");
        return;
    }
    ui_overlay_open(u, &view_text_ops);
    view_text_set(&u->overlay, ".dockerignore preview  (strata --dockerignore IMAGE > .dockerignore writes it)",
                  buf, len, 0);
    ui_message(u, 0, "%zu .dockerignore line%s", n_lines, n_lines == 1 ? "" : "s");
}
