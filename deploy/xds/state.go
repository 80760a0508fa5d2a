package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
)

// Node groups: every proxyless gRPC client shares one view, every Envoy the other.
const (
	grpcNodes  = "grpc"
	envoyNodes = "envoy"
)

// nodeGroup sends nodes whose id starts with "envoy" to Envoy's view and every other node to the gRPC clients' view.
type nodeGroup struct{}

func (nodeGroup) ID(node *core.Node) string {
	if node != nil && strings.HasPrefix(node.GetId(), "envoy") {
		return envoyNodes
	}
	return grpcNodes
}

// State is the endpoints the management server serves, and the cache it serves them from.
type State struct {
	mu      sync.Mutex
	version int
	eps     []Endpoint
	envoy   *EnvoyTLS
	cache   cachev3.SnapshotCache
}

// NewState serves eps as version 1.
func NewState(eps []Endpoint, envoy *EnvoyTLS) (*State, error) {
	s := &State{envoy: envoy, cache: cachev3.NewSnapshotCache(true, nodeGroup{}, nil)}
	if err := s.Set(eps); err != nil {
		return nil, err
	}
	return s, nil
}

// Cache is what the ADS server serves from.
func (s *State) Cache() cachev3.SnapshotCache { return s.cache }

// Set replaces the endpoints: a new version of both views, pushed to every connected node.
func (s *State) Set(eps []Endpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	version := strconv.Itoa(s.version + 1)
	grpcView, envoyView, err := Snapshots(version, eps, s.envoy)
	if err != nil {
		return err
	}
	ctx := context.Background()
	if err := s.cache.SetSnapshot(ctx, grpcNodes, grpcView); err != nil {
		return err
	}
	if envoyView != nil {
		if err := s.cache.SetSnapshot(ctx, envoyNodes, envoyView); err != nil {
			return err
		}
	}
	s.version++
	s.eps = append([]Endpoint(nil), eps...)
	return nil
}

type stateJSON struct {
	Version   string     `json:"version"`
	Endpoints []Endpoint `json:"endpoints"`
}

// AdminHandler serves GET /endpoints (the version and endpoints served) and
// PUT /endpoints (a JSON list of {name, address, weight} replacing them).
func (s *State) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/endpoints", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
		case http.MethodPut, http.MethodPost:
			var eps []Endpoint
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&eps); err != nil {
				http.Error(w, "body must be a JSON list of {name, address, weight}: "+err.Error(), http.StatusBadRequest)
				return
			}
			if err := s.Set(eps); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		default:
			http.Error(w, "GET or PUT", http.StatusMethodNotAllowed)
			return
		}
		s.mu.Lock()
		out := stateJSON{Version: strconv.Itoa(s.version), Endpoints: s.eps}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	return mux
}

// parseEndpoints reads name=ip:port:weight,… (weight optional, default 1).
func parseEndpoints(text string) ([]Endpoint, error) {
	var eps []Endpoint
	for _, item := range strings.Split(text, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		name, rest, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("-endpoints %q: want name=ip:port[:weight]", item)
		}
		ep := Endpoint{Name: name, Address: rest, Weight: 1}
		if parts := strings.Split(rest, ":"); len(parts) == 3 {
			w, err := strconv.ParseUint(parts[2], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("-endpoints %q: weight %q is not a number", item, parts[2])
			}
			ep.Address, ep.Weight = parts[0]+":"+parts[1], uint32(w)
		}
		eps = append(eps, ep)
	}
	return eps, nil
}
