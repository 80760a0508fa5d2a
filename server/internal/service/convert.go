package service

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

func toProto(f store.Food) *pantryv1.Food {
	return &pantryv1.Food{
		Id:         f.ID,
		Name:       f.Name,
		Category:   f.Category,
		Quantity:   f.Quantity,
		Unit:       f.Unit,
		BestBefore: f.BestBefore,
		Location:   f.Location,
		CreatedAt:  timestamppb.New(f.CreatedAt),
		UpdatedAt:  timestamppb.New(f.UpdatedAt),
	}
}

// fromProto copies the client-writable fields of p.
func fromProto(p *pantryv1.Food) store.Food {
	return store.Food{
		Name:       p.GetName(),
		Category:   p.GetCategory(),
		Quantity:   p.GetQuantity(),
		Unit:       p.GetUnit(),
		BestBefore: p.GetBestBefore(),
		Location:   p.GetLocation(),
	}
}
