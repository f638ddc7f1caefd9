// glibc malloc tuning for the addon's exports (malloc-tuning.cc).
#pragma once
#include <node_api.h>

void RegisterMallocTuning(napi_env env, napi_value exports);
