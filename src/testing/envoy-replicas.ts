/**
 * Turns a rendered single-upstream Envoy config into one for several replicas: the cluster lists
 * every replica's address, checks each with gRPC health checks (`grpc.health.v1`, every second: a
 * replica shutting down answers NOT_SERVING and stops getting new calls), ejects one that fails
 * repeatedly (outlier detection), and the route retries a call on another replica when the
 * connection failed or the stream was refused — cases where the replica never saw the request, so
 * writes are safe to retry too (up to 1 000 such retries in flight, not Envoy's default 3).
 *
 * @example
 * const yaml = withReplicas(rendered, ['127.0.0.2:9090', '127.0.0.3:9090', '127.0.0.4:9090']);
 */
export function withReplicas(config: string, upstreams: readonly string[]): string {
  const endpoints = upstreams
    .map((u) => {
      const i = u.lastIndexOf(':');
      return [
        '        - endpoint:',
        '            address:',
        '              socket_address:',
        `                address: ${u.slice(0, i)}`,
        `                port_value: ${u.slice(i + 1)}`,
      ].join('\n');
    })
    .join('\n');
  const health = [
    '    health_checks:',
    '    - timeout: 1s',
    '      interval: 1s',
    '      no_traffic_interval: 1s',
    '      unhealthy_threshold: 1',
    '      healthy_threshold: 1',
    '      grpc_health_check: {}',
    '    outlier_detection:',
    '      consecutive_5xx: 5',
    '      consecutive_gateway_failure: 3',
    '      interval: 1s',
    '      base_ejection_time: 2s',
    '      max_ejection_percent: 50',
    // Envoy allows 3 retries in flight per cluster by default: a burst of calls to a replica that
    // just died would overflow that and fail instead of moving to another replica.
    '    circuit_breakers:',
    '      thresholds:',
    '      - max_retries: 1000',
  ].join('\n');
  const retry = [
    '                  retry_policy:',
    '                    retry_on: connect-failure,refused-stream',
    '                    num_retries: 2',
    '                    retry_host_predicate:',
    '                    - name: envoy.retry_host_predicates.previous_hosts',
    '                      typed_config:',
    '                        "@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
    '                    host_selection_retry_max_attempts: 3',
  ].join('\n');
  const steps: Array<[RegExp, (m: string) => string]> = [
    [/ {6}- lb_endpoints:\n[\s\S]*?port_value: \d+\n?/, () => `      - lb_endpoints:\n${endpoints}\n`],
    [/^ {4}lb_policy: ROUND_ROBIN\n/m, (m) => `${m}${health}\n`],
    // IP addresses: nothing to resolve. With STRICT_DNS (each IP a DNS target of its own, re-resolved
    // every second) Envoy 1.40 was seen alternating between two of three replicas.
    [/^ {4}type: STRICT_DNS\n/m, () => '    type: STATIC\n'],
    // Every route (the mutual-TLS listener's and the browser listener's).
    [/^ {18}timeout: 0s\n/gm, (m) => `${m}${retry}\n`],
  ];
  let out = config;
  for (const [pattern, replace] of steps) {
    if (!new RegExp(pattern.source, 'm').test(out))
      throw new Error(
        `startPantryStack: the Envoy config has no "${pattern.source}" to add replicas to; with replicas, a custom proxyConfig must keep the shipped cluster and route`,
      );
    out = out.replace(pattern, replace);
  }
  return out;
}
