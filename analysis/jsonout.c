#include "analysis/jsonout.h"

#include "src/util.h"

json_t *jsonout_name(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j)
        return j;
    char buf[8192];
    return json_string(util_escape(s, buf, sizeof buf));
}
