/* The one place where Koch's splits are written down (see split.h). */
#include "data/split.h"

#include <stdio.h>
#include <string.h>

static const char *const background_alphabets[] = {
    "Alphabet_of_the_Magi", "Anglo-Saxon_Futhorc", "Arcadian", "Armenian",
    "Asomtavruli_(Georgian)", "Balinese", "Bengali",
    "Blackfoot_(Canadian_Aboriginal_Syllabics)", "Braille", "Burmese_(Myanmar)",
    "Cyrillic", "Early_Aramaic", "Futurama", "Grantha", "Greek", "Gujarati",
    "Hebrew", "Inuktitut_(Canadian_Aboriginal_Syllabics)", "Japanese_(hiragana)",
    "Japanese_(katakana)", "Korean", "Latin", "Malay_(Jawi_-_Arabic)",
    "Mkhedruli_(Georgian)", "N_Ko", "Ojibwe_(Canadian_Aboriginal_Syllabics)",
    "Sanskrit", "Syriac_(Estrangelo)", "Tagalog", "Tifinagh",
};

/* The evaluation alphabets that Lake's all_runs do not use. */
static const char *const validation_alphabets[] = {
    "Angelic", "Atemayar_Qelisayer", "Aurek-Besh", "Avesta", "Keble",
    "Mongolian", "Oriya", "Sylheti", "Syriac_(Serto)", "ULOG",
};

/* Lake's all_runs alphabets (koch2015-and-peers.md §2.4). */
static const char *const lake_alphabets[] = {
    "Atlantean", "Ge_ez", "Glagolitic", "Gurmukhi", "Kannada", "Malayalam",
    "Manipuri", "Old_Church_Slavonic_(Cyrillic)", "Tengwar", "Tibetan",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const siam_split_def splits[SIAM_SPLIT_COUNT] = {
    {"train", "images_background", COUNT(background_alphabets), background_alphabets, 1, 12,
     "30 background alphabets x 12 drawers (Koch 4.1: 60% of the data)"},
    {"validation", "images_evaluation", COUNT(validation_alphabets), validation_alphabets, 13, 16,
     "10 evaluation alphabets not in Lake's all_runs x 4 drawers"},
    {"test", "images_evaluation", COUNT(lake_alphabets), lake_alphabets, 17, 20,
     "Lake's 10 all_runs alphabets x 4 other drawers"},
};

const siam_split_def *siam_split_get(siam_split_id id)
{
    if ((int)id < 0 || id >= SIAM_SPLIT_COUNT)
        return NULL;
    return &splits[id];
}

const char *const *siam_split_lake_alphabets(size_t *n)
{
    if (n)
        *n = COUNT(lake_alphabets);
    return lake_alphabets;
}

siam_status siam_split_parse(const char *name, siam_split_id *id, siam_error *err)
{
    if (name && id) {
        if (strcmp(name, "train") == 0) {
            *id = SIAM_SPLIT_TRAIN;
            return SIAM_OK;
        }
        if (strcmp(name, "validation") == 0 || strcmp(name, "val") == 0) {
            *id = SIAM_SPLIT_VAL;
            return SIAM_OK;
        }
        if (strcmp(name, "test") == 0) {
            *id = SIAM_SPLIT_TEST;
            return SIAM_OK;
        }
    }
    return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                          "unknown split '%s' (expected train, validation or test)",
                          name ? name : "(null)");
}

siam_status siam_split_subset(const siam_dataset *ds, siam_split_id id, int all_drawers,
                              siam_subset **out, siam_error *err)
{
    const siam_split_def *def = siam_split_get(id);
    if (!def || !ds || !out)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_split_subset: bad argument");
    if (all_drawers && id != SIAM_SPLIT_TRAIN)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "the all-drawers option applies to the train split only");
    for (size_t k = 0; k < def->n_alphabets; k++)
        if (!siam_dataset_find_alphabet(ds, def->alphabets[k], NULL))
            return siam_error_set(err, SIAM_ERR_NOT_FOUND,
                                  "%s: alphabet %s of the %s split is missing (expected the %s folder)",
                                  siam_dataset_root(ds), def->alphabets[k], def->name, def->source);
    siam_filter f = {def->alphabets, def->n_alphabets, def->drawer_lo,
                     all_drawers ? SIAM_SPLIT_ALL_DRAWERS_HI : def->drawer_hi, NULL};
    return siam_subset_create(ds, &f, out, err);
}

siam_status siam_split_load(const char *data_dir, siam_split_id id, int all_drawers,
                            const siam_load_options *opt, siam_load_report *report,
                            siam_dataset **ds, siam_subset **sub, siam_error *err)
{
    const siam_split_def *def = siam_split_get(id);
    if (!def || !data_dir || !ds || !sub)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "siam_split_load: bad argument");
    *ds = NULL;
    *sub = NULL;
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", data_dir, def->source);
    if (n < 0 || (size_t)n >= sizeof path)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "data path too long: %s", data_dir);
    siam_load_options o;
    if (opt)
        o = *opt;
    else
        siam_load_options_default(&o);
    o.layout = SIAM_LAYOUT_OMNIGLOT;
    siam_status st = siam_dataset_load(path, &o, report, ds, err);
    if (st != SIAM_OK)
        return st;
    st = siam_split_subset(*ds, id, all_drawers, sub, err);
    if (st != SIAM_OK) {
        siam_dataset_destroy(*ds);
        *ds = NULL;
    }
    return st;
}
