{
  "targets": [
    {
      "target_name": "trainlab_native",
      "sources": [
        "native/addon.cc",
        "native/gemm.cc",
        "native/activations.cc",
        "native/losses.cc",
        "native/reductions.cc",
        "native/optimizers.cc",
        "native/batch_norm.cc",
        "native/rng.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "/usr/include/x86_64-linux-gnu/openblas-pthread"
      ],
      "libraries": ["-lopenblas"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-O3", "-march=native", "-fno-trapping-math", "-fno-math-errno", "-ffp-contract=off", "-std=c++17"]
    }
  ]
}
