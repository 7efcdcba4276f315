// Quarry — zlib, with its init macros as functions Swift can call.
#ifndef QUARRY_CZLIB_SHIM_H
#define QUARRY_CZLIB_SHIM_H

#include <zlib.h>

/// deflateInit2 is a macro; windowBits 31 selects the gzip wrapper.
static inline int quarry_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
}

/// inflateInit2 is a macro; windowBits 31 accepts the gzip wrapper only.
static inline int quarry_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 31);
}

#endif
