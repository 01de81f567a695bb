// oneDNN (Debian's libdnnl-dev) behind a few calls: convolution forward (with fused bias,
// residual sum and ReLU post-ops), backward data, backward weights, and sgemm. Primitives are
// created once per shape and cached; plain NCHW / OIHW buffers go in and out, reorders to
// oneDNN's blocked layouts happen inside. Every call is serialized by one lock (oneDNN runs each
// primitive on all cores with OpenMP; its reorder buffers are shared).
#ifndef ZOO_CDNNL_H
#define ZOO_CDNNL_H
#include <stddef.h>

typedef struct {
    long batch, in_channels, height, width, out_channels, kernel_h, kernel_w;
    long stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups, out_height, out_width;
} zoo_conv_geometry;

enum { ZOO_CONV_BIAS = 1, ZOO_CONV_SUM = 2, ZOO_CONV_RELU = 4, ZOO_CONV_INFERENCE = 8 };
/// Activation post-ops after the sum (at most one of these or ZOO_CONV_RELU): x·sigmoid(x),
/// x·relu6(x + 3)/6, min(max(x, 0), 6), 1/(1 + e^−x).
enum { ZOO_CONV_SILU = 16, ZOO_CONV_HARDSWISH = 32, ZOO_CONV_RELU6 = 64, ZOO_CONV_SIGMOID = 128 };

/// 1 when oneDNN made a CPU engine.
int zoo_dnnl_available(void);
/// The instruction set oneDNN's kernels use on this CPU ("avx2", "avx512_core_bf16", ...).
const char *zoo_dnnl_isa(void);
/// oneDNN's version, "2.6.3".
const char *zoo_dnnl_version(void);
/// OpenMP threads oneDNN runs on.
void zoo_dnnl_set_threads(int threads);
int zoo_dnnl_threads(void);
/// The implementation oneDNN chose for a forward convolution of this shape ("jit_1x1:avx2", ...).
const char *zoo_conv_forward_implementation(const zoo_conv_geometry *g, int flags);

/// Bytes of the weights in the layout the forward primitive wants (for `prepare`), or 0 on failure.
size_t zoo_conv_forward_weights_bytes(const zoo_conv_geometry *g, int flags);
/// Reorders OIHW weights into that layout.
int zoo_conv_forward_prepare_weights(const zoo_conv_geometry *g, int flags, const float *weights, void *prepared);
/// dst = relu?(conv(src, w) + bias + residual). `prepared` (from prepare_weights) or `weights`
/// (OIHW, reordered on the way). `residual` may equal `dst`. Returns 0 on success.
int zoo_conv_forward(const zoo_conv_geometry *g, int flags, const float *src, const float *weights,
                     const void *prepared, const float *bias, const float *residual, float *dst);
/// diff_src = conv_backward_data(diff_dst, weights); all plain layouts.
int zoo_conv_backward_data(const zoo_conv_geometry *g, const float *diff_dst, const float *weights, float *diff_src);
/// diff_weights (OIHW) and diff_bias (or NULL) from src and diff_dst.
int zoo_conv_backward_weights(const zoo_conv_geometry *g, const float *src, const float *diff_dst,
                              float *diff_weights, float *diff_bias);
/// Both backward passes of one convolution, diff_dst reordered once for the two: diff_src (or
/// NULL) from diff_dst and weights, diff_weights (or NULL) and diff_bias (or NULL) from src and diff_dst.
int zoo_conv_backward(const zoo_conv_geometry *g, const float *src, const float *diff_dst, const float *weights,
                      float *diff_src, float *diff_weights, float *diff_bias);
/// Row-major C = alpha op(A) op(B) + beta C (oneDNN's sgemm, JIT-compiled for this CPU).
int zoo_dnnl_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                   const float *b, long ldb, float beta, float *c, long ldc);
/// The same on the calling thread alone, for callers that split the work over threads themselves.
int zoo_dnnl_sgemm_sequential(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                              const float *b, long ldb, float beta, float *c, long ldc);

enum { ZOO_LINEAR_BIAS = 1, ZOO_LINEAR_GELU_ERF = 2, ZOO_LINEAR_GELU_TANH = 4, ZOO_LINEAR_SCALE = 8 };
/// y[m, n] = act(x[m, k] · Wᵀ + bias) · scale with W [n, k] row-major, x's rows `ldx` floats apart,
/// y dense, bias and scale [n] (either may be NULL): a oneDNN matmul primitive per shape (cached),
/// bias, GELU and the per-column scale (layer scale) fused. Returns 0 on success.
int zoo_dnnl_linear(long m, long n, long k, const float *x, long ldx, const float *weights, const float *bias,
                    const float *scale, int flags, float *y);
#endif
