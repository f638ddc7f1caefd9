// glibc's malloc raises its mmap threshold each time a large mmapped block is freed (up to 32 MB),
// so after the first big xDS response (megabytes received in 16 KB frames and concatenated) later
// large buffers come from the brk heap and their pages stay with the process when freed: measured
// at ~1.5 KB of RSS per cluster after a 10,000-cluster EDS push. Fixing the threshold (mallopt)
// turns that dynamic raise off, so large buffers are mapped and unmapped again. Not glibc (musl):
// reported as unsupported.
#include "malloc-tuning.h"

#include <errno.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

napi_value SetMmapThreshold(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int bytes = 0;
  int rc = -EINVAL;
  if (argc == 1 && napi_get_value_int32(env, argv[0], &bytes) == napi_ok && bytes > 0) {
#if defined(__GLIBC__)
    rc = mallopt(M_MMAP_THRESHOLD, bytes) == 1 ? 0 : -EINVAL;
#else
    rc = -ENOSYS;
#endif
  }
  napi_value out;
  napi_create_int32(env, rc, &out);
  return out;
}

}  // namespace

void RegisterMallocTuning(napi_env env, napi_value exports) {
  napi_property_descriptor p = {"setMmapThreshold", nullptr, SetMmapThreshold, nullptr, nullptr, nullptr, napi_default, nullptr};
  napi_define_properties(env, exports, 1, &p);
}
