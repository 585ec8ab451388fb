// Fused bias + activation forward, and the activation backward, for every
// activation kind. Kind ids match ActivationKind in src/engine/backend.ts.
//
//   forward:  z (N x C) += bias (C);  y = f(z)
//   backward: dz = dy * f'(z)
#include <cmath>

#include "common.h"
#include "fast_math.h"
#include "xoshiro.h"

namespace trainlab {
namespace {

enum Kind {
  kLinear = 0,
  kRelu = 1,
  kLeakyRelu = 2,
  kElu = 3,
  kSelu = 4,
  kSigmoid = 5,
  kTanh = 6,
  kGelu = 7,
  kGeluTanh = 8,
  kSwish = 9,
  kRrelu = 10,
};

constexpr float kSeluAlpha = 1.6732632423543772f;
constexpr float kSeluScale = 1.0507009873554805f;
constexpr float kSqrtHalf = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kGeluTanhC = 0.79788456080286536f;  // sqrt(2 / pi)

inline float Sigmoid(float z) { return FastSigmoid(z); }

// Adds the bias (when present) and applies f elementwise. Templated on the
// activation so the compiler inlines f and vectorizes the inner loop.
template <typename F>
void BiasApply(int64_t n, int64_t c, float* z, const float* bias, float* y,
               F f) {
  for (int64_t i = 0; i < n; i++) {
    float* zr = z + i * c;
    float* yr = y + i * c;
    if (bias) {
      for (int64_t j = 0; j < c; j++) {
        const float v = zr[j] + bias[j];
        zr[j] = v;
        yr[j] = f(v);
      }
    } else {
      for (int64_t j = 0; j < c; j++) yr[j] = f(zr[j]);
    }
  }
}

template <typename D>
void Backward(int64_t size, const float* z, const float* y, const float* dy,
              float* dz, D d) {
  for (int64_t i = 0; i < size; i++) dz[i] = dy[i] * d(z[i], y[i]);
}

// biasActivationForward(kind, alpha, n, c, z, bias|null, y,
//                       slopes|null, rngState|null, lower, upper)
Napi::Value BiasActivationForward(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const int kind = static_cast<int>(Int(info, 0));
  const float alpha = static_cast<float>(Num(info, 1));
  const int64_t n = Int(info, 2);
  const int64_t c = Int(info, 3);
  float* z = F32(info, 4);
  const float* bias = F32(info, 5);
  float* y = F32(info, 6);
  float* slopes = F32(info, 7);

  if (slopes) {
    // rrelu in training: each negative input draws its slope from
    // U(lower, upper); non-negative inputs pass through with slope 1.
    uint32_t* state = U32(info, 8);
    const double lower = Num(info, 9);
    const double upper = Num(info, 10);
    // The state lives in a local copy so the compiler keeps it in registers.
    uint32_t s[4] = {state[0], state[1], state[2], state[3]};
    for (int64_t row = 0; row < n; row++) {
      float* zr = z + row * c;
      float* sr = slopes + row * c;
      float* yr = y + row * c;
      for (int64_t j = 0; j < c; j++) {
        const float v = bias ? zr[j] + bias[j] : zr[j];
        zr[j] = v;
        float slope = 1.0f;
        if (v < 0) {
          slope = static_cast<float>(lower + (upper - lower) * XoshiroUniform(s));
        }
        sr[j] = slope;
        yr[j] = v * slope;
      }
    }
    for (int k = 0; k < 4; k++) state[k] = s[k];
    return info.Env().Undefined();
  }

  switch (kind) {
    case kLinear:
      BiasApply(n, c, z, bias, y, [](float v) { return v; });
      break;
    case kRelu:
      BiasApply(n, c, z, bias, y, [](float v) { return v > 0 ? v : 0.0f; });
      break;
    case kLeakyRelu:
    case kRrelu:
      BiasApply(n, c, z, bias, y,
                [alpha](float v) { return v >= 0 ? v : alpha * v; });
      break;
    case kElu:
      BiasApply(n, c, z, bias, y, [alpha](float v) {
        return v > 0 ? v : alpha * FastExpm1(v);
      });
      break;
    case kSelu:
      BiasApply(n, c, z, bias, y, [](float v) {
        return v > 0 ? kSeluScale * v : kSeluScale * kSeluAlpha * FastExpm1(v);
      });
      break;
    case kSigmoid:
      BiasApply(n, c, z, bias, y, [](float v) { return Sigmoid(v); });
      break;
    case kTanh:
      BiasApply(n, c, z, bias, y, [](float v) { return FastTanh(v); });
      break;
    case kGelu:
      // 1 + erf(x) is written as erfc(-x): no cancellation for negative x.
      BiasApply(n, c, z, bias, y, [](float v) {
        return 0.5f * v * std::erfc(-v * kSqrtHalf);
      });
      break;
    case kGeluTanh:
      // 0.5 (1 + tanh(u)) equals sigmoid(2u), which keeps its digits when
      // tanh(u) is near -1.
      BiasApply(n, c, z, bias, y, [](float v) {
        return v * Sigmoid(2.0f * kGeluTanhC * (v + 0.044715f * v * v * v));
      });
      break;
    case kSwish:
      BiasApply(n, c, z, bias, y, [](float v) { return v * Sigmoid(v); });
      break;
    default:
      Napi::Error::New(info.Env(), "unknown activation kind")
          .ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

// activationBackward(kind, alpha, size, z, y, dy, dz, slopes|null)
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const int kind = static_cast<int>(Int(info, 0));
  const float alpha = static_cast<float>(Num(info, 1));
  const int64_t size = Int(info, 2);
  const float* z = F32(info, 3);
  const float* y = F32(info, 4);
  const float* dy = F32(info, 5);
  float* dz = F32(info, 6);
  const float* slopes = F32(info, 7);

  if (slopes) {
    for (int64_t i = 0; i < size; i++) dz[i] = dy[i] * slopes[i];
    return info.Env().Undefined();
  }
  switch (kind) {
    case kLinear:
      for (int64_t i = 0; i < size; i++) dz[i] = dy[i];
      break;
    case kRelu:
      // The derivative at 0 is taken as 0, as TensorFlow and PyTorch do.
      Backward(size, z, y, dy, dz,
               [](float v, float) { return v > 0 ? 1.0f : 0.0f; });
      break;
    case kLeakyRelu:
    case kRrelu:
      Backward(size, z, y, dy, dz,
               [alpha](float v, float) { return v >= 0 ? 1.0f : alpha; });
      break;
    case kElu:
      // For z <= 0, f'(z) = alpha * exp(z) = y + alpha.
      Backward(size, z, y, dy, dz, [alpha](float v, float out) {
        return v > 0 ? 1.0f : out + alpha;
      });
      break;
    case kSelu:
      // For z <= 0, f'(z) = scale * alpha * exp(z) = y + scale * alpha.
      Backward(size, z, y, dy, dz, [](float v, float out) {
        return v > 0 ? kSeluScale : out + kSeluScale * kSeluAlpha;
      });
      break;
    case kSigmoid:
      Backward(size, z, y, dy, dz,
               [](float, float out) { return out * (1.0f - out); });
      break;
    case kTanh:
      Backward(size, z, y, dy, dz,
               [](float, float out) { return 1.0f - out * out; });
      break;
    case kGelu:
      Backward(size, z, y, dy, dz, [](float v, float) {
        return 0.5f * std::erfc(-v * kSqrtHalf) +
               v * kInvSqrt2Pi * std::exp(-0.5f * v * v);
      });
      break;
    case kGeluTanh:
      // With s = sigmoid(2u): 0.5 (1 + tanh u) = s and 1 - tanh^2 u =
      // 4 s (1 - s), both free of cancellation for strongly negative u.
      Backward(size, z, y, dy, dz, [](float v, float) {
        const float s = Sigmoid(2.0f * kGeluTanhC * (v + 0.044715f * v * v * v));
        const float du = kGeluTanhC * (1.0f + 3.0f * 0.044715f * v * v);
        return s + 2.0f * v * s * (1.0f - s) * du;
      });
      break;
    case kSwish:
      Backward(size, z, y, dy, dz, [](float v, float) {
        const float s = Sigmoid(v);
        return s + v * s * (1.0f - s);
      });
      break;
    default:
      Napi::Error::New(info.Env(), "unknown activation kind")
          .ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterActivations(Napi::Env env, Napi::Object exports) {
  exports.Set("biasActivationForward",
              Napi::Function::New(env, BiasActivationForward));
  exports.Set("activationBackward",
              Napi::Function::New(env, ActivationBackward));
}

}  // namespace trainlab
