/* search.h: the prompt on the status line and the search it runs.
 *
 *   search_prompt_start(u, PROMPT_SEARCH, "");   // the status line becomes "/" and takes keys
 *   re = search_prompt_key(u, key);             // every key while u->prompt is set; REACT_*
 *   re = search_step(u, +1);                    // n: next match of the last search (-1: N)
 */
#ifndef STRATA_UI_SEARCH_H
#define STRATA_UI_SEARCH_H

struct ui;
void search_prompt_start(struct ui *u, int kind, const char *init);
int search_prompt_key(struct ui *u, int key);
int search_step(struct ui *u, int dir);

#endif
