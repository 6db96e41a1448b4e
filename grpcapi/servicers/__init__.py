"""The servicers: thin translations between protobuf messages and the fleet's services."""
