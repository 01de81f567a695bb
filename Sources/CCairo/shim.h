// cairo (Debian: libcairo2-dev): 2-D drawing onto image (PNG) and SVG surfaces.
#include <cairo/cairo.h>
#include <cairo/cairo-svg.h>
