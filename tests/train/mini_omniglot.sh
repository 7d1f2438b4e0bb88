# Sourced by the training scripts' tests: mini_omniglot DATA OUT makes OUT
# a reduced Omniglot tree of symlinks (2 characters of each background
# alphabet, 20 of each evaluation alphabet, the least a 20-way validation
# trial needs), so that many short runs start up fast.
mini_omniglot() {
    local data=$1 mini=$2 set_chars set keep alpha a ch
    for set_chars in images_background:2 images_evaluation:20; do
        set=${set_chars%%:*} keep=${set_chars#*:}
        for alpha in "$data/$set"/*/; do
            a=$(basename "$alpha")
            mkdir -p "$mini/$set/$a"
            for ch in $(ls "$alpha" | sort | head -n "$keep"); do
                ln -s "$alpha$ch" "$mini/$set/$a/$ch"
            done
        done
    done
}
