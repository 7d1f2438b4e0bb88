/* Control characters made visible, by hand-written expectations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "term_text.h"

#include <string.h>

static void escapes(void **state)
{
    (void)state;
    char out[64];
    siam_escape_text("a\nb\tc\rd\x1b[2J\x7f" "e", out, sizeof out);
    assert_string_equal(out, "a\\nb\\tc\\rd\\x1b[2J\\x7fe");
    siam_escape_text("plain name/with spaces", out, sizeof out);
    assert_string_equal(out, "plain name/with spaces");
    siam_escape_text("caf\xc3\xa9", out, sizeof out); /* UTF-8 passes as it is */
    assert_string_equal(out, "caf\xc3\xa9");
}

static void cut_with_dots(void **state)
{
    (void)state;
    char out[10];
    siam_escape_text("0123456789abcdef", out, sizeof out);
    assert_string_equal(out, "012345...");
    siam_escape_text("\n\n\n\n\n\n", out, sizeof out);
    assert_int_equal(strlen(out) < sizeof out, 1);
    assert_non_null(strstr(out, "..."));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(escapes), cmocka_unit_test(cut_with_dots)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
