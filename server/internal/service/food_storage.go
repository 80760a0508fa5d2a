package service

import (
	"context"
	"sync"
	"time"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

// FoodStorage implements pantry.v1.FoodStorageService.
type FoodStorage struct {
	pantryv1.UnimplementedFoodStorageServiceServer

	store store.Backend
	now   func() time.Time

	stopOnce sync.Once
	stopping chan struct{}
}

// NewFoodStorage serves st. now gives the current time, from which "today"
// is taken in UTC; nil means time.Now.
func NewFoodStorage(st store.Backend, now func() time.Time) *FoodStorage {
	if now == nil {
		now = time.Now
	}
	return &FoodStorage{store: st, now: now, stopping: make(chan struct{})}
}

// Stop ends the open WatchExpiringFoods streams with UNAVAILABLE, so that a
// graceful shutdown need not wait for followers to hang up.
func (s *FoodStorage) Stop() {
	s.stopOnce.Do(func() { close(s.stopping) })
}

// AddFood stores req.Food; a repeated request_id returns the food stored the
// first time.
func (s *FoodStorage) AddFood(ctx context.Context, req *pantryv1.AddFoodRequest) (*pantryv1.AddFoodResponse, error) {
	var v violations
	if req.GetFood() == nil {
		v.add("food", "required")
	} else {
		validateFood(&v, "food", fromProto(req.GetFood()))
	}
	validateRequestID(&v, req.GetRequestId())
	if err := v.err(); err != nil {
		return nil, err
	}
	f, out, err := s.store.Add(req.GetRequestId(), fromProto(req.GetFood()))
	setOutcomeHeaders(ctx, out)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pantryv1.AddFoodResponse{Food: toProto(f)}, nil
}

// GetFood returns one food.
func (s *FoodStorage) GetFood(_ context.Context, req *pantryv1.GetFoodRequest) (*pantryv1.GetFoodResponse, error) {
	var v violations
	validateID(&v, "id", req.GetId())
	if err := v.err(); err != nil {
		return nil, err
	}
	f, err := s.store.Get(req.GetId())
	if err != nil {
		return nil, toStatus(err)
	}
	return &pantryv1.GetFoodResponse{Food: toProto(f)}, nil
}

// ConsumeFood takes req.Quantity units out of stock; a repeated request_id is
// applied once.
func (s *FoodStorage) ConsumeFood(ctx context.Context, req *pantryv1.ConsumeFoodRequest) (*pantryv1.ConsumeFoodResponse, error) {
	var v violations
	validateID(&v, "id", req.GetId())
	if req.GetQuantity() < 1 {
		v.add("quantity", "must be at least 1")
	}
	validateRequestID(&v, req.GetRequestId())
	if err := v.err(); err != nil {
		return nil, err
	}
	f, out, err := s.store.Consume(req.GetRequestId(), req.GetId(), req.GetQuantity())
	setOutcomeHeaders(ctx, out)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pantryv1.ConsumeFoodResponse{Food: toProto(f)}, nil
}

// DeleteFood removes one food; a repeated request_id answers OK again.
func (s *FoodStorage) DeleteFood(ctx context.Context, req *pantryv1.DeleteFoodRequest) (*pantryv1.DeleteFoodResponse, error) {
	var v violations
	validateID(&v, "id", req.GetId())
	validateRequestID(&v, req.GetRequestId())
	if err := v.err(); err != nil {
		return nil, err
	}
	out, err := s.store.Delete(req.GetRequestId(), req.GetId())
	setOutcomeHeaders(ctx, out)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pantryv1.DeleteFoodResponse{}, nil
}
