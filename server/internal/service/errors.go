package service

import (
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"pantry/server/internal/store"
)

// foodType names the resource in google.rpc.ResourceInfo details.
const foodType = "pantry.v1.Food"

// toStatus turns an error of the store into a gRPC status error: NOT_FOUND
// for an unknown ID, FAILED_PRECONDITION for too little stock. Errors that
// already are status errors pass through.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var nf *store.NotFoundError
	if errors.As(err, &nf) {
		return withDetail(status.New(codes.NotFound, nf.Error()),
			&errdetails.ResourceInfo{ResourceType: foodType, ResourceName: nf.ID, Description: "no food has this id"})
	}
	var ise *store.InsufficientStockError
	if errors.As(err, &ise) {
		return withDetail(status.New(codes.FailedPrecondition, ise.Error()),
			&errdetails.PreconditionFailure{Violations: []*errdetails.PreconditionFailure_Violation{{
				Type: "STOCK", Subject: ise.ID, Description: ise.Error(),
			}}})
	}
	return status.Error(codes.Internal, err.Error())
}

// withDetail attaches detail to st; a detail that cannot be attached is
// left out rather than hiding the status.
func withDetail(st *status.Status, detail protoadapt.MessageV1) error {
	if d, err := st.WithDetails(detail); err == nil {
		st = d
	}
	return st.Err()
}
