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

// Domain of the google.rpc.ErrorInfo details this service sends.
const errorDomain = "pantry.v1"

// ReasonRequestIDReused is the google.rpc.ErrorInfo reason of a request_id
// used again with a different request.
const ReasonRequestIDReused = "REQUEST_ID_REUSED"

// toStatus turns an error of the store into a gRPC status error: NOT_FOUND
// for an unknown ID, FAILED_PRECONDITION for too little stock and for a
// request_id reused with a different request (ErrorInfo REQUEST_ID_REUSED;
// FAILED_PRECONDITION because the request is refused for the state the key is
// in, not for its own content, and no retry can succeed). Errors that already
// are status errors pass through.
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
	var reused *store.RequestIDReusedError
	if errors.As(err, &reused) {
		return withDetail(status.New(codes.FailedPrecondition, reused.Error()),
			&errdetails.ErrorInfo{Reason: ReasonRequestIDReused, Domain: errorDomain, Metadata: map[string]string{"request_id": reused.RequestID}},
			&errdetails.PreconditionFailure{Violations: []*errdetails.PreconditionFailure_Violation{{
				Type: "REQUEST_ID", Subject: reused.RequestID, Description: "use a new request_id for a new request; a retry repeats the same request",
			}}})
	}
	var unavailable *store.UnavailableError
	if errors.As(err, &unavailable) {
		// Retryable: a write that failed this way is answered by a retry with
		// its request_id, applied or not.
		return status.Error(codes.Unavailable, unavailable.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

// withDetail attaches details to st; details that cannot be attached are
// left out rather than hiding the status.
func withDetail(st *status.Status, details ...protoadapt.MessageV1) error {
	if d, err := st.WithDetails(details...); err == nil {
		st = d
	}
	return st.Err()
}
