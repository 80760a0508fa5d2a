package server

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	hellov1 "pantry/server/internal/gen/hello/v1"
	pantryv1 "pantry/server/internal/gen/pantry/v1"
)

func TestPlaintext(t *testing.T) {
	addr, _ := start(t, Config{})
	c := dial(t, addr, nil)

	t.Run("Hello greets through the server", func(t *testing.T) {
		resp, err := c.hello.Hello(t.Context(), &hellov1.HelloRequest{Name: "pantry"})
		if err != nil || resp.GetMessage() != "Hello, pantry!" {
			t.Fatalf("Hello: got %q, %v; want %q, nil", resp.GetMessage(), err, "Hello, pantry!")
		}
	})

	for _, svc := range []string{"", "hello.v1.HelloService", "pantry.v1.FoodStorageService"} {
		t.Run("health reports "+quoteOrOverall(svc)+" as serving", func(t *testing.T) {
			resp, err := healthpb.NewHealthClient(c.conn).Check(t.Context(), &healthpb.HealthCheckRequest{Service: svc})
			if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("Check: got %v, %v; want SERVING, nil", resp.GetStatus(), err)
			}
		})
	}

	t.Run("reflection lists both services", func(t *testing.T) {
		stream, err := reflectionpb.NewServerReflectionClient(c.conn).ServerReflectionInfo(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer stream.CloseSend()
		if err := stream.Send(&reflectionpb.ServerReflectionRequest{
			MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
		}); err != nil {
			t.Fatal(err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range resp.GetListServicesResponse().GetService() {
			names = append(names, s.GetName())
		}
		for _, want := range []string{"hello.v1.HelloService", "pantry.v1.FoodStorageService", "grpc.health.v1.Health"} {
			if !slices.Contains(names, want) {
				t.Errorf("services: got %v, want %s among them", names, want)
			}
		}
	})

	t.Run("a food goes through add, get, update, consume, list and delete", func(t *testing.T) {
		ctx := t.Context()
		added, err := c.foods.AddFood(ctx, &pantryv1.AddFoodRequest{Food: &pantryv1.Food{
			Name: "保存水 2L", Category: pantryv1.Category_CATEGORY_WATER, Quantity: 6, BestBefore: "2030-01-01"}})
		if err != nil {
			t.Fatal(err)
		}
		id := added.GetFood().GetId()
		if _, err := c.foods.UpdateFood(ctx, &pantryv1.UpdateFoodRequest{
			Food: &pantryv1.Food{Id: id, Location: "玄関の収納"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"location"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.foods.ConsumeFood(ctx, &pantryv1.ConsumeFoodRequest{Id: id, Quantity: 2, RequestId: "c1"}); err != nil {
			t.Fatal(err)
		}
		got, err := c.foods.GetFood(ctx, &pantryv1.GetFoodRequest{Id: id})
		if err != nil || got.GetFood().GetQuantity() != 4 || got.GetFood().GetLocation() != "玄関の収納" {
			t.Fatalf("GetFood: got %v, %v; want quantity 4 at 玄関の収納", got.GetFood(), err)
		}
		list, err := c.foods.ListFoods(ctx, &pantryv1.ListFoodsRequest{Category: pantryv1.Category_CATEGORY_WATER})
		if err != nil || len(list.GetFoods()) != 1 {
			t.Fatalf("ListFoods: got %v, %v; want the added food", list.GetFoods(), err)
		}
		if _, err := c.foods.DeleteFood(ctx, &pantryv1.DeleteFoodRequest{Id: id}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.foods.GetFood(ctx, &pantryv1.GetFoodRequest{Id: id}); status.Code(err) != codes.NotFound {
			t.Fatalf("GetFood after delete: got %v, want NOT_FOUND", err)
		}
	})

	t.Run("fault metadata is ignored when fault injection is off", func(t *testing.T) {
		ctx := metadata.AppendToOutgoingContext(t.Context(), "pantry-fault-code", "UNAVAILABLE", "pantry-fault-drop", "true")
		if _, err := c.hello.Hello(ctx, &hellov1.HelloRequest{}); err != nil {
			t.Fatalf("Hello: got %v, want success", err)
		}
	})
}

func quoteOrOverall(svc string) string {
	if svc == "" {
		return "the server overall"
	}
	return svc
}
