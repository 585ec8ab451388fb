// Column sums, norms, scaling and clipping, the finiteness check, and the
// shuffled batch gather.
#include <cmath>
#include <cstring>

#include "common.h"

namespace trainlab {
namespace {

// columnSum(n, c, x, out): out[j] = sum_i x[i, j], x is N x C.
Napi::Value ColumnSum(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const int64_t n = Int(info, 0);
  const int64_t c = Int(info, 1);
  const float* x = F32(info, 2);
  float* out = F32(info, 3);
  // Row-major accumulation walks memory in order and vectorizes over j.
  for (int64_t j = 0; j < c; j++) out[j] = 0;
  for (int64_t i = 0; i < n; i++) {
    const float* row = x + i * c;
    for (int64_t j = 0; j < c; j++) out[j] += row[j];
  }
  return info.Env().Undefined();
}

// sumSquares(x) -> sum of x[i]^2 in double.
Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const float* x = F32(info, 0);
  const size_t size = F32Length(info, 0);
  // Sixteen independent double accumulators let the compiler vectorize the
  // loop without reassociating a single sum, so precision stays float64.
  constexpr size_t kLanes = 16;
  double lanes[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= size; i += kLanes) {
    for (size_t k = 0; k < kLanes; k++) {
      const double v = x[i + k];
      lanes[k] += v * v;
    }
  }
  double sum = 0;
  for (; i < size; i++) sum += double(x[i]) * double(x[i]);
  for (size_t k = 0; k < kLanes; k++) sum += lanes[k];
  return Napi::Number::New(info.Env(), sum);
}

// scale(x, s): x *= s
Napi::Value Scale(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  float* x = F32(info, 0);
  const size_t size = F32Length(info, 0);
  const float s = static_cast<float>(Num(info, 1));
  for (size_t i = 0; i < size; i++) x[i] *= s;
  return info.Env().Undefined();
}

// clip(x, lo, hi): x = min(hi, max(lo, x))
Napi::Value Clip(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  float* x = F32(info, 0);
  const size_t size = F32Length(info, 0);
  const float lo = static_cast<float>(Num(info, 1));
  const float hi = static_cast<float>(Num(info, 2));
  for (size_t i = 0; i < size; i++) {
    const float v = x[i] < lo ? lo : x[i];
    x[i] = v > hi ? hi : v;
  }
  return info.Env().Undefined();
}

// allFinite(x) -> true when no element is NaN or infinite.
Napi::Value AllFinite(const Napi::CallbackInfo& info) {
  const float* x = F32(info, 0);
  const size_t size = F32Length(info, 0);
  for (size_t i = 0; i < size; i++) {
    if (!std::isfinite(x[i])) return Napi::Boolean::New(info.Env(), false);
  }
  return Napi::Boolean::New(info.Env(), true);
}

// gatherRows(src, width, indices, start, count, dst)
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const float* src = F32(info, 0);
  const int64_t width = Int(info, 1);
  const int32_t* indices = I32(info, 2);
  const int64_t start = Int(info, 3);
  const int64_t count = Int(info, 4);
  float* dst = F32(info, 5);
  for (int64_t r = 0; r < count; r++) {
    std::memcpy(dst + r * width, src + int64_t(indices[start + r]) * width,
                sizeof(float) * width);
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterReductions(Napi::Env env, Napi::Object exports) {
  exports.Set("columnSum", Napi::Function::New(env, ColumnSum));
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares));
  exports.Set("scale", Napi::Function::New(env, Scale));
  exports.Set("clip", Napi::Function::New(env, Clip));
  exports.Set("allFinite", Napi::Function::New(env, AllFinite));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows));
}

}  // namespace trainlab
