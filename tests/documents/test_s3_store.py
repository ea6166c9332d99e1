"""The S3-compatible document store against moto's server mode (real HTTP, the real boto3 client)."""

from __future__ import annotations

import boto3
import pytest
from moto.server import ThreadedMotoServer

from revhub.config import load_config
from revhub.documents import DocumentSettings, S3DocumentStore, store_for
from revhub.documents.storage import DocumentMissing, digest

PDF = b"%PDF-1.7\nscan\n%%EOF\n"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(monkeypatch, s3_endpoint):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-1").create_bucket(
        Bucket="po-docs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return s3_endpoint


def test_settings_choose_s3_and_documents_round_trip(tmp_path, s3_env):
    config = load_config(env={}, home=tmp_path, secret_key="s", database_url="sqlite://",
                         extra={"REVHUB_DOCUMENTS_S3_BUCKET": "po-docs",
                                "REVHUB_DOCUMENTS_S3_ENDPOINT_URL": s3_env,
                                "REVHUB_DOCUMENTS_S3_REGION": "eu-west-1"})
    store = store_for(DocumentSettings.of(config, env={}))
    assert isinstance(store, S3DocumentStore)
    sha = store.put(PDF, "application/pdf")
    assert sha == digest(PDF) and store.get(sha) == PDF
    head = store.client.head_object(Bucket="po-docs", Key=f"documents/{sha}")
    assert head["ContentType"] == "application/pdf"
    with pytest.raises(DocumentMissing):
        store.get("0" * 64)
