// The bytes of zoo/ (index.json and every file it lists), taken in at compile time with C23's
// #embed. A model added to zoo/ is added here too (EmbeddedZooTests fails until it is).
#include "CEmbeddedZoo.h"

#pragma clang diagnostic ignored "-Wc23-extensions"

static const unsigned char index_json[] = {
#embed "../../zoo/index.json"
};

static const unsigned char resnet10t_zoo_demo[] = {
#embed "../../zoo/resnet10t.zoo_demo/model.zoo"
};

static const zoo_embedded_file files[] = {
    {"index.json", index_json, sizeof index_json},
    {"resnet10t.zoo_demo/model.zoo", resnet10t_zoo_demo, sizeof resnet10t_zoo_demo},
};

const zoo_embedded_file *zoo_embedded_files(size_t *count) {
    *count = sizeof files / sizeof files[0];
    return files;
}
