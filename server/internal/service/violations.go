package service

import (
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// violations collects what is wrong with a request, field by field.
type violations []*errdetails.BadRequest_FieldViolation

func (v *violations) add(field, format string, args ...any) {
	*v = append(*v, &errdetails.BadRequest_FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was collected, and otherwise an
// INVALID_ARGUMENT status whose message names every field, e.g.
// "food.name: must be 1 to 200 characters", with the violations attached as
// a google.rpc.BadRequest detail.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	msgs := make([]string, len(v))
	for i, fv := range v {
		msgs[i] = fv.Field + ": " + fv.Description
	}
	return withDetail(status.New(codes.InvalidArgument, strings.Join(msgs, "; ")), &errdetails.BadRequest{FieldViolations: v})
}
