package keycache

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestCache(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, c *Cache[int])
	}{
		{"a stored value is returned by later look-ups", func(t *testing.T, c *Cache[int]) {
			*c.GetOrCreate("a", t0) = 7
			if v := c.Get("a", t0.Add(time.Minute)); v == nil || *v != 7 {
				t.Fatalf("Get(a): got %v, want 7", v)
			}
			if v := c.GetOrCreate("a", t0.Add(time.Minute)); *v != 7 {
				t.Fatalf("GetOrCreate(a): got %d, want 7", *v)
			}
		}},
		{"an unknown key is nil", func(t *testing.T, c *Cache[int]) {
			if v := c.Get("nope", t0); v != nil {
				t.Fatalf("Get(nope): got %v, want nil", *v)
			}
		}},
		{"a key is forgotten once it is older than the time to live", func(t *testing.T, c *Cache[int]) {
			*c.GetOrCreate("a", t0) = 1
			*c.GetOrCreate("b", t0.Add(30*time.Minute)) = 2
			if v := c.Get("a", t0.Add(time.Hour)); v != nil {
				t.Fatalf("Get(a) after an hour: got %d, want nil", *v)
			}
			if v := c.Get("b", t0.Add(time.Hour)); v == nil {
				t.Fatal("Get(b) after half an hour: got nil, want it kept")
			}
		}},
		{"the oldest keys are forgotten beyond the maximum", func(t *testing.T, c *Cache[int]) {
			for i := range 5 {
				*c.GetOrCreate(fmt.Sprint(i), t0) = i
			}
			if c.Len() != 3 {
				t.Fatalf("Len(): got %d, want 3", c.Len())
			}
			for i, want := range []bool{false, false, true, true, true} {
				if got := c.Get(fmt.Sprint(i), t0) != nil; got != want {
					t.Errorf("key %d kept: got %v, want %v", i, got, want)
				}
			}
		}},
		{"a forgotten key can be stored again", func(t *testing.T, c *Cache[int]) {
			*c.GetOrCreate("a", t0) = 1
			if v := c.GetOrCreate("a", t0.Add(2*time.Hour)); *v != 0 {
				t.Fatalf("GetOrCreate(a) after expiry: got %d, want a fresh 0", *v)
			}
			if c.Len() != 1 {
				t.Fatalf("Len(): got %d, want 1", c.Len())
			}
		}},
		{"a long run of keys keeps the bookkeeping bounded", func(t *testing.T, c *Cache[int]) {
			for i := range 10_000 {
				c.GetOrCreate(fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second))
			}
			if c.Len() != 3 || len(c.order)-c.head != 3 || cap(c.order) > 64 {
				t.Fatalf("Len(), live order, cap: got %d, %d, %d; want 3, 3 and at most 64", c.Len(), len(c.order)-c.head, cap(c.order))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, New[int](3, time.Hour))
		})
	}
}
