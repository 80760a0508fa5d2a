package service

import (
	"context"
	"strings"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

// writable maps each update_mask path to the copy of that field.
var writable = map[string]func(dst *store.Food, src store.Food){
	"name":        func(d *store.Food, s store.Food) { d.Name = s.Name },
	"category":    func(d *store.Food, s store.Food) { d.Category = s.Category },
	"quantity":    func(d *store.Food, s store.Food) { d.Quantity = s.Quantity },
	"unit":        func(d *store.Food, s store.Food) { d.Unit = s.Unit },
	"best_before": func(d *store.Food, s store.Food) { d.BestBefore = s.BestBefore },
	"location":    func(d *store.Food, s store.Food) { d.Location = s.Location },
}

// writableList names the writable paths in the order of the proto.
const writableList = "name, category, quantity, unit, best_before, location"

// UpdateFood replaces the fields of the stored food named in update_mask, or
// all writable fields when the mask is empty, and validates the result.
func (s *FoodStorage) UpdateFood(_ context.Context, req *pantryv1.UpdateFoodRequest) (*pantryv1.UpdateFoodResponse, error) {
	var v violations
	if req.GetFood() == nil {
		v.add("food", "required")
	} else {
		validateID(&v, "food.id", req.GetFood().GetId())
	}
	paths := req.GetUpdateMask().GetPaths()
	for _, p := range paths {
		if writable[p] == nil {
			v.add("update_mask.paths", "%q is not one of %s", p, writableList)
		}
	}
	if len(paths) == 0 {
		paths = strings.Split(writableList, ", ")
	}
	if err := v.err(); err != nil {
		return nil, err
	}

	src := fromProto(req.GetFood())
	f, err := s.store.Update(req.GetFood().GetId(), func(f *store.Food) error {
		for _, p := range paths {
			writable[p](f, src)
		}
		var result violations
		validateFood(&result, "food", *f)
		return result.err()
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pantryv1.UpdateFoodResponse{Food: toProto(f)}, nil
}
