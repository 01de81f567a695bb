#include "CDNNL.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void omp_set_num_threads(int);
int omp_get_max_threads(void);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static dnnl_engine_t engine;
static dnnl_stream_t stream;
static int ready = -1;

static int setup(void) {
    if (ready >= 0) return ready;
    ready = dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success
        && dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) == dnnl_success;
    return ready;
}

int zoo_dnnl_available(void) {
    pthread_mutex_lock(&lock);
    int ok = setup();
    pthread_mutex_unlock(&lock);
    return ok;
}

const char *zoo_dnnl_isa(void) {
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "other";
    }
}

const char *zoo_dnnl_version(void) {
    static char text[32];
    const dnnl_version_t *v = dnnl_version();
    snprintf(text, sizeof text, "%d.%d.%d", v->major, v->minor, v->patch);
    return text;
}

void zoo_dnnl_set_threads(int threads) { if (threads > 0) omp_set_num_threads(threads); }
int zoo_dnnl_threads(void) { return omp_get_max_threads(); }

// MARK: scratch buffers, shared under the lock

enum { SLOT_SRC, SLOT_WEIGHTS, SLOT_DST, SLOT_SCRATCHPAD, SLOT_EXTRA, SLOT_DIFF_DST, SLOTS };
static void *slots[SLOTS];
static size_t slot_sizes[SLOTS];

static void *slot(int index, size_t bytes) {
    if (slot_sizes[index] < bytes) {
        free(slots[index]);
        if (posix_memalign(&slots[index], 64, bytes) != 0) { slots[index] = NULL; slot_sizes[index] = 0; return NULL; }
        slot_sizes[index] = bytes;
    }
    return slots[index];
}

// MARK: memory descriptors and reorders

static dnnl_memory_desc_t plain_md(int rank, const dnnl_dims_t dims, dnnl_format_tag_t tag) {
    dnnl_memory_desc_t md;
    dnnl_memory_desc_init_by_tag(&md, rank, dims, dnnl_f32, tag);
    return md;
}

static dnnl_memory_desc_t any_md(int rank, const dnnl_dims_t dims) { return plain_md(rank, dims, dnnl_format_tag_any); }

static void data_dims(const zoo_conv_geometry *g, int out, dnnl_dims_t dims) {
    dims[0] = g->batch;
    dims[1] = out ? g->out_channels : g->in_channels;
    dims[2] = out ? g->out_height : g->height;
    dims[3] = out ? g->out_width : g->width;
}

static int weight_dims(const zoo_conv_geometry *g, dnnl_dims_t dims) {
    if (g->groups == 1) {
        dims[0] = g->out_channels; dims[1] = g->in_channels; dims[2] = g->kernel_h; dims[3] = g->kernel_w;
        return 4;
    }
    dims[0] = g->groups; dims[1] = g->out_channels / g->groups; dims[2] = g->in_channels / g->groups;
    dims[3] = g->kernel_h; dims[4] = g->kernel_w;
    return 5;
}

static dnnl_memory_desc_t user_weights_md(const zoo_conv_geometry *g) {
    dnnl_dims_t dims;
    int rank = weight_dims(g, dims);
    return plain_md(rank, dims, rank == 4 ? dnnl_oihw : dnnl_goihw);
}

// zoo's own layouts of a convolution's tensors: NCHW data, OIHW (GOIHW) weights, a bias vector.
typedef struct { dnnl_memory_desc_t src, dst, weights, bias; } plain_mds;

static plain_mds user_mds(const zoo_conv_geometry *g) {
    dnnl_dims_t sd, dd, bd = {g->out_channels};
    data_dims(g, 0, sd);
    data_dims(g, 1, dd);
    plain_mds u = {plain_md(4, sd, dnnl_nchw), plain_md(4, dd, dnnl_nchw), user_weights_md(g), plain_md(1, bd, dnnl_x)};
    return u;
}

typedef struct reorder_entry {
    dnnl_memory_desc_t from, to;
    dnnl_primitive_t primitive;
    struct reorder_entry *next;
} reorder_entry;
static reorder_entry *reorders;

static int reorder(const dnnl_memory_desc_t *from, const void *src, const dnnl_memory_desc_t *to, void *dst) {
    reorder_entry *e = reorders;
    while (e && !(dnnl_memory_desc_equal(&e->from, from) && dnnl_memory_desc_equal(&e->to, to))) e = e->next;
    if (!e) {
        dnnl_primitive_desc_t pd;
        if (dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, NULL) != dnnl_success) return -1;
        e = calloc(1, sizeof *e);
        e->from = *from; e->to = *to;
        int status = dnnl_primitive_create(&e->primitive, pd);
        dnnl_primitive_desc_destroy(pd);
        if (status != dnnl_success) { free(e); return -1; }
        e->next = reorders; reorders = e;
    }
    dnnl_memory_t a, b;
    dnnl_memory_create(&a, from, engine, (void *)src);
    dnnl_memory_create(&b, to, engine, dst);
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, a}, {DNNL_ARG_TO, b}};
    int status = dnnl_primitive_execute(e->primitive, stream, 2, args);
    dnnl_stream_wait(stream);
    dnnl_memory_destroy(a);
    dnnl_memory_destroy(b);
    return status == dnnl_success ? 0 : -1;
}

// MARK: primitives, cached by kind, geometry and flags

enum { KIND_FORWARD, KIND_BACKWARD_DATA, KIND_BACKWARD_WEIGHTS };

typedef struct conv_entry {
    int kind, flags;
    zoo_conv_geometry geometry;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t src, weights, dst, scratchpad;  // src/dst are diff_src/diff_dst for backward
    struct conv_entry *next;
} conv_entry;
static conv_entry *entries;

static int make_desc(dnnl_convolution_desc_t *desc, const zoo_conv_geometry *g, int kind, int flags) {
    dnnl_dims_t sd, dd, wd, bd = {g->out_channels};
    data_dims(g, 0, sd);
    data_dims(g, 1, dd);
    int wrank = weight_dims(g, wd);
    dnnl_memory_desc_t src = any_md(4, sd), dst = any_md(4, dd), weights = any_md(wrank, wd);
    dnnl_memory_desc_t bias = plain_md(1, bd, dnnl_x);
    dnnl_dims_t strides = {g->stride_h, g->stride_w}, dilates = {g->dilation_h - 1, g->dilation_w - 1};
    dnnl_dims_t pad_l = {g->pad_h, g->pad_w};
    // Right padding so that the output size comes out as PyTorch computes it (floor division).
    dnnl_dims_t pad_r = {
        (g->out_height - 1) * g->stride_h + (g->kernel_h - 1) * g->dilation_h + 1 - g->height - g->pad_h,
        (g->out_width - 1) * g->stride_w + (g->kernel_w - 1) * g->dilation_w + 1 - g->width - g->pad_w};
    int has_bias = flags & ZOO_CONV_BIAS;
    switch (kind) {
    case KIND_FORWARD:
        return dnnl_dilated_convolution_forward_desc_init(
            desc, (flags & ZOO_CONV_INFERENCE) ? dnnl_forward_inference : dnnl_forward_training,
            dnnl_convolution_direct, &src, &weights, has_bias ? &bias : NULL, &dst, strides, dilates, pad_l, pad_r);
    case KIND_BACKWARD_DATA:
        return dnnl_dilated_convolution_backward_data_desc_init(
            desc, dnnl_convolution_direct, &src, &weights, &dst, strides, dilates, pad_l, pad_r);
    default:
        return dnnl_dilated_convolution_backward_weights_desc_init(
            desc, dnnl_convolution_direct, &src, &weights, has_bias ? &bias : NULL, &dst, strides, dilates, pad_l, pad_r);
    }
}

static dnnl_primitive_attr_t make_attr(int flags) {
    dnnl_primitive_attr_t attr;
    dnnl_primitive_attr_create(&attr);
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    int activations = ZOO_CONV_RELU | ZOO_CONV_SILU | ZOO_CONV_HARDSWISH | ZOO_CONV_RELU6 | ZOO_CONV_SIGMOID;
    if (flags & (ZOO_CONV_SUM | activations)) {
        dnnl_post_ops_t ops;
        dnnl_post_ops_create(&ops);
        if (flags & ZOO_CONV_SUM) dnnl_post_ops_append_sum(ops, 1.0f);
        if (flags & ZOO_CONV_RELU) dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
        if (flags & ZOO_CONV_SILU) dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_swish, 1.0f, 0.0f);
        if (flags & ZOO_CONV_HARDSWISH) dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_hardswish, 0.0f, 0.0f);
        if (flags & ZOO_CONV_RELU6) dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_clip_v2, 0.0f, 6.0f);
        if (flags & ZOO_CONV_SIGMOID) dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_logistic, 0.0f, 0.0f);
        dnnl_primitive_attr_set_post_ops(attr, ops);
        dnnl_post_ops_destroy(ops);
    }
    return attr;
}

static conv_entry *lookup(const zoo_conv_geometry *g, int kind, int flags) {
    if (!setup()) return NULL;
    for (conv_entry *e = entries; e; e = e->next)
        if (e->kind == kind && e->flags == flags && memcmp(&e->geometry, g, sizeof *g) == 0) return e;
    dnnl_convolution_desc_t desc;
    if (make_desc(&desc, g, kind, flags) != dnnl_success) return NULL;
    dnnl_primitive_desc_t hint = NULL;
    if (kind != KIND_FORWARD) {
        // Backward primitives take the forward (training) primitive they belong to as a hint.
        conv_entry *forward = lookup(g, KIND_FORWARD, flags & ZOO_CONV_BIAS);
        if (!forward) return NULL;
        hint = forward->pd;
    }
    dnnl_primitive_attr_t attr = make_attr(kind == KIND_FORWARD ? flags : 0);
    conv_entry *e = calloc(1, sizeof *e);
    e->kind = kind; e->flags = flags; e->geometry = *g;
    int status = dnnl_primitive_desc_create(&e->pd, &desc, attr, engine, hint);
    dnnl_primitive_attr_destroy(attr);
    if (status != dnnl_success || dnnl_primitive_create(&e->primitive, e->pd) != dnnl_success) { free(e); return NULL; }
    dnnl_query_t src_q = kind == KIND_BACKWARD_DATA ? dnnl_query_diff_src_md : dnnl_query_src_md;
    dnnl_query_t dst_q = kind == KIND_FORWARD ? dnnl_query_dst_md : dnnl_query_diff_dst_md;
    dnnl_query_t w_q = kind == KIND_BACKWARD_WEIGHTS ? dnnl_query_diff_weights_md : dnnl_query_weights_md;
    e->src = *dnnl_primitive_desc_query_md(e->pd, src_q, 0);
    e->dst = *dnnl_primitive_desc_query_md(e->pd, dst_q, 0);
    e->weights = *dnnl_primitive_desc_query_md(e->pd, w_q, 0);
    e->scratchpad = *dnnl_primitive_desc_query_md(e->pd, dnnl_query_scratchpad_md, 0);
    e->next = entries; entries = e;
    return e;
}

// A plain buffer as the primitive wants it: the buffer itself when the layouts agree, else a
// reordered copy in a scratch slot.
static const void *as_wanted(const dnnl_memory_desc_t *user, const void *data, const dnnl_memory_desc_t *wanted, int index) {
    if (dnnl_memory_desc_equal(user, wanted)) return data;
    void *buffer = slot(index, dnnl_memory_desc_get_size(wanted));
    if (!buffer || reorder(user, data, wanted, buffer) != 0) return NULL;
    return buffer;
}

static int execute(conv_entry *e, int count, dnnl_exec_arg_t *args) {
    size_t pad = dnnl_memory_desc_get_size(&e->scratchpad);
    dnnl_memory_t scratch = NULL;
    if (pad > 0) {
        void *buffer = slot(SLOT_SCRATCHPAD, pad);
        if (!buffer) return -1;
        dnnl_memory_create(&scratch, &e->scratchpad, engine, buffer);
        args[count].arg = DNNL_ARG_SCRATCHPAD;
        args[count++].memory = scratch;
    }
    int status = dnnl_primitive_execute(e->primitive, stream, count, args);
    dnnl_stream_wait(stream);
    for (int i = 0; i < count; i++) dnnl_memory_destroy(args[i].memory);
    return status == dnnl_success ? 0 : -1;
}

static dnnl_memory_t memory(const dnnl_memory_desc_t *md, const void *data) {
    dnnl_memory_t m;
    dnnl_memory_create(&m, md, engine, (void *)data);
    return m;
}

const char *zoo_conv_forward_implementation(const zoo_conv_geometry *g, int flags) {
    pthread_mutex_lock(&lock);
    conv_entry *e = lookup(g, KIND_FORWARD, flags);
    const char *name = NULL;
    if (e) dnnl_primitive_desc_query(e->pd, dnnl_query_impl_info_str, 0, &name);
    pthread_mutex_unlock(&lock);
    return name ? name : "unavailable";
}

size_t zoo_conv_forward_weights_bytes(const zoo_conv_geometry *g, int flags) {
    pthread_mutex_lock(&lock);
    conv_entry *e = lookup(g, KIND_FORWARD, flags);
    size_t bytes = e ? dnnl_memory_desc_get_size(&e->weights) : 0;
    pthread_mutex_unlock(&lock);
    return bytes;
}

int zoo_conv_forward_prepare_weights(const zoo_conv_geometry *g, int flags, const float *weights, void *prepared) {
    pthread_mutex_lock(&lock);
    conv_entry *e = lookup(g, KIND_FORWARD, flags);
    dnnl_memory_desc_t user = user_weights_md(g);
    int status = e ? reorder(&user, weights, &e->weights, prepared) : -1;
    pthread_mutex_unlock(&lock);
    return status;
}

int zoo_conv_forward(const zoo_conv_geometry *g, int flags, const float *src, const float *weights,
                     const void *prepared, const float *bias, const float *residual, float *dst) {
    pthread_mutex_lock(&lock);
    int status = -1;
    conv_entry *e = lookup(g, KIND_FORWARD, flags);
    if (!e) goto done;
    plain_mds u = user_mds(g);
    const void *s = as_wanted(&u.src, src, &e->src, SLOT_SRC);
    const void *w = prepared ? prepared : as_wanted(&u.weights, weights, &e->weights, SLOT_WEIGHTS);
    if (!s || !w) goto done;
    int direct = dnnl_memory_desc_equal(&u.dst, &e->dst);
    void *d = direct ? dst : slot(SLOT_DST, dnnl_memory_desc_get_size(&e->dst));
    if (!d) goto done;
    if (flags & ZOO_CONV_SUM) {
        // The sum post-op adds what dst holds: the residual, in the primitive's layout.
        if (direct) { if (residual != dst) memcpy(d, residual, dnnl_memory_desc_get_size(&u.dst)); }
        else if (reorder(&u.dst, residual, &e->dst, d) != 0) goto done;
    }
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, memory(&e->src, s)}, {DNNL_ARG_WEIGHTS, memory(&e->weights, w)},
                               {DNNL_ARG_DST, memory(&e->dst, d)}};
    int count = 3;
    if (flags & ZOO_CONV_BIAS) { args[count].arg = DNNL_ARG_BIAS; args[count++].memory = memory(&u.bias, bias); }
    if (execute(e, count, args) != 0) goto done;
    status = direct ? 0 : reorder(&e->dst, d, &u.dst, dst);
done:
    pthread_mutex_unlock(&lock);
    return status;
}

int zoo_conv_backward_data(const zoo_conv_geometry *g, const float *diff_dst, const float *weights, float *diff_src) {
    pthread_mutex_lock(&lock);
    int status = -1;
    conv_entry *e = lookup(g, KIND_BACKWARD_DATA, 0);
    if (!e) goto done;
    plain_mds u = user_mds(g);
    const void *dy = as_wanted(&u.dst, diff_dst, &e->dst, SLOT_DST);
    const void *w = as_wanted(&u.weights, weights, &e->weights, SLOT_WEIGHTS);
    int direct = dnnl_memory_desc_equal(&u.src, &e->src);
    void *dx = direct ? diff_src : slot(SLOT_SRC, dnnl_memory_desc_get_size(&e->src));
    if (!dy || !w || !dx) goto done;
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_DIFF_DST, memory(&e->dst, dy)}, {DNNL_ARG_WEIGHTS, memory(&e->weights, w)},
                               {DNNL_ARG_DIFF_SRC, memory(&e->src, dx)}};
    if (execute(e, 3, args) != 0) goto done;
    status = direct ? 0 : reorder(&e->src, dx, &u.src, diff_src);
done:
    pthread_mutex_unlock(&lock);
    return status;
}

int zoo_conv_backward_weights(const zoo_conv_geometry *g, const float *src, const float *diff_dst,
                              float *diff_weights, float *diff_bias) {
    pthread_mutex_lock(&lock);
    int status = -1;
    int flags = diff_bias ? ZOO_CONV_BIAS : 0;
    conv_entry *e = lookup(g, KIND_BACKWARD_WEIGHTS, flags);
    if (!e) goto done;
    plain_mds u = user_mds(g);
    const void *x = as_wanted(&u.src, src, &e->src, SLOT_SRC);
    const void *dy = as_wanted(&u.dst, diff_dst, &e->dst, SLOT_DST);
    int direct = dnnl_memory_desc_equal(&u.weights, &e->weights);
    void *dw = direct ? diff_weights : slot(SLOT_WEIGHTS, dnnl_memory_desc_get_size(&e->weights));
    if (!x || !dy || !dw) goto done;
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, memory(&e->src, x)}, {DNNL_ARG_DIFF_DST, memory(&e->dst, dy)},
                               {DNNL_ARG_DIFF_WEIGHTS, memory(&e->weights, dw)}};
    int count = 3;
    if (diff_bias) { args[count].arg = DNNL_ARG_DIFF_BIAS; args[count++].memory = memory(&u.bias, diff_bias); }
    if (execute(e, count, args) != 0) goto done;
    status = direct ? 0 : reorder(&e->weights, dw, &u.weights, diff_weights);
done:
    pthread_mutex_unlock(&lock);
    return status;
}

int zoo_conv_backward(const zoo_conv_geometry *g, const float *src, const float *diff_dst, const float *weights,
                      float *diff_src, float *diff_weights, float *diff_bias) {
    pthread_mutex_lock(&lock);
    int status = -1;
    conv_entry *data = diff_src ? lookup(g, KIND_BACKWARD_DATA, 0) : NULL;
    conv_entry *wgt = diff_weights ? lookup(g, KIND_BACKWARD_WEIGHTS, diff_bias ? ZOO_CONV_BIAS : 0) : NULL;
    if ((diff_src && !data) || (diff_weights && !wgt)) goto done;
    plain_mds u = user_mds(g);
    // diff_dst in the first primitive's layout, kept in its own slot for the second when they agree.
    const dnnl_memory_desc_t *dy_md = data ? &data->dst : &wgt->dst;
    const void *dy = as_wanted(&u.dst, diff_dst, dy_md, SLOT_DIFF_DST);
    if (!dy) goto done;
    if (data) {
        const void *w = as_wanted(&u.weights, weights, &data->weights, SLOT_WEIGHTS);
        int direct = dnnl_memory_desc_equal(&u.src, &data->src);
        void *dx = direct ? diff_src : slot(SLOT_SRC, dnnl_memory_desc_get_size(&data->src));
        if (!w || !dx) goto done;
        dnnl_exec_arg_t args[4] = {{DNNL_ARG_DIFF_DST, memory(&data->dst, dy)},
                                   {DNNL_ARG_WEIGHTS, memory(&data->weights, w)},
                                   {DNNL_ARG_DIFF_SRC, memory(&data->src, dx)}};
        if (execute(data, 3, args) != 0) goto done;
        if (!direct && reorder(&data->src, dx, &u.src, diff_src) != 0) goto done;
    }
    if (wgt) {
        const void *dyw = dnnl_memory_desc_equal(dy_md, &wgt->dst) ? dy : as_wanted(&u.dst, diff_dst, &wgt->dst, SLOT_DST);
        const void *x = as_wanted(&u.src, src, &wgt->src, SLOT_SRC);
        int direct = dnnl_memory_desc_equal(&u.weights, &wgt->weights);
        void *dw = direct ? diff_weights : slot(SLOT_WEIGHTS, dnnl_memory_desc_get_size(&wgt->weights));
        if (!dyw || !x || !dw) goto done;
        dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, memory(&wgt->src, x)}, {DNNL_ARG_DIFF_DST, memory(&wgt->dst, dyw)},
                                   {DNNL_ARG_DIFF_WEIGHTS, memory(&wgt->weights, dw)}};
        int count = 3;
        if (diff_bias) { args[count].arg = DNNL_ARG_DIFF_BIAS; args[count++].memory = memory(&u.bias, diff_bias); }
        if (execute(wgt, count, args) != 0) goto done;
        if (!direct && reorder(&wgt->weights, dw, &u.weights, diff_weights) != 0) goto done;
    }
    status = 0;
done:
    pthread_mutex_unlock(&lock);
    return status;
}

int zoo_dnnl_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                   const float *b, long ldb, float beta, float *c, long ldc) {
    return dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        == dnnl_success ? 0 : -1;
}

// MARK: single-threaded sgemm for callers that run their own parallel loop

int zoo_dnnl_sgemm_sequential(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                              const float *b, long ldb, float beta, float *c, long ldc) {
    // OpenMP's thread count is per calling thread: this thread's calls run on it alone, and
    // whatever it had is restored (the main thread takes part in the callers' loops too).
    int previous = omp_get_max_threads();
    if (previous != 1) omp_set_num_threads(1);
    int status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (previous != 1) omp_set_num_threads(previous);
    return status == dnnl_success ? 0 : -1;
}

// MARK: linear layers: matmul primitives with the bias and an activation fused

typedef struct matmul_entry {
    long m, n, k, ldx;
    int flags;
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t src, weights, bias, dst, scratchpad;
    struct matmul_entry *next;
} matmul_entry;
static matmul_entry *matmuls;

static dnnl_memory_desc_t strided_md(long rows, long cols, long row_stride, long col_stride) {
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {rows, cols}, strides = {row_stride, col_stride};
    dnnl_memory_desc_init_by_strides(&md, 2, dims, dnnl_f32, strides);
    return md;
}

static matmul_entry *matmul_lookup(long m, long n, long k, long ldx, int flags) {
    if (!setup()) return NULL;
    for (matmul_entry *e = matmuls; e; e = e->next)
        if (e->m == m && e->n == n && e->k == k && e->ldx == ldx && e->flags == flags) return e;
    matmul_entry *e = calloc(1, sizeof *e);
    e->m = m; e->n = n; e->k = k; e->ldx = ldx; e->flags = flags;
    // x [m, k] with row stride ldx; W [n, k] row-major read as its transpose [k, n]; y [m, n] dense.
    e->src = strided_md(m, k, ldx, 1);
    e->weights = strided_md(k, n, 1, k);
    e->bias = strided_md(1, n, n, 1);
    e->dst = strided_md(m, n, n, 1);
    dnnl_matmul_desc_t desc;
    int ok = dnnl_matmul_desc_init(&desc, &e->src, &e->weights, (flags & ZOO_LINEAR_BIAS) ? &e->bias : NULL, &e->dst)
        == dnnl_success;
    dnnl_primitive_attr_t attr;
    dnnl_primitive_attr_create(&attr);
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (flags & (ZOO_LINEAR_GELU_ERF | ZOO_LINEAR_GELU_TANH | ZOO_LINEAR_SCALE)) {
        dnnl_post_ops_t ops;
        dnnl_post_ops_create(&ops);
        if (flags & (ZOO_LINEAR_GELU_ERF | ZOO_LINEAR_GELU_TANH))
            dnnl_post_ops_append_eltwise(
                ops, 1.0f, (flags & ZOO_LINEAR_GELU_ERF) ? dnnl_eltwise_gelu_erf : dnnl_eltwise_gelu_tanh, 0.0f, 0.0f);
        if (flags & ZOO_LINEAR_SCALE) dnnl_post_ops_append_binary(ops, dnnl_binary_mul, &e->bias);
        dnnl_primitive_attr_set_post_ops(attr, ops);
        dnnl_post_ops_destroy(ops);
    }
    dnnl_primitive_desc_t pd = NULL;
    ok = ok && dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL) == dnnl_success;
    dnnl_primitive_attr_destroy(attr);
    ok = ok && dnnl_primitive_create(&e->primitive, pd) == dnnl_success;
    if (ok) e->scratchpad = *dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (!ok) { free(e); return NULL; }
    e->next = matmuls; matmuls = e;
    return e;
}

int zoo_dnnl_linear(long m, long n, long k, const float *x, long ldx, const float *weights, const float *bias,
                    const float *scale, int flags, float *y) {
    if (!bias) flags &= ~ZOO_LINEAR_BIAS;
    if (!scale) flags &= ~ZOO_LINEAR_SCALE;
    pthread_mutex_lock(&lock);
    int status = -1;
    matmul_entry *e = matmul_lookup(m, n, k, ldx, flags);
    if (e) {
        dnnl_exec_arg_t args[6] = {{DNNL_ARG_SRC, memory(&e->src, x)}, {DNNL_ARG_WEIGHTS, memory(&e->weights, weights)},
                                   {DNNL_ARG_DST, memory(&e->dst, y)}};
        int count = 3;
        if (flags & ZOO_LINEAR_BIAS) { args[count].arg = DNNL_ARG_BIAS; args[count++].memory = memory(&e->bias, bias); }
        if (flags & ZOO_LINEAR_SCALE) {
            // The scale is the last post-op: after the activation when there is one.
            int index = (flags & (ZOO_LINEAR_GELU_ERF | ZOO_LINEAR_GELU_TANH)) ? 1 : 0;
            args[count].arg = DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1;
            args[count++].memory = memory(&e->bias, scale);
        }
        size_t pad = dnnl_memory_desc_get_size(&e->scratchpad);
        void *buffer = pad > 0 ? slot(SLOT_SCRATCHPAD, pad) : NULL;
        if (pad == 0 || buffer) {
            if (buffer) { args[count].arg = DNNL_ARG_SCRATCHPAD; args[count++].memory = memory(&e->scratchpad, buffer); }
            status = dnnl_primitive_execute(e->primitive, stream, count, args) == dnnl_success ? 0 : -1;
            dnnl_stream_wait(stream);
        }
        for (int i = 0; i < count; i++) dnnl_memory_destroy(args[i].memory);
    }
    pthread_mutex_unlock(&lock);
    return status;
}
