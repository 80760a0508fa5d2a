"""The reference article's Python client (sample.py), corrected.

Calls hello.v1.HelloService/Hello through the proxy with mutual TLS. Fixes against the article:
the request was written ``HelloRequestHelloRequest()``; the stubs are generated from this repo's
``proto/hello/v1/hello.proto`` (package ``hello.v1``); the certificate directory is configurable;
the channel is closed; the call has a deadline; and an IP target can name the certificate's host.

    GRPC_SERVER_ADDRESS=localhost:8443 PANTRY_CERT_DIR=./certs python sample.py [name]

Generate the stubs first (``pb/`` is on the import path):
    python -m grpc_tools.protoc -I ../../proto --python_out=pb --grpc_python_out=pb hello/v1/hello.proto
"""
import os
import sys

import grpc

sys.path.insert(0, os.environ.get("PANTRY_PY_STUBS", os.path.join(os.path.dirname(__file__), "pb")))
from hello.v1.hello_pb2 import HelloRequest  # noqa: E402
from hello.v1.hello_pb2_grpc import HelloServiceStub  # noqa: E402


def main() -> int:
    address = os.environ.get("GRPC_SERVER_ADDRESS") or os.environ.get("PANTRY_ADDRESS")
    if address is None:
        raise ValueError("Environment variable GRPC_SERVER_ADDRESS is not defined.")
    cert_dir = os.environ.get("PANTRY_CERT_DIR", "./certs")

    def read(name: str) -> bytes | None:
        path = os.path.join(cert_dir, name)
        if not os.path.exists(path):
            return None
        with open(path, "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read("ca.crt"),
        private_key=read("client.key"),
        certificate_chain=read("client.crt"),
    )
    options = []
    if os.environ.get("PANTRY_SERVER_NAME"):
        options.append(("grpc.ssl_target_name_override", os.environ["PANTRY_SERVER_NAME"]))
    with grpc.secure_channel(address, credentials, options=options) as channel:
        stub = HelloServiceStub(channel)
        try:
            res = stub.Hello(HelloRequest(name=sys.argv[1] if len(sys.argv) > 1 else "python"), timeout=10)
        except grpc.RpcError as err:
            print(f"{err.code().name}: {err.details()}", file=sys.stderr)
            return 1
    print(res.message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
