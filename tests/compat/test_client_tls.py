"""eddy's client over HTTPS (as against AWS itself): certificate and host-name verification,
AWS_CA_BUNDLE, SigV4 headers — against a local TLS server that plays Kinesis."""
import http.server
import json
import os
import ssl
import subprocess
import tempfile
import threading

import pytest

from conftest import EDDY_BIN


def make_cert(directory, name, san):
    key = os.path.join(directory, name + ".key")
    cert = os.path.join(directory, name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=" + san.split(":")[1].split(",")[0],
                    "-addext", "subjectAltName=" + san],
                   check=True, capture_output=True, timeout=60)
    return key, cert


class FakeKinesis(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        FakeKinesis.seen.append((self.headers.get("X-Amz-Target"),
                                 self.headers.get("Authorization", ""), body))
        reply = json.dumps({"StreamNames": ["over-tls"], "HasMoreStreams": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def tls_server():
    """start(name, san) -> (port, certificate file): an HTTPS server presenting a fresh
    self-signed certificate for `san`."""
    directory = tempfile.mkdtemp(prefix="eddy-tls-")
    servers = []

    def start(name, san):
        key, cert = make_cert(directory, name, san)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeKinesis)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return httpd.server_address[1], cert

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()
    subprocess.run(["rm", "-rf", directory])


def run_list(port, ca_bundle, host="localhost"):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret",
               AWS_DEFAULT_REGION="eu-west-1")
    env.pop("AWS_ENDPOINT_URL", None)
    if ca_bundle:
        env["AWS_CA_BUNDLE"] = ca_bundle
    else:
        env.pop("AWS_CA_BUNDLE", None)
    return subprocess.run([EDDY_BIN, "stream", "list", "--endpoint",
                           "https://%s:%d" % (host, port)], env=env, capture_output=True,
                          timeout=60)


def test_https_with_a_trusted_certificate(tls_server):
    port, cert = tls_server("localhost", "DNS:localhost,IP:127.0.0.1")
    FakeKinesis.seen.clear()
    out = run_list(port, cert)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().split() == ["over-tls"]
    target, authorization, body = FakeKinesis.seen[-1]
    assert target == "Kinesis_20131202.ListStreams"
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/kinesis/aws4_request" in authorization
    assert json.loads(body) == {}
    # An IP address in the certificate's names is checked too.
    assert run_list(port, cert, host="127.0.0.1").returncode == 0


def test_https_refuses_an_untrusted_certificate(tls_server):
    port, _ = tls_server("localhost", "DNS:localhost,IP:127.0.0.1")
    untrusted = run_list(port, None)  # self-signed, not in the system's store
    assert untrusted.returncode == 1
    assert b"TLS handshake" in untrusted.stderr


def test_https_refuses_a_trusted_certificate_for_another_name(tls_server):
    port, cert = tls_server("other", "DNS:other.example")
    misnamed = run_list(port, cert)  # trusted, but not issued for "localhost"
    assert misnamed.returncode == 1
    assert b"TLS handshake" in misnamed.stderr
