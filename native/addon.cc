// trainlab's native kernels: a Node-API addon over OpenBLAS. Each kernel
// reads and writes the caller's Float32Array memory in place; no JS logic
// lives here. The semantics of every kernel are documented on the Backend
// interface in src/engine/backend.ts.
#include "common.h"

namespace trainlab {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  RegisterGemm(env, exports);
  RegisterActivations(env, exports);
  RegisterLosses(env, exports);
  RegisterReductions(env, exports);
  RegisterOptimizers(env, exports);
  RegisterBatchNorm(env, exports);
  RegisterRng(env, exports);
  return exports;
}

}  // namespace trainlab

// NODE_API_MODULE needs an unqualified function name.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return trainlab::Init(env, exports);
}

NODE_API_MODULE(trainlab_native, InitModule)
