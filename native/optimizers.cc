// Optimizer updates in one pass over a flat parameter buffer, with Keras 3's
// update formulas. The caller folds step-dependent scalars (bias
// corrections, Nadam's momentum schedule) into the coefficients.
#include <cmath>

#include "common.h"

namespace trainlab {
namespace {

// sgdUpdate(w, g, velocity|null, lr, momentum, nesterov)
//   plain:    w -= lr * g
//   momentum: v = momentum * v - lr * g; w += v
//   nesterov: v = momentum * v - lr * g; w += momentum * v - lr * g
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  float* w = F32(info, 0);
  const size_t size = F32Length(info, 0);
  const float* g = F32(info, 1);
  float* velocity = F32(info, 2);
  const float lr = static_cast<float>(Num(info, 3));
  const float momentum = static_cast<float>(Num(info, 4));
  const bool nesterov = Bool(info, 5);
  if (!velocity) {
    for (size_t i = 0; i < size; i++) w[i] -= lr * g[i];
  } else if (nesterov) {
    for (size_t i = 0; i < size; i++) {
      const float v = momentum * velocity[i] - lr * g[i];
      velocity[i] = v;
      w[i] += momentum * v - lr * g[i];
    }
  } else {
    for (size_t i = 0; i < size; i++) {
      const float v = momentum * velocity[i] - lr * g[i];
      velocity[i] = v;
      w[i] += v;
    }
  }
  return info.Env().Undefined();
}

// adamUpdate(w, g, m, v, stepSize, beta1, beta2, epsilon)
//   m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2)
//   w -= stepSize * m / (sqrt(v) + epsilon)
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  float* w = F32(info, 0);
  const size_t size = F32Length(info, 0);
  const float* g = F32(info, 1);
  float* m = F32(info, 2);
  float* v = F32(info, 3);
  const float step_size = static_cast<float>(Num(info, 4));
  const float one_minus_beta1 = static_cast<float>(1.0 - Num(info, 5));
  const float one_minus_beta2 = static_cast<float>(1.0 - Num(info, 6));
  const float epsilon = static_cast<float>(Num(info, 7));
  for (size_t i = 0; i < size; i++) {
    const float gi = g[i];
    const float mi = m[i] + (gi - m[i]) * one_minus_beta1;
    const float vi = v[i] + (gi * gi - v[i]) * one_minus_beta2;
    m[i] = mi;
    v[i] = vi;
    w[i] -= step_size * mi / (std::sqrt(vi) + epsilon);
  }
  return info.Env().Undefined();
}

// nadamUpdate(w, g, m, v, lr, beta1, beta2, epsilon, mCoef, gCoef, vCoef)
//   m, v as in Adam; w -= lr * (mCoef*m + gCoef*g) / (sqrt(v*vCoef) + epsilon)
Napi::Value NadamUpdate(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  float* w = F32(info, 0);
  const size_t size = F32Length(info, 0);
  const float* g = F32(info, 1);
  float* m = F32(info, 2);
  float* v = F32(info, 3);
  const float lr = static_cast<float>(Num(info, 4));
  const float one_minus_beta1 = static_cast<float>(1.0 - Num(info, 5));
  const float one_minus_beta2 = static_cast<float>(1.0 - Num(info, 6));
  const float epsilon = static_cast<float>(Num(info, 7));
  const float m_coef = static_cast<float>(Num(info, 8));
  const float g_coef = static_cast<float>(Num(info, 9));
  const float v_coef = static_cast<float>(Num(info, 10));
  for (size_t i = 0; i < size; i++) {
    const float gi = g[i];
    const float mi = m[i] + (gi - m[i]) * one_minus_beta1;
    const float vi = v[i] + (gi * gi - v[i]) * one_minus_beta2;
    m[i] = mi;
    v[i] = vi;
    const float m_hat = m_coef * mi + g_coef * gi;
    w[i] -= lr * m_hat / (std::sqrt(vi * v_coef) + epsilon);
  }
  return info.Env().Undefined();
}

// rmspropUpdate(w, g, v, lr, rho, epsilon)
//   v = rho * v + (1 - rho) * g^2; w -= lr * g / sqrt(v + epsilon)
Napi::Value RmspropUpdate(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  float* w = F32(info, 0);
  const size_t size = F32Length(info, 0);
  const float* g = F32(info, 1);
  float* v = F32(info, 2);
  const float lr = static_cast<float>(Num(info, 3));
  const float rho = static_cast<float>(Num(info, 4));
  const float epsilon = static_cast<float>(Num(info, 5));
  for (size_t i = 0; i < size; i++) {
    const float gi = g[i];
    const float vi = rho * v[i] + (1.0f - rho) * gi * gi;
    v[i] = vi;
    w[i] -= lr * gi / std::sqrt(vi + epsilon);
  }
  return info.Env().Undefined();
}

// adagradUpdate(w, g, accumulator, lr, epsilon)
//   acc += g^2; w -= lr * g / sqrt(acc + epsilon)
Napi::Value AdagradUpdate(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  float* w = F32(info, 0);
  const size_t size = F32Length(info, 0);
  const float* g = F32(info, 1);
  float* acc = F32(info, 2);
  const float lr = static_cast<float>(Num(info, 3));
  const float epsilon = static_cast<float>(Num(info, 4));
  for (size_t i = 0; i < size; i++) {
    const float gi = g[i];
    const float a = acc[i] + gi * gi;
    acc[i] = a;
    w[i] -= lr * gi / std::sqrt(a + epsilon);
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterOptimizers(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdUpdate", Napi::Function::New(env, SgdUpdate));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
  exports.Set("nadamUpdate", Napi::Function::New(env, NadamUpdate));
  exports.Set("rmspropUpdate", Napi::Function::New(env, RmspropUpdate));
  exports.Set("adagradUpdate", Napi::Function::New(env, AdagradUpdate));
}

}  // namespace trainlab
