package server

import (
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

// Round trips over loopback TCP with one client connection:
//
//	go test -run '^$' -bench . ./internal/server
func BenchmarkRoundTrip(b *testing.B) {
	addr, _ := start(b, Config{Log: io.Discard})
	c := dial(b, addr, nil)
	seed, err := c.foods.AddFood(b.Context(), &pantryv1.AddFoodRequest{Food: &pantryv1.Food{Name: "保存水 2L", Quantity: 1 << 30}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 200 {
		if _, err := c.foods.AddFood(b.Context(), &pantryv1.AddFoodRequest{Food: &pantryv1.Food{Name: "缶詰", BestBefore: "2030-01-01"}}); err != nil {
			b.Fatalf("AddFood %d: got %v, want nil", i+1, err)
		}
	}
	var n atomic.Int64
	calls := []struct {
		name string
		call func() error
	}{
		{"Hello", func() error {
			_, err := c.hello.Hello(b.Context(), &hellov1.HelloRequest{Name: "bench"})
			return err
		}},
		{"GetFood", func() error {
			_, err := c.foods.GetFood(b.Context(), &pantryv1.GetFoodRequest{Id: seed.GetFood().GetId()})
			return err
		}},
		{"AddFood with request_id", func() error {
			_, err := c.foods.AddFood(b.Context(), &pantryv1.AddFoodRequest{
				Food: &pantryv1.Food{Name: "乾パン", Quantity: 1}, RequestId: fmt.Sprint("bench-", n.Add(1))})
			return err
		}},
		{"ConsumeFood with request_id", func() error {
			_, err := c.foods.ConsumeFood(b.Context(), &pantryv1.ConsumeFoodRequest{
				Id: seed.GetFood().GetId(), Quantity: 1, RequestId: fmt.Sprint("bench-", n.Add(1))})
			return err
		}},
		{"ListFoods page of 50", func() error {
			_, err := c.foods.ListFoods(b.Context(), &pantryv1.ListFoodsRequest{})
			return err
		}},
	}
	for _, bc := range calls {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := bc.call(); err != nil {
						b.Errorf("%s: got %v, want nil", bc.name, err)
						return
					}
				}
			})
		})
	}
}
