// The few socket calls Node does not offer, as a plain N-API addon (no dependency):
// getsockopt(SO_ORIGINAL_DST) for connections redirected by iptables, and listen sockets created
// with IP_TRANSPARENT / IP_FREEBIND set before bind (Node binds and listens in one call, so the
// option must be set on an fd we create and then hand to net.Server.listen({fd})).
// Errors are returned as negative errno numbers so JS decides what is a fallback and what is fatal.
// The same addon carries the malloc tuning of proxy/server/native/malloc-tuning.cc (one binary).
#include <node_api.h>

#include "../../server/native/malloc-tuning.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif
#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif
#ifndef IPV6_TRANSPARENT
#define IPV6_TRANSPARENT 75
#endif
#ifndef IP_FREEBIND
#define IP_FREEBIND 15
#endif
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

namespace {

napi_value MakeInt(napi_env env, int v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

bool ArgInt(napi_env env, napi_value v, int* out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

bool ArgBool(napi_env env, napi_value v) {
  bool b = false;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return false;
  return b;
}

napi_value AddressObject(napi_env env, const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  int family = 4;
  if (ss.ss_family == AF_INET) {
    const sockaddr_in* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  } else {
    const sockaddr_in6* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
      inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], ip, sizeof(ip));
    } else {
      inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
      family = 6;
    }
    port = ntohs(a->sin6_port);
  }
  napi_value obj, vip;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, ip, NAPI_AUTO_LENGTH, &vip);
  napi_set_named_property(env, obj, "ip", vip);
  napi_set_named_property(env, obj, "port", MakeInt(env, port));
  napi_set_named_property(env, obj, "family", MakeInt(env, family));
  return obj;
}

// getOriginalDst(fd) -> {ip, port, family} | -errno
// An IPv6 socket carrying an IPv4 (mapped) connection was NATed by the IPv4 table: ask SOL_IP.
napi_value GetOriginalDst(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int fd;
  if (argc < 1 || !ArgInt(env, argv[0], &fd)) return MakeInt(env, -EBADF);

  sockaddr_storage local;
  socklen_t len = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) return MakeInt(env, -errno);

  bool v4 = local.ss_family == AF_INET;
  if (local.ss_family == AF_INET6) {
    const sockaddr_in6* a = reinterpret_cast<const sockaddr_in6*>(&local);
    v4 = IN6_IS_ADDR_V4MAPPED(&a->sin6_addr);
  } else if (local.ss_family != AF_INET) {
    return MakeInt(env, -EAFNOSUPPORT);
  }

  sockaddr_storage orig;
  memset(&orig, 0, sizeof(orig));
  len = sizeof(orig);
  int rc = v4 ? getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &orig, &len)
              : getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &orig, &len);
  if (rc != 0) return MakeInt(env, -errno);
  return AddressObject(env, orig);
}

// setTransparent(fd, family, on) -> 0 | -errno: IP_TRANSPARENT / IPV6_TRANSPARENT on a socket.
int SetTransparentFd(int fd, int family, int on) {
  if (family == 6) {
    if (setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &on, sizeof(on)) != 0) return -errno;
    // A dual-stack v6 socket also accepts v4 traffic; the v4 option is best effort there.
    setsockopt(fd, SOL_IP, IP_TRANSPARENT, &on, sizeof(on));
    return 0;
  }
  if (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &on, sizeof(on)) != 0) return -errno;
  return 0;
}

napi_value SetTransparent(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int fd, family;
  if (argc < 3 || !ArgInt(env, argv[0], &fd) || !ArgInt(env, argv[1], &family)) return MakeInt(env, -EINVAL);
  return MakeInt(env, SetTransparentFd(fd, family, ArgBool(env, argv[2]) ? 1 : 0));
}

// createListenSocket(ip, port, family, transparent, freebind, reusePort, ipv6Only, backlog)
//   -> fd | -errno. SO_REUSEADDR as Node sets it; non-blocking and close-on-exec as libuv expects.
napi_value CreateListenSocket(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 8) return MakeInt(env, -EINVAL);
  char ip[INET6_ADDRSTRLEN + 1] = {0};
  size_t iplen = 0;
  if (napi_get_value_string_utf8(env, argv[0], ip, sizeof(ip), &iplen) != napi_ok) return MakeInt(env, -EINVAL);
  int port, family, backlog;
  if (!ArgInt(env, argv[1], &port) || !ArgInt(env, argv[2], &family) || !ArgInt(env, argv[7], &backlog)) {
    return MakeInt(env, -EINVAL);
  }
  bool transparent = ArgBool(env, argv[3]);
  bool freebind = ArgBool(env, argv[4]);
  bool reusePort = ArgBool(env, argv[5]);
  bool v6only = ArgBool(env, argv[6]);

  sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  socklen_t sslen;
  if (family == 6) {
    sockaddr_in6* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, ip, &a->sin6_addr) != 1) return MakeInt(env, -EINVAL);
    sslen = sizeof(sockaddr_in6);
  } else {
    sockaddr_in* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) return MakeInt(env, -EINVAL);
    sslen = sizeof(sockaddr_in);
  }

  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return MakeInt(env, -errno);
  int one = 1;
  int err = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) err = -errno;
  if (!err && reusePort && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) err = -errno;
  if (!err && family == 6) {
    int v = v6only ? 1 : 0;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) != 0) err = -errno;
  }
  if (!err && transparent) err = SetTransparentFd(fd, family, 1);
  if (!err && freebind) {
    int rc = family == 6 ? setsockopt(fd, SOL_IPV6, IPV6_FREEBIND, &one, sizeof(one))
                         : setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
    if (rc != 0) err = -errno;
  }
  if (!err && bind(fd, reinterpret_cast<sockaddr*>(&ss), sslen) != 0) err = -errno;
  if (!err && listen(fd, backlog > 0 ? backlog : 511) != 0) err = -errno;
  if (err) {
    close(fd);
    return MakeInt(env, err);
  }
  return MakeInt(env, fd);
}

// closeFd(fd): for a socket created here that never reached a net.Server.
napi_value CloseFd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int fd;
  if (argc < 1 || !ArgInt(env, argv[0], &fd)) return MakeInt(env, -EBADF);
  return MakeInt(env, close(fd) == 0 ? 0 : -errno);
}

// getSockOptInt(fd, level, name) -> value | -errno: lets tests check that an option is set.
napi_value GetSockOptInt(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int fd, level, name;
  if (argc < 3 || !ArgInt(env, argv[0], &fd) || !ArgInt(env, argv[1], &level) || !ArgInt(env, argv[2], &name)) {
    return MakeInt(env, -EINVAL);
  }
  int v = 0;
  socklen_t len = sizeof(v);
  if (getsockopt(fd, level, name, &v, &len) != 0) return MakeInt(env, -errno);
  return MakeInt(env, v);
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"getOriginalDst", nullptr, GetOriginalDst, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setTransparent", nullptr, SetTransparent, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"createListenSocket", nullptr, CreateListenSocket, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"closeFd", nullptr, CloseFd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getSockOptInt", nullptr, GetSockOptInt, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  napi_value consts;
  napi_create_object(env, &consts);
  napi_set_named_property(env, consts, "SOL_IP", MakeInt(env, SOL_IP));
  napi_set_named_property(env, consts, "SOL_IPV6", MakeInt(env, SOL_IPV6));
  napi_set_named_property(env, consts, "IP_TRANSPARENT", MakeInt(env, IP_TRANSPARENT));
  napi_set_named_property(env, consts, "IPV6_TRANSPARENT", MakeInt(env, IPV6_TRANSPARENT));
  napi_set_named_property(env, consts, "IP_FREEBIND", MakeInt(env, IP_FREEBIND));
  napi_set_named_property(env, consts, "SO_REUSEPORT", MakeInt(env, SO_REUSEPORT));
  napi_set_named_property(env, consts, "ENOENT", MakeInt(env, ENOENT));
  napi_set_named_property(env, consts, "ENOPROTOOPT", MakeInt(env, ENOPROTOOPT));
  napi_set_named_property(env, consts, "EPERM", MakeInt(env, EPERM));
  napi_set_named_property(env, exports, "constants", consts);
  RegisterMallocTuning(env, exports);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
