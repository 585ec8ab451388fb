// Bulk uniform draws from the shared xoshiro128** stream.
#include "common.h"
#include "xoshiro.h"

namespace trainlab {
namespace {

// fillUniform(state, out, lo, hi): out[i] = lo + (hi - lo) * U[0, 1)
Napi::Value FillUniform(const Napi::CallbackInfo& info) {
  uint32_t* state = U32(info, 0);
  float* out = F32(info, 1);
  const size_t size = F32Length(info, 1);
  const double lo = Num(info, 2);
  const double hi = Num(info, 3);
  for (size_t i = 0; i < size; i++) {
    out[i] = static_cast<float>(lo + (hi - lo) * XoshiroUniform(state));
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterRng(Napi::Env env, Napi::Object exports) {
  exports.Set("fillUniform", Napi::Function::New(env, FillUniform));
}

}  // namespace trainlab
