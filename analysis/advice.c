/* advice.c: runs the advice passes (base.c, layer_order.c, cuda.c) after the analysis proper, and
 * frees what they made. */
#include "analysis/advice.h"

#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"

void advice_run(struct analysis *a, const struct image *img)
{
    advice_free(a->advice);
    struct advice *ad = xcalloc(1, sizeof *ad);
    a->advice = ad;
    base_run(a, img, &ad->base);      /* first: the others look at the image's own part */
    layer_order_run(a, img, ad);
    cuda_run(a, img, &ad->cuda);
}

void advice_free(struct advice *ad)
{
    if (!ad)
        return;
    base_split_free(&ad->base);
    for (size_t i = 0; i < ad->n_order; i++) {
        free(ad->order[i].code_example);
        free(ad->order[i].fix);
    }
    free(ad->order);
    free(ad->cuda.require);
    free(ad->cuda.visible_devices);
    free(ad->cuda.driver_capabilities);
    free(ad);
}
