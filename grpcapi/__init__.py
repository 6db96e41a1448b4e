"""The platform's gRPC interface: the fleet's services of package `conveer` (protos in
`grpcapi/protos/conveer/`, generated code in `grpcapi/gen/`) over the same services as REST."""
