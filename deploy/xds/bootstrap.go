package main

import (
	"encoding/json"
	"os"
)

// Bootstrap is the gRPC xDS bootstrap (gRFC A27) a proxyless client needs to
// find this management server: its address, plaintext channel credentials
// (grpc-js-xds offers only insecure or Google default ones), xDS v3, and the
// client's node id. Envoy has its own bootstrap format.
func Bootstrap(adsAddress, nodeID string) map[string]any {
	return map[string]any{
		"xds_servers": []any{map[string]any{
			"server_uri":      adsAddress,
			"channel_creds":   []any{map[string]any{"type": "insecure"}},
			"server_features": []any{"xds_v3"},
		}},
		"node": map[string]any{"id": nodeID, "locality": map[string]any{}},
	}
}

// writeBootstrap writes Bootstrap to path (readable by everyone: it holds no secret).
func writeBootstrap(path, adsAddress, nodeID string) error {
	b, err := json.MarshalIndent(Bootstrap(adsAddress, nodeID), "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
