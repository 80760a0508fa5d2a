package dropconn

import (
	"net"
	"testing"
	"time"

	"pantry/server/internal/testutil"
)

func TestDrop(t *testing.T) {
	raw := testutil.Listen(t)
	tr := NewTracker()
	l := tr.Listener(raw)
	defer l.Close()

	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"an accepted connection is tracked", func(t *testing.T) {
			if tr.Len() != 1 {
				t.Fatalf("Len(): got %d, want 1", tr.Len())
			}
		}},
		{"an unknown address is not dropped", func(t *testing.T) {
			if tr.Drop(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}) || tr.Drop(nil) {
				t.Fatal("Drop of an unknown address: got true, want false")
			}
		}},
		{"the connection of a remote address is dropped and the peer sees it", func(t *testing.T) {
			if !tr.Drop(server.RemoteAddr()) {
				t.Fatal("Drop of the client: got false, want true")
			}
			client.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := client.Read(make([]byte, 1)); err == nil {
				t.Fatalf("Read: got %v, want a reset or EOF", err)
			}
		}},
		{"a dropped connection is no longer tracked", func(t *testing.T) {
			if tr.Len() != 0 {
				t.Fatalf("Len(): got %d, want 0", tr.Len())
			}
			server.Close() // closing again is harmless
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}
