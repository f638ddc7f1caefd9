{
  "targets": [
    {
      "target_name": "tsenvoy_native",
      "sources": ["proxy/network/native/tsenvoy-native.cc", "proxy/server/native/malloc-tuning.cc"],
      "cflags_cc": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
