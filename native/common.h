// Argument helpers shared by the kernel files, and the registration hooks
// that addon.cc calls. Kernels trust their TypeScript wrapper
// (src/engine/native-backend.ts) for argument types and buffer sizes: a
// checked call would cost more than some kernels themselves at batch 32.
#pragma once
#include <napi.h>

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

void RegisterGemm(Napi::Env env, Napi::Object exports);
void RegisterActivations(Napi::Env env, Napi::Object exports);
void RegisterLosses(Napi::Env env, Napi::Object exports);
void RegisterReductions(Napi::Env env, Napi::Object exports);
void RegisterOptimizers(Napi::Env env, Napi::Object exports);
void RegisterBatchNorm(Napi::Env env, Napi::Object exports);
void RegisterRng(Napi::Env env, Napi::Object exports);

}  // namespace trainlab
