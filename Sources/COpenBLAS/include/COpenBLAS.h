#ifndef COPENBLAS_H
#define COPENBLAS_H

// OpenBLAS loaded at run time with dlopen, so that its kernel choice can be steered.
//
// OpenBLAS (DYNAMIC_ARCH builds, such as Debian's) picks its kernel set in a library constructor that reads
// OPENBLAS_CORETYPE. Linking the library at build time would run that constructor before `main`, before
// any Swift code could set the variable. Loading it here, on first use, lets the caller put the variable in
// place first. No OpenBLAS header is needed: the few entry points are declared below as function pointer
// types and looked up with dlsym.
//
// Call `copenblas_open` once, before any other function; the others must only be called after it returned 0.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads the OpenBLAS shared library at `path` (a file name searched by the dynamic loader, or a path) and
/// resolves cblas_sgemm, openblas_set_num_threads, openblas_get_num_threads, openblas_get_corename and
/// openblas_get_config.
///
/// When `coretype` is not NULL and OPENBLAS_CORETYPE is unset or empty in the environment, the variable is set
/// to `coretype` for the duration of the load (the library's constructor reads it), then removed again so
/// that child processes do not inherit a setting the user never made. `*coretype_applied` is set to 1 in
/// that case, else 0. Not thread-safe (setenv): call it once, early.
///
/// Returns 0 on success. On failure returns -1, writes a message into `error` (NUL-terminated, at most
/// `error_size` bytes) and leaves nothing loaded.
int copenblas_open(const char *path, const char *coretype, int *coretype_applied, char *error, size_t error_size);

/// Row-major single-precision GEMM through cblas_sgemm: C = alpha·op(A)·op(B) + beta·C, op(X) = Xᵀ when
/// the trans flag is non-zero. Arguments as in CBLAS (leading dimensions at least the row length stored).
void copenblas_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                     const float *b, int ldb, float beta, float *c, int ldc);

/// openblas_set_num_threads: threads used by later calls (takes effect immediately).
void copenblas_set_num_threads(int threads);

/// openblas_get_num_threads.
int copenblas_get_num_threads(void);

/// openblas_get_corename: the kernel set the library chose (e.g. "SkylakeX", "Haswell", "Prescott").
const char *copenblas_get_corename(void);

/// openblas_get_config: version and build options (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... MAX_THREADS=64").
const char *copenblas_get_config(void);

/// The file the library was loaded from (dladdr), with symbolic links resolved (realpath), or NULL.
const char *copenblas_library_path(void);

#ifdef __cplusplus
}
#endif

#endif
