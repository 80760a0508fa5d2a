package service

import (
	"context"
	"encoding/base64"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// ListFoods returns one page of foods in ID order.
func (s *FoodStorage) ListFoods(_ context.Context, req *pantryv1.ListFoodsRequest) (*pantryv1.ListFoodsResponse, error) {
	var v violations
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		v.add("page_size", "must not be negative")
	case size > maxPageSize:
		v.add("page_size", "must be at most %d", maxPageSize)
	case size == 0:
		size = defaultPageSize
	}
	after, ok := decodePageToken(req.GetPageToken())
	if !ok {
		v.add("page_token", "is not a next_page_token of a previous ListFoods response")
	}
	validateCategory(&v, "category", req.GetCategory())
	if req.GetExpiringBefore() != "" {
		validateDate(&v, "expiring_before", req.GetExpiringBefore())
	}
	if err := v.err(); err != nil {
		return nil, err
	}

	foods, more, err := s.store.List(store.Query{
		After:          after,
		Limit:          size,
		Category:       req.GetCategory(),
		ExpiringBefore: req.GetExpiringBefore(),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	resp := &pantryv1.ListFoodsResponse{Foods: make([]*pantryv1.Food, len(foods))}
	for i, f := range foods {
		resp.Foods[i] = toProto(f)
	}
	if more {
		resp.NextPageToken = encodePageToken(foods[len(foods)-1].ID)
	}
	return resp, nil
}

// A page token is the ID of the last food of the previous page, in
// unpadded base64url; clients treat it as opaque.
func encodePageToken(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(lastID))
}

// decodePageToken returns the ID a token continues after; "" for an empty
// token.
func decodePageToken(token string) (string, bool) {
	if token == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !store.ValidID(string(b)) {
		return "", false
	}
	return string(b), true
}
