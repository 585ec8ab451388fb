// Branch-free float exp, expm1, tanh and sigmoid that GCC vectorizes inside
// the activation loops. glibc's vector math (libmvec) is only declared under
// -ffast-math, which would also break the NaN and infinity checks that
// divergence detection relies on, so these are written out instead.
//
// exp: x = n ln2 + r with |r| <= ln2/2, exp(r) by a degree-6 Taylor
// polynomial (truncation error below 2e-8 relative), times 2^n built in the
// exponent bits. expm1 switches to its own series for |x| < 0.5 so small
// inputs keep their relative precision. The kernel tests hold the
// activations to 1e-5 relative of the float64 reference backend.
#pragma once
#include <cstdint>
#include <cstring>

namespace trainlab {

inline float BitsToFloat(int32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline float FastExp(float x) {
  // Outside [-87.3, 88.7] float exp underflows to 0 or overflows to inf.
  const float clamped = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
  const float n = __builtin_floorf(clamped * 1.44269504088896341f + 0.5f);
  // Cody-Waite: ln2 split in a high part exact in float and a low part.
  const float r = (clamped - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const float scale = BitsToFloat((static_cast<int32_t>(n) + 127) << 23);
  float result = p * scale;
  result = x > 88.7f ? __builtin_inff() : result;
  result = x < -87.3f ? 0.0f : result;
  return x != x ? x : result;  // NaN stays NaN
}

inline float FastExpm1(float x) {
  // Taylor series to x^8 for |x| < 0.5: relative error below 3e-9.
  float s = 1.0f / 40320.0f;
  s = s * x + 1.0f / 5040.0f;
  s = s * x + 1.0f / 720.0f;
  s = s * x + 1.0f / 120.0f;
  s = s * x + 1.0f / 24.0f;
  s = s * x + 1.0f / 6.0f;
  s = s * x + 0.5f;
  s = s * x * x + x;
  const float large = FastExp(x) - 1.0f;
  const float ax = x < 0 ? -x : x;
  return ax < 0.5f ? s : large;
}

inline float FastSigmoid(float x) { return 1.0f / (1.0f + FastExp(-x)); }

inline float FastTanh(float x) {
  // tanh(x) = expm1(2x) / (expm1(2x) + 2); |x| >= 9 rounds to +-1 in float.
  const float c = x < -9.0f ? -9.0f : (x > 9.0f ? 9.0f : x);
  const float e = FastExpm1(2.0f * c);
  return e / (e + 2.0f);
}

}  // namespace trainlab
