// The embedded default zoo (the repository's zoo/ folder), compiled into the binary so that `zoo`
// finds it wherever it is installed.
#pragma once
#include <stddef.h>

typedef struct {
    /// The file's path inside the zoo folder, such as "index.json".
    const char *path;
    const unsigned char *bytes;
    size_t size;
} zoo_embedded_file;

/// The zoo's files; `count` receives how many.
const zoo_embedded_file *zoo_embedded_files(size_t *count);
