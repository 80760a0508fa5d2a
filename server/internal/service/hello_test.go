package service

import (
	"testing"

	hellov1 "pantry/server/internal/gen/hello/v1"
)

func TestHello(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a name is greeted", "pantry", "Hello, pantry!"},
		{"an empty name greets the world", "", "Hello, world!"},
		{"a Japanese name is greeted as is", "備蓄", "Hello, 備蓄!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := Hello{}.Hello(t.Context(), &hellov1.HelloRequest{Name: tt.in})
			if err != nil || resp.GetMessage() != tt.want {
				t.Fatalf("got %q, %v; want %q", resp.GetMessage(), err, tt.want)
			}
		})
	}
}
