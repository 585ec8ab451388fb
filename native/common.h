// Argument helpers shared by the kernel files, and the registration hooks
// that addon.cc calls. Kernels trust their TypeScript wrapper
// (src/engine/native-backend.ts) for argument types and buffer sizes: a
// checked call would cost more than some kernels themselves at batch 32.
#pragma once
#include <napi.h>
#include <xmmintrin.h>

#include <cstddef>
#include <cstdint>

namespace trainlab {

inline float* F32(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull()) return nullptr;
  return info[i].As<Napi::Float32Array>().Data();
}

inline size_t F32Length(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Float32Array>().ElementLength();
}

inline int32_t* I32(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Int32Array>().Data();
}

inline uint32_t* U32(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsNull()) return nullptr;
  return info[i].As<Napi::Uint32Array>().Data();
}

inline double* F64(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Float64Array>().Data();
}

inline double Num(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().DoubleValue();
}

inline int64_t Int(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int64Value();
}

inline bool Bool(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Boolean>().Value();
}

// Sets flush-to-zero and denormals-are-zero for the duration of a kernel,
// then restores the caller's mode so JavaScript arithmetic is untouched.
// Without it, optimizer moments of dead ReLU units decay into subnormal
// floats, which x86 handles in microcode: an Adam step slowed from 1 ms to
// over 4 ms within five epochs. Values below 1.2e-38 become 0, far below
// anything that changes a float32 weight.
class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned int saved_;
};

void RegisterGemm(Napi::Env env, Napi::Object exports);
void RegisterActivations(Napi::Env env, Napi::Object exports);
void RegisterLosses(Napi::Env env, Napi::Object exports);
void RegisterReductions(Napi::Env env, Napi::Object exports);
void RegisterOptimizers(Napi::Env env, Napi::Object exports);
void RegisterBatchNorm(Napi::Env env, Napi::Object exports);
void RegisterRng(Napi::Env env, Napi::Object exports);

}  // namespace trainlab
