// Port handling on :authority, shared by the route table (ignore_port_in_host_matching) and the
// connection manager (strip_matching_host_port / strip_any_host_port run before routing).

/** Index of the ':' starting the port, or -1 (Envoy's getPortStart: IPv6 literals keep theirs). */
export function portStart(host: string): number {
  const colon = host.lastIndexOf(':');
  if (colon < 0) return -1;
  const v6End = host.lastIndexOf(']');
  if (v6End < 0 || v6End < colon) return colon;
  return -1;
}

/** The authority without any port (strip_any_host_port, ignore_port_in_host_matching). */
export function stripPort(host: string): string {
  const p = portStart(host);
  return p < 0 ? host : host.slice(0, p);
}

/** The authority without its port when that port equals `port` (strip_matching_host_port). */
export function stripMatchingPort(host: string, port: number): string {
  const p = portStart(host);
  if (p < 0) return host;
  const s = host.slice(p + 1);
  return s !== '' && /^\d+$/.test(s) && Number(s) === port ? host.slice(0, p) : host;
}
