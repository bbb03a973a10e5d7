"""GET /metrics: Prometheus' text exposition format 0.0.4, checked line by line, with the
metrics docs/metrics.md lists."""
import http.client
import json
import math
import re
import time

import botocore.exceptions
import pytest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
# A label value: anything but a backslash, a double quote or a newline, or one of the three
# escapes the format defines.
LABEL = r'(%s)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"' % LABEL_NAME
SAMPLE = re.compile(r"^(%s)(?:\{((?:%s)(?:,%s)*)?\})? (\S+)$" % (NAME, LABEL, LABEL))
HELP = re.compile(r"^# HELP (%s) (.*)$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)


def get(server, target):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", target)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def unescape(value):
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), value)


def parse(text):
    """Checks the exposition format line by line; returns {(name, labels): value} and the
    families' types."""
    assert text.endswith("\n")
    types, helps, samples = {}, {}, {}
    current = None  # the family whose HELP/TYPE came last
    for number, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d: %r" % (number, line)
        if line.startswith("#"):
            help_match, type_match = HELP.match(line), TYPE.match(line)
            assert help_match or type_match, where
            name = (help_match or type_match).group(1)
            if help_match:
                assert name not in helps and name not in types, where  # HELP, then TYPE, once
                helps[name] = help_match.group(2)
            else:
                assert name not in types and name in helps, where
                types[name] = type_match.group(2)
            assert not any(n == name for n, _ in samples), where  # before its samples
            current = name
            continue
        match = SAMPLE.match(line)
        assert match, where
        name = match.group(1)
        assert name == current and name in types, where  # a sample of the family just declared
        labels = tuple((m.group(1), unescape(m.group(2)))
                       for m in re.finditer(LABEL, match.group(2) or ""))
        assert len({n for n, _ in labels}) == len(labels), where
        assert (name, labels) not in samples, where
        value = float(match.group(len(match.groups())))  # also takes NaN, +Inf, -Inf
        samples[(name, labels)] = value
    for name, kind in types.items():
        assert name.startswith("eddy_"), name
        assert kind != "counter" or name.endswith("_total"), name
    return samples, types


def scrape(server):
    resp, body = get(server, "/metrics")
    assert resp.status == 200
    assert resp.getheader("Content-Type") == CONTENT_TYPE
    return parse(body.decode("utf-8"))


def requests_total(samples, api, outcome):
    return samples.get(("eddy_api_requests_total", (("api", api), ("outcome", outcome))), 0)


def test_metrics_are_in_the_text_format(server):
    samples, types = scrape(server)
    assert types["eddy_server_start_time_seconds"] == "gauge"
    assert types["eddy_kinesis_open_shards"] == "gauge"
    assert types["eddy_kinesis_shard_limit"] == "gauge"
    assert types["eddy_api_requests_total"] == "counter"
    started = samples[("eddy_server_start_time_seconds", ())]
    assert time.time() - 3600 < started <= time.time()
    assert samples[("eddy_kinesis_shard_limit", ())] == 1000
    # A query string (some scrapers add one) changes nothing.
    resp, body = get(server, "/metrics?scrape=1")
    assert resp.status == 200
    parse(body.decode("utf-8"))


def test_requests_are_counted_by_api_and_outcome(server, kinesis):
    before, _ = scrape(server)
    kinesis.list_streams()
    kinesis.list_streams()
    with pytest.raises(botocore.exceptions.ClientError):
        kinesis.describe_stream(StreamName="no-such-stream")
    server.client("dynamodb").list_tables()
    server.raw("NoSuchService_20990101.Op", "{}")
    after, _ = scrape(server)
    assert requests_total(after, "kinesis", "success") - \
        requests_total(before, "kinesis", "success") == 2
    assert requests_total(after, "kinesis", "client_error") - \
        requests_total(before, "kinesis", "client_error") == 1
    assert requests_total(after, "dynamodb", "success") - \
        requests_total(before, "dynamodb", "success") == 1
    assert requests_total(after, "unknown", "client_error") - \
        requests_total(before, "unknown", "client_error") == 1
    assert ("eddy_api_requests_total",
            (("api", "dynamodbstreams"), ("outcome", "server_error"))) in after


def test_open_shards_follow_the_streams(fresh_server):
    server = fresh_server.start()
    kinesis = server.client("kinesis")
    assert scrape(server)[0][("eddy_kinesis_open_shards", ())] == 0
    kinesis.create_stream(StreamName="metrics-a", ShardCount=3)
    kinesis.create_stream(StreamName="metrics-b", ShardCount=1)
    assert scrape(server)[0][("eddy_kinesis_open_shards", ())] == 4
    kinesis.delete_stream(StreamName="metrics-a")
    deadline = time.time() + 10
    while scrape(server)[0][("eddy_kinesis_open_shards", ())] != 1:
        assert time.time() < deadline
        time.sleep(0.1)


def test_other_gets_are_answered_as_before(server):
    for target in ("/", "/metricsx", "/metrics/", "/other?metrics"):
        resp, body = get(server, target)
        assert resp.status == 400, target
        assert json.loads(body)["__type"] == "UnknownOperationException", target
    # Only GET scrapes: a POST to /metrics is an AWS request without a target.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", "/metrics", body="{}")
    resp = conn.getresponse()
    assert resp.status == 400
    assert json.loads(resp.read())["__type"] == "UnknownOperationException"
    conn.close()


def test_the_parser_refuses_what_the_format_forbids():
    """The checks above would pass anything if parse() accepted everything."""
    good = '# HELP eddy_x_total X.\n# TYPE eddy_x_total counter\neddy_x_total{a="q\\"\\n\\\\"} 1\n'
    samples, _ = parse(good)
    assert samples[("eddy_x_total", (("a", 'q"\n\\'),))] == 1
    assert math.isnan(parse("# HELP eddy_g G.\n# TYPE eddy_g gauge\neddy_g NaN\n")[0][
        ("eddy_g", ())])
    for bad in ("eddy_x_total 1\n",                                        # no TYPE
                "# TYPE eddy_x_total counter\neddy_x_total 1\n",            # no HELP
                "# HELP eddy_x_total X.\n# TYPE eddy_x_total counter\neddy_x_total 1",  # no \n
                good + "# HELP eddy_x_total X.\n",                         # HELP twice
                '# HELP eddy_x_total X.\n# TYPE eddy_x_total counter\neddy_x_total{a="\\t"} 1\n',
                '# HELP eddy_x_total X.\n# TYPE eddy_x_total counter\neddy_x_total{a="b} 1\n',
                "# HELP eddy_x X.\n# TYPE eddy_x counter\neddy_x 1\n",      # counter w/o _total
                "# HELP x X.\n# TYPE x gauge\nx 1\n",                      # no eddy_ prefix
                "# HELP eddy_x X.\n# TYPE eddy_x gauge\neddy_y 1\n",        # another family
                "# HELP eddy_x X.\n# TYPE eddy_x gauge\neddy_x one\n"):
        with pytest.raises((AssertionError, ValueError)):
            parse(bad)
