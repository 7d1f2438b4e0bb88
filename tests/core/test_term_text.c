/* Control characters made visible, by hand-written expectations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/term_text.h"
#include "siamese/status.h"

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

/* An error message longer than the buffer (a path near PATH_MAX) keeps
 * its start and its end, where the reason is. */
static void long_error_keeps_its_reason(void **state)
{
    (void)state;
    char path[3001];
    memset(path, 'd', 3000);
    path[0] = '/';
    path[3000] = '\0';
    siam_error err;
    siam_error_set(&err, SIAM_ERR_IO, "cannot open image %s: %s", path, "File name too long");
    size_t n = strlen(err.msg);
    assert_int_equal(n, SIAM_ERROR_MSG_SIZE - 1);
    assert_memory_equal(err.msg, "cannot open image /ddd", 21);
    assert_string_equal(err.msg + n - 23, "ddd: File name too long");
    assert_non_null(strstr(err.msg, "d...d"));
    siam_error_set(&err, SIAM_ERR_IO, "short: %s", "kept whole");
    assert_string_equal(err.msg, "short: kept whole");
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
    const struct CMUnitTest tests[] = {cmocka_unit_test(escapes), cmocka_unit_test(cut_with_dots),
                                       cmocka_unit_test(long_error_keeps_its_reason)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
