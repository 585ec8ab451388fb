// Losses with their gradients fused into the same pass:
//   softmax cross-entropy over logits (N x C) with integer labels (N);
//   elementwise regression losses (mse, mae, huber).
#include <cmath>

#include "common.h"

namespace trainlab {
namespace {

// softmaxCrossEntropy(n, c, logits, labels, dlogits|null, gradScale, stats)
// stats <- [sum of -log softmax(z)[label], count of argmax == label]
Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const int64_t n = Int(info, 0);
  const int64_t c = Int(info, 1);
  const float* logits = F32(info, 2);
  const int32_t* labels = I32(info, 3);
  float* dlogits = F32(info, 4);
  const float grad_scale = static_cast<float>(Num(info, 5));
  double* stats = F64(info, 6);

  double loss_sum = 0;
  int64_t correct = 0;
  for (int64_t i = 0; i < n; i++) {
    const float* z = logits + i * c;
    float max = z[0];
    int64_t argmax = 0;
    for (int64_t j = 1; j < c; j++) {
      if (z[j] > max) {
        max = z[j];
        argmax = j;
      }
    }
    // Subtracting the max keeps exp from overflowing; the sum is in double
    // because the log of a float sum loses digits for confident rows.
    double sum_exp = 0;
    for (int64_t j = 0; j < c; j++) sum_exp += std::exp(double(z[j] - max));
    const int32_t label = labels[i];
    loss_sum += std::log(sum_exp) + max - z[label];
    if (argmax == label) correct++;
    if (dlogits) {
      float* dz = dlogits + i * c;
      const double inv_sum = 1.0 / sum_exp;
      for (int64_t j = 0; j < c; j++) {
        const float p = static_cast<float>(std::exp(double(z[j] - max)) * inv_sum);
        dz[j] = (p - (j == label ? 1.0f : 0.0f)) * grad_scale;
      }
    }
  }
  stats[0] = loss_sum;
  stats[1] = static_cast<double>(correct);
  return info.Env().Undefined();
}

// softmax(n, c, logits, probs)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const int64_t n = Int(info, 0);
  const int64_t c = Int(info, 1);
  const float* logits = F32(info, 2);
  float* probs = F32(info, 3);
  for (int64_t i = 0; i < n; i++) {
    const float* z = logits + i * c;
    float* p = probs + i * c;
    float max = z[0];
    for (int64_t j = 1; j < c; j++) max = z[j] > max ? z[j] : max;
    double sum_exp = 0;
    for (int64_t j = 0; j < c; j++) sum_exp += std::exp(double(z[j] - max));
    for (int64_t j = 0; j < c; j++) {
      p[j] = static_cast<float>(std::exp(double(z[j] - max)) / sum_exp);
    }
  }
  return info.Env().Undefined();
}

// regressionLoss(kind, delta, size, pred, target, dpred|null, gradScale, stats)
// kind: 0 mse, 1 mae, 2 huber.
// stats <- [sum of losses, sum of |error|, sum of error^2]
Napi::Value RegressionLoss(const Napi::CallbackInfo& info) {
  FlushDenormals flush;
  const int kind = static_cast<int>(Int(info, 0));
  const double delta = Num(info, 1);
  const int64_t size = Int(info, 2);
  const float* pred = F32(info, 3);
  const float* target = F32(info, 4);
  float* dpred = F32(info, 5);
  const double grad_scale = Num(info, 6);
  double* stats = F64(info, 7);

  double loss_sum = 0, abs_sum = 0, sq_sum = 0;
  for (int64_t i = 0; i < size; i++) {
    const double e = double(pred[i]) - double(target[i]);
    const double ae = std::fabs(e);
    const double sign = e > 0 ? 1.0 : (e < 0 ? -1.0 : 0.0);
    abs_sum += ae;
    sq_sum += e * e;
    double loss, grad;
    if (kind == 0) {
      loss = e * e;
      grad = 2 * e;
    } else if (kind == 1) {
      loss = ae;
      grad = sign;
    } else {
      loss = ae <= delta ? 0.5 * e * e : delta * ae - 0.5 * delta * delta;
      grad = ae <= delta ? e : delta * sign;
    }
    loss_sum += loss;
    if (dpred) dpred[i] = static_cast<float>(grad * grad_scale);
  }
  stats[0] = loss_sum;
  stats[1] = abs_sum;
  stats[2] = sq_sum;
  return info.Env().Undefined();
}

}  // namespace

void RegisterLosses(Napi::Env env, Napi::Object exports) {
  exports.Set("softmaxCrossEntropy",
              Napi::Function::New(env, SoftmaxCrossEntropy));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("regressionLoss", Napi::Function::New(env, RegressionLoss));
}

}  // namespace trainlab
