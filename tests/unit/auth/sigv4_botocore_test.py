"""Signs many requests with botocore's SigV4Auth and with eddy's signer (through
sigv4_sign_tool) and requires identical Authorization headers: query strings with reserved
and non-ASCII characters, repeated and oddly spaced headers, empty and binary bodies, session
tokens, other regions and services.
Usage: sigv4_botocore_test.py PATH_TO_SIGV4_SIGN_TOOL"""
import datetime
import json
import random
import subprocess
import sys
import urllib.parse
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials

WHEN = datetime.datetime(2026, 11, 22, 3, 0, 0)


def botocore_sign(req):
    url = "http://%s%s" % (req["host"], req["path"]) + (("?" + req["query"]) if req["query"] else "")
    headers = [(k, v) for k, v in req["headers"] if k.lower() != "host"]
    aws_req = botocore.awsrequest.AWSRequest(method=req["method"], url=url,
                                             data=req["body"].encode("latin-1"))
    for k, v in headers:
        aws_req.headers[k] = v  # HTTPMessage: assignment appends, so repeats stay repeated
    creds = botocore.credentials.Credentials(req["key"], req["secret"], req["token"] or None)
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = WHEN
        dt.datetime.now.return_value = WHEN
        botocore.auth.SigV4Auth(creds, req["service"], req["region"]).add_auth(aws_req)
    return aws_req.headers["Authorization"]


def random_requests(n):
    rng = random.Random(7)
    chars = "abcXYZ019-_.~ /=&+%*!é$"
    out = []
    for i in range(n):
        params = []
        for _ in range(rng.randint(0, 4)):
            name = "".join(rng.choice(chars) for _ in range(rng.randint(1, 6)))
            value = "".join(rng.choice(chars) for _ in range(rng.randint(0, 6)))
            params.append((name, value))
        if params and rng.random() < 0.3:
            params.append((params[0][0], "dup"))  # the same name twice
        query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        if rng.random() < 0.1:
            query += ("&" if query else "") + "flag"  # a name without '='
        headers = [["Content-Type", "application/x-amz-json-1.1"],
                   ["X-Amz-Target", "Kinesis_20131202.PutRecords"]]
        if rng.random() < 0.5:
            headers.append(["X-Custom-Spaces", "  a   b  c "])
        if rng.random() < 0.3:
            headers.append(["User-Agent", "should-not-be-signed/1.0"])
        if rng.random() < 0.3:
            headers.append(["X-Amz-Meta-Empty", ""])
        body_kind = rng.choice(["empty", "json", "binary", "large"])
        body = {"empty": "", "json": '{"StreamName":"s"}',
                "binary": "".join(chr(rng.randint(0, 255)) for _ in range(64)),
                "large": "x" * 100000}[body_kind]
        path = rng.choice(["/", "/a/b", "/a/./b/../c/", "/sp ace/%7Etilde"])
        host = rng.choice(["127.0.0.1:4566", "kinesis.us-east-1.amazonaws.com"])
        out.append({
            "method": rng.choice(["POST", "GET", "PUT"]), "host": host, "path": path,
            "query": query, "headers": [["Host", host]] + headers, "body": body,
            "key": "AKID%d" % i, "secret": "secret/%d+key" % i,
            "token": rng.choice(["", "session-token-%d" % i]),
            "region": rng.choice(["us-east-1", "eu-central-1", "ap-south-2"]),
            "service": rng.choice(["kinesis", "dynamodb", "streams.dynamodb"]),
            "amz_date": WHEN.strftime("%Y%m%dT%H%M%SZ"),
        })
    return out


def main():
    tool = sys.argv[1]
    requests = random_requests(300)
    # Bodies travel as hex: JSON strings would turn bytes 128-255 into UTF-8.
    lines = "\n".join(json.dumps(dict(r, body=r["body"].encode("latin-1").hex()))
                      for r in requests) + "\n"
    out = subprocess.run([tool], input=lines.encode("latin-1"), capture_output=True, check=True)
    ours = out.stdout.decode("latin-1").splitlines()
    assert len(ours) == len(requests), (len(ours), len(requests))
    mismatches = 0
    for req, line in zip(requests, ours):
        our_auth, our_canonical = line.split("\t", 1)
        expected = botocore_sign(req)
        if our_auth != expected:
            mismatches += 1
            if mismatches <= 3:
                print("MISMATCH for", json.dumps({k: req[k] for k in ("method", "path", "query")}))
                print("  botocore:", expected)
                print("  eddy:    ", our_auth)
                print("  eddy canonical:", our_canonical)
    print("%d requests, %d mismatches" % (len(requests), mismatches))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
