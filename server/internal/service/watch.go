package service

import (
	"cmp"
	"slices"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pantryv1 "pantry/server/internal/gen/pantry/v1"
	"pantry/server/internal/store"
)

const (
	defaultWithinDays = 30
	maxWithinDays     = 3650
	// watchBuffer is how many changes a follower may fall behind before its
	// stream is ended.
	watchBuffer = 1024
)

// WatchExpiringFoods sends every food whose best-before date is at most
// within_days from today (past-due ones included), soonest first, then with
// follow keeps sending the foods added or updated into that window until the
// client cancels.
func (s *FoodStorage) WatchExpiringFoods(req *pantryv1.WatchExpiringFoodsRequest, stream grpc.ServerStreamingServer[pantryv1.WatchExpiringFoodsResponse]) error {
	days := int(req.GetWithinDays())
	if days == 0 {
		days = defaultWithinDays
	}
	if days < 0 || days > maxWithinDays {
		var v violations
		v.add("within_days", "must be 0 to %d", maxWithinDays)
		return v.err()
	}

	w := newWindow(s.today(), days)
	var (
		foods []store.Food
		sub   *store.Subscription
	)
	if req.GetFollow() {
		var err error
		if foods, sub, err = s.store.Subscribe(watchBuffer, w.contains); err != nil {
			return toStatus(err)
		}
		defer sub.Close()
	} else {
		var err error
		if foods, err = s.store.Snapshot(w.contains); err != nil {
			return toStatus(err)
		}
	}
	// Headers at once, not with the first item: a watch of an empty window
	// would otherwise leave fetch-based (gRPC-Web) clients waiting for a
	// response at all. Sent after subscribing, so a client that has the
	// headers sees every later change.
	if err := stream.SendHeader(nil); err != nil {
		return err
	}
	slices.SortFunc(foods, func(a, b store.Food) int {
		return cmp.Or(cmp.Compare(a.BestBefore, b.BestBefore), cmp.Compare(a.ID, b.ID))
	})
	for _, f := range foods {
		if err := stream.Send(w.response(f)); err != nil {
			return err
		}
	}
	if sub == nil {
		return nil
	}

	ctx := stream.Context()
	for {
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-s.stopping:
			return status.Error(codes.Unavailable, "server is shutting down; watch again")
		case f, ok := <-sub.Changes():
			if !ok {
				return status.Errorf(codes.Unavailable, "watch fell more than %d changes behind; watch again", watchBuffer)
			}
			if today := s.today(); !today.Equal(w.today) {
				w = newWindow(today, days)
			}
			if w.contains(f) {
				if err := stream.Send(w.response(f)); err != nil {
					return err
				}
			}
		}
	}
}

func (s *FoodStorage) today() time.Time {
	y, m, d := s.now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// window is the range of best-before dates up to a number of days after
// today, past dates included.
type window struct {
	today time.Time
	last  string // the last date in the window, "YYYY-MM-DD"
}

func newWindow(today time.Time, days int) window {
	return window{today: today, last: today.AddDate(0, 0, days).Format(dateLayout)}
}

func (w window) contains(f store.Food) bool {
	return f.BestBefore != "" && f.BestBefore <= w.last
}

func (w window) response(f store.Food) *pantryv1.WatchExpiringFoodsResponse {
	bb, _ := parseDate(f.BestBefore) // validated when stored
	return &pantryv1.WatchExpiringFoodsResponse{
		Food:     toProto(f),
		DaysLeft: int32(epochDay(bb) - epochDay(w.today)),
	}
}
