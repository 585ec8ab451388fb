// Matrix products through OpenBLAS cblas_sgemm, row-major. Transposed
// operands are passed as CblasTrans with the stored leading dimension, so no
// transpose is ever materialized. Also the BLAS thread controls.
#include <cblas.h>

#include "common.h"

namespace trainlab {
namespace {

// gemm(transA, transB, m, n, k, alpha, a, b, beta, c)
// C (M x N) = alpha * op(A) (M x K) * op(B) (K x N) + beta * C
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const bool trans_a = Bool(info, 0);
  const bool trans_b = Bool(info, 1);
  const int m = static_cast<int>(Int(info, 2));
  const int n = static_cast<int>(Int(info, 3));
  const int k = static_cast<int>(Int(info, 4));
  const float alpha = static_cast<float>(Num(info, 5));
  const float* a = F32(info, 6);
  const float* b = F32(info, 7);
  const float beta = static_cast<float>(Num(info, 8));
  float* c = F32(info, 9);
  // Stored shapes: A is K x M when transposed, else M x K; likewise B.
  const int lda = trans_a ? m : k;
  const int ldb = trans_b ? k : n;
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
              ldb, beta, c, n);
  return info.Env().Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  openblas_set_num_threads(static_cast<int>(Int(info, 0)));
  return info.Env().Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

// Returns OpenBLAS's build configuration and the CPU kernel it selected, so
// each run can record which BLAS actually computed it.
Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("config", openblas_get_config());
  out.Set("coreName", openblas_get_corename());
  out.Set("cpuCount", openblas_get_num_procs());
  return out;
}

}  // namespace

void RegisterGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo));
}

}  // namespace trainlab
