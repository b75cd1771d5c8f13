// See COpenBLAS.h: loads OpenBLAS with dlopen after putting OPENBLAS_CORETYPE in the environment.
#define _GNU_SOURCE
#include "COpenBLAS.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

// CBLAS enumeration values (fixed by the CBLAS standard).
enum { kRowMajor = 101, kNoTrans = 111, kTrans = 112 };

typedef void (*sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                         int lda, const float *b, int ldb, float beta, float *c, int ldc);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char *(*get_string_fn)(void);

// Written once by copenblas_open before any reader runs (the Swift side guarantees the order).
static void *library;
static sgemm_fn sgemm;
static set_threads_fn set_threads;
static get_threads_fn get_threads;
static get_string_fn get_corename;
static get_string_fn get_config;

int copenblas_open(const char *path, const char *coretype, int *coretype_applied, char *error, size_t error_size) {
    *coretype_applied = 0;
    // An empty value counts as unset: OpenBLAS ignores it too.
    const char *existing = getenv("OPENBLAS_CORETYPE");
    if (coretype != NULL && (existing == NULL || existing[0] == '\0')) {
        if (setenv("OPENBLAS_CORETYPE", coretype, 1) == 0) *coretype_applied = 1;
    }
    // RTLD_LOCAL: the symbols stay private to this handle, so no other BLAS a process may link is shadowed.
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    // The constructor has run (or failed): the variable has done its job.
    if (*coretype_applied) unsetenv("OPENBLAS_CORETYPE");
    if (handle == NULL) {
        const char *reason = dlerror();
        snprintf(error, error_size, "%s", reason != NULL ? reason : "dlopen failed");
        *coretype_applied = 0;
        return -1;
    }
    sgemm_fn s = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    set_threads_fn st = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    get_threads_fn gt = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
    get_string_fn cn = (get_string_fn)dlsym(handle, "openblas_get_corename");
    get_string_fn cf = (get_string_fn)dlsym(handle, "openblas_get_config");
    if (s == NULL || st == NULL || gt == NULL || cn == NULL || cf == NULL) {
        snprintf(error, error_size, "%s lacks %s", path,
                 s == NULL ? "cblas_sgemm" : st == NULL ? "openblas_set_num_threads"
                 : gt == NULL ? "openblas_get_num_threads" : cn == NULL ? "openblas_get_corename"
                 : "openblas_get_config");
        dlclose(handle);
        *coretype_applied = 0;
        return -1;
    }
    library = handle;
    sgemm = s;
    set_threads = st;
    get_threads = gt;
    get_corename = cn;
    get_config = cf;
    return 0;
}

void copenblas_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                     const float *b, int ldb, float beta, float *c, int ldc) {
    sgemm(kRowMajor, trans_a ? kTrans : kNoTrans, trans_b ? kTrans : kNoTrans, m, n, k, alpha, a, lda, b, ldb, beta,
          c, ldc);
}

void copenblas_set_num_threads(int threads) { set_threads(threads); }

int copenblas_get_num_threads(void) { return get_threads(); }

const char *copenblas_get_corename(void) { return get_corename(); }

const char *copenblas_get_config(void) { return get_config(); }

const char *copenblas_library_path(void) {
    // Symbolic links resolved (Debian reaches the pthread or OpenMP build through /etc/alternatives), so the
    // path names the variant actually loaded.
    static char resolved[PATH_MAX];
    Dl_info info;
    if (library == NULL || dladdr((void *)sgemm, &info) == 0 || info.dli_fname == NULL) return NULL;
    return realpath(info.dli_fname, resolved) != NULL ? resolved : info.dli_fname;
}
