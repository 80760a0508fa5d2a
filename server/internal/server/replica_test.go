package server

import (
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/instance"
)

func TestReplicaHeader(t *testing.T) {
	tests := []struct {
		name, replica, want string
	}{
		{"a replica id is sent with every call", "r2", "r2"},
		{"without one no header is sent", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, _ := start(t, Config{Instance: instance.Instance{Name: tt.replica}})
			c := dial(t, addr, insecure.NewCredentials())
			var unary, stream metadata.MD
			if _, err := c.hello.Hello(t.Context(), &hellov1.HelloRequest{}, grpc.Header(&unary)); err != nil {
				t.Fatal(err)
			}
			s, err := c.foods.WatchExpiringFoods(t.Context(), &pantryv1.WatchExpiringFoodsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if stream, err = s.Header(); err != nil {
				t.Fatal(err)
			}
			for kind, md := range map[string]metadata.MD{"unary": unary, "stream": stream} {
				if got := strings.Join(md.Get(instance.Header), ","); got != tt.want {
					t.Errorf("%s call: %s = %q, want %q", kind, instance.Header, got, tt.want)
				}
			}
		})
	}
}
