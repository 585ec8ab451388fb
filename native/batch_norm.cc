// Batch normalization over the batch axis of x (N x C), Keras conventions:
// biased batch variance, moving = moving * momentum + batch * (1 - momentum).
//
//   train:     xhat = (x - mean) / sqrt(var + eps);  y = gamma * xhat + beta
//   inference: y = gamma * (x - moving_mean) / sqrt(moving_var + eps) + beta
//   backward:  dx = invstd/N * (N*dxhat - sum(dxhat) - xhat*sum(dxhat*xhat)),
//              dxhat = dy * gamma; dgamma = sum(dy*xhat); dbeta = sum(dy)
#include <cmath>
#include <vector>

#include "common.h"

namespace trainlab {
namespace {

// Per-column accumulators and coefficients, reused across calls so a step
// allocates nothing; the column sums run row by row so memory is read in
// order.
thread_local std::vector<double> scratch_a;
thread_local std::vector<double> scratch_b;
thread_local std::vector<float> scratch_f1;
thread_local std::vector<float> scratch_f2;
thread_local std::vector<float> scratch_f3;

void Zeroed(std::vector<double>& v, int64_t c) { v.assign(c, 0.0); }

// batchNormForwardTrain(n, c, x, gamma, beta, epsilon, momentum,
//   movingMean, movingVariance, mean, invStd, xhat, y)
Napi::Value ForwardTrain(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const int64_t n = Int(info, 0);
  const int64_t c = Int(info, 1);
  const float* x = F32(info, 2);
  const float* gamma = F32(info, 3);
  const float* beta = F32(info, 4);
  const double epsilon = Num(info, 5);
  const double momentum = Num(info, 6);
  float* moving_mean = F32(info, 7);
  float* moving_var = F32(info, 8);
  float* mean = F32(info, 9);
  float* inv_std = F32(info, 10);
  float* xhat = F32(info, 11);
  float* y = F32(info, 12);

  // Two passes (mean, then squared deviations) avoid the cancellation of
  // E[x^2] - E[x]^2.
  Zeroed(scratch_a, c);
  Zeroed(scratch_b, c);
  double* __restrict sum = scratch_a.data();
  double* __restrict sq = scratch_b.data();
  for (int64_t i = 0; i < n; i++) {
    const float* row = x + i * c;
    for (int64_t j = 0; j < c; j++) sum[j] += row[j];
  }
  for (int64_t j = 0; j < c; j++) sum[j] /= double(n);
  for (int64_t i = 0; i < n; i++) {
    const float* row = x + i * c;
    for (int64_t j = 0; j < c; j++) {
      const double d = row[j] - sum[j];
      sq[j] += d * d;
    }
  }
  for (int64_t j = 0; j < c; j++) {
    const double variance = sq[j] / double(n);
    mean[j] = static_cast<float>(sum[j]);
    inv_std[j] = static_cast<float>(1.0 / std::sqrt(variance + epsilon));
    moving_mean[j] = static_cast<float>(moving_mean[j] * momentum +
                                        sum[j] * (1 - momentum));
    moving_var[j] = static_cast<float>(moving_var[j] * momentum +
                                       variance * (1 - momentum));
  }
  for (int64_t i = 0; i < n; i++) {
    const float* xr = x + i * c;
    float* hr = xhat + i * c;
    float* yr = y + i * c;
    for (int64_t j = 0; j < c; j++) {
      const float h = (xr[j] - mean[j]) * inv_std[j];
      hr[j] = h;
      yr[j] = gamma[j] * h + beta[j];
    }
  }
  return info.Env().Undefined();
}

// batchNormForwardInference(n, c, x, gamma, beta, epsilon,
//   movingMean, movingVariance, y)
Napi::Value ForwardInference(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const int64_t n = Int(info, 0);
  const int64_t c = Int(info, 1);
  const float* x = F32(info, 2);
  const float* gamma = F32(info, 3);
  const float* beta = F32(info, 4);
  const double epsilon = Num(info, 5);
  const float* moving_mean = F32(info, 6);
  const float* moving_var = F32(info, 7);
  float* y = F32(info, 8);
  // Fold normalization and the affine transform into y = x * a + b.
  std::vector<float>& a = scratch_f1;
  std::vector<float>& b = scratch_f2;
  a.resize(c);
  b.resize(c);
  for (int64_t j = 0; j < c; j++) {
    const double rstd = 1.0 / std::sqrt(double(moving_var[j]) + epsilon);
    a[j] = static_cast<float>(gamma[j] * rstd);
    b[j] = static_cast<float>(beta[j] - gamma[j] * rstd * moving_mean[j]);
  }
  for (int64_t i = 0; i < n; i++) {
    const float* xr = x + i * c;
    float* yr = y + i * c;
    for (int64_t j = 0; j < c; j++) yr[j] = xr[j] * a[j] + b[j];
  }
  return info.Env().Undefined();
}

// batchNormBackward(n, c, dy, xhat, gamma, invStd, dx, dgamma, dbeta)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const int64_t n = Int(info, 0);
  const int64_t c = Int(info, 1);
  const float* dy = F32(info, 2);
  const float* xhat = F32(info, 3);
  const float* gamma = F32(info, 4);
  const float* inv_std = F32(info, 5);
  float* dx = F32(info, 6);
  float* dgamma = F32(info, 7);
  float* dbeta = F32(info, 8);

  Zeroed(scratch_a, c);
  Zeroed(scratch_b, c);
  double* __restrict sum_dy = scratch_a.data();
  double* __restrict sum_dyh = scratch_b.data();
  for (int64_t i = 0; i < n; i++) {
    const float* d = dy + i * c;
    const float* h = xhat + i * c;
    for (int64_t j = 0; j < c; j++) {
      sum_dy[j] += d[j];
      sum_dyh[j] += double(d[j]) * h[j];
    }
  }
  std::vector<float>& k = scratch_f1;
  std::vector<float>& mean_dy = scratch_f2;
  std::vector<float>& mean_dyh = scratch_f3;
  k.resize(c);
  mean_dy.resize(c);
  mean_dyh.resize(c);
  float* __restrict kp = k.data();
  float* __restrict mdy = mean_dy.data();
  float* __restrict mdyh = mean_dyh.data();
  for (int64_t j = 0; j < c; j++) {
    dbeta[j] = static_cast<float>(sum_dy[j]);
    dgamma[j] = static_cast<float>(sum_dyh[j]);
    kp[j] = gamma[j] * inv_std[j];
    mdy[j] = static_cast<float>(sum_dy[j] / double(n));
    mdyh[j] = static_cast<float>(sum_dyh[j] / double(n));
  }
  for (int64_t i = 0; i < n; i++) {
    const float* d = dy + i * c;
    const float* h = xhat + i * c;
    float* out = dx + i * c;
    for (int64_t j = 0; j < c; j++) {
      out[j] = kp[j] * (d[j] - mdy[j] - h[j] * mdyh[j]);
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormForwardTrain", Napi::Function::New(env, ForwardTrain));
  exports.Set("batchNormForwardInference",
              Napi::Function::New(env, ForwardInference));
  exports.Set("batchNormBackward", Napi::Function::New(env, Backward));
}

}  // namespace trainlab
