"""The storage door's contract, held by both stores: the folder on this host and an S3
store (a real moto server over HTTP). What one writes, the other would read the same way;
what fails, fails the same way."""

from __future__ import annotations

import time

import pytest

from marketplace.core.config import ConfigurationError, load_config
from marketplace.core.storage import LocalStorage, S3Storage, StorageUnavailable, store_for
from tests.storage.conftest import s3_store
from tests.support import PDF, TMP_ROOT, free_port

pytestmark = pytest.mark.no_db


def test_what_is_written_reads_back_whole(store):
    store.put("resumes/0f3a.pdf", PDF)
    with store.writer("exports/1-evidence-ab.csv", text=True) as handle:
        handle.write("\ufeffname,outcome\r\nZoë,employed\r\n")
    with store.writer("exports/2-raw.bin") as handle:
        handle.write(b"\x00\xff" * 70_000)
    with store.open("resumes/0f3a.pdf") as handle:
        assert handle.read() == PDF
    with store.open("exports/1-evidence-ab.csv") as handle:
        assert handle.read().decode("utf-8") == "\ufeffname,outcome\r\nZoë,employed\r\n"
    with store.open("exports/2-raw.bin") as handle:
        assert handle.read() == b"\x00\xff" * 70_000
    assert store.exists("resumes/0f3a.pdf") and not store.exists("resumes/other.pdf")


def test_a_missing_file_is_file_not_found(store):
    with pytest.raises(FileNotFoundError):
        store.open("resumes/never-written.pdf")


def test_a_failed_write_leaves_nothing(store):
    with pytest.raises(RuntimeError), store.writer("exports/9-summary.csv", text=True) as handle:
        handle.write("half a file")
        raise RuntimeError("the export query failed")
    assert not store.exists("exports/9-summary.csv")
    assert list(store.keys("exports")) == []
    if isinstance(store, LocalStorage):  # not even the temporary file beside it
        assert not any((store.root / "exports").iterdir())


def test_a_key_in_use_is_never_overwritten(store):
    store.put("resumes/a1.pdf", PDF)
    with pytest.raises(FileExistsError):
        store.put("resumes/a1.pdf", b"%PDF-someone else's")
    with pytest.raises(FileExistsError), store.writer("resumes/a1.pdf") as handle:
        handle.write(b"%PDF-again")
    with store.open("resumes/a1.pdf") as handle:
        assert handle.read() == PDF


def test_keys_lists_one_area_with_when_each_was_written(store):
    before = time.time()
    store.put("resumes/r1.pdf", PDF)
    store.put("resumes/r2.pdf", PDF)
    store.put("exports/e1.csv", b"x")
    listed = dict(store.keys("resumes"))
    assert set(listed) == {"resumes/r1.pdf", "resumes/r2.pdf"}
    # S3 keeps whole seconds.
    assert all(before - 2 <= written <= time.time() + 2 for written in listed.values())
    assert list(store.keys("documents")) == []


def test_delete_removes_and_is_safe_to_repeat(store):
    store.put("resumes/gone.pdf", PDF)
    store.delete("resumes/gone.pdf")
    store.delete("resumes/gone.pdf")
    assert not store.exists("resumes/gone.pdf") and list(store.keys("resumes")) == []


@pytest.mark.parametrize("key", [
    "../etc/passwd", "/etc/passwd", "resumes/../../etc/passwd", "resumes/..", "resumes",
    "resumes/", "Resumes/a.pdf", "resumes/a b.pdf", "resumes/a\x00.pdf", "resumes//a.pdf",
    "resumes/ä.pdf", "", "resumes/a.pdf\n",
])
def test_anything_but_a_key_is_refused_before_the_store_is_asked(store, key):
    for call in (store.open, store.exists, store.delete, lambda k: store.put(k, PDF)):
        with pytest.raises(ValueError):
            call(key)
    with pytest.raises(ValueError), store.writer(key):
        pass


def test_partials_left_by_a_dead_writer_are_swept_once_old(tmp_path):
    store = LocalStorage(tmp_path)
    store.put("resumes/kept.pdf", PDF)
    (tmp_path / "resumes" / ".dead.pdf.1a2b.partial").write_bytes(b"%PDF-half")
    assert store.sweep_partials("resumes", time.time() - 3600) == 0  # may still be writing
    assert store.sweep_partials("resumes", time.time() + 1) == 1
    assert [path.name for path in (tmp_path / "resumes").iterdir()] == ["kept.pdf"]
    assert dict(store.keys("resumes")).keys() == {"resumes/kept.pdf"}


def test_s3_multipart_uploads_never_finished_are_aborted(moto_server):
    store = s3_store(moto_server)
    client = moto_server.client()
    client.create_multipart_upload(Bucket=moto_server.bucket, Key=f"{store.prefix}/exports/x")
    client.create_multipart_upload(Bucket=moto_server.bucket, Key="elsewhere/exports/y")
    assert store.sweep_partials("exports", time.time() + 1) == 1
    left = client.list_multipart_uploads(Bucket=moto_server.bucket).get("Uploads", [])
    assert [upload["Key"] for upload in left] == ["elsewhere/exports/y"]


def test_s3_objects_are_encrypted_at_rest_and_live_under_the_prefix(moto_server):
    store = s3_store(moto_server, prefix="campus/files")
    store.put("resumes/c4.pdf", PDF)
    with store.writer("exports/3-summary-ff.csv", text=True) as handle:
        handle.write("a,b\r\n")
    client = moto_server.client()
    for name in ("campus/files/resumes/c4.pdf", "campus/files/exports/3-summary-ff.csv"):
        head = client.head_object(Bucket=moto_server.bucket, Key=name)
        assert head["ServerSideEncryption"] == "AES256"
    assert dict(store.keys("resumes")).keys() == {"resumes/c4.pdf"}


def test_s3_encryption_header_can_be_turned_off_for_stores_that_refuse_it(moto_server):
    store = S3Storage(moto_server.bucket, "plain", endpoint_url=moto_server.endpoint_url,
                      encryption=None)
    store.put("resumes/p.pdf", PDF)
    head = moto_server.client().head_object(Bucket=moto_server.bucket, Key="plain/resumes/p.pdf")
    assert "ServerSideEncryption" not in head


def test_a_store_that_does_not_answer_is_storage_unavailable(moto_server, tmp_path):
    nobody = S3Storage(moto_server.bucket, "x", endpoint_url=f"http://127.0.0.1:{free_port()}")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    # The local store's "unreachable": its folder is not usable (here, not a folder).
    for store in (nobody, LocalStorage(blocked / "uploads")):
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            store.put("resumes/u.pdf", PDF)
        with pytest.raises(StorageUnavailable), store.writer("exports/u.csv") as handle:
            handle.write(b"x")
        for call in (store.open, store.exists, store.delete):
            with pytest.raises(StorageUnavailable):
                call("resumes/u.pdf")
        with pytest.raises(StorageUnavailable):
            list(store.keys("resumes"))
        assert time.monotonic() - started < 60


def test_a_missing_bucket_is_storage_unavailable_not_a_crash(moto_server):
    store = S3Storage("cc-no-such-bucket", "", endpoint_url=moto_server.endpoint_url)
    with pytest.raises(StorageUnavailable):
        store.put("resumes/x.pdf", PDF)


def test_storage_url_chooses_the_store():
    folder = str(TMP_ROOT / "uploads-config")
    local = store_for({"UPLOAD_FOLDER": folder, "STORAGE_URL": None})
    assert isinstance(local, LocalStorage) and str(local.root) == folder
    config = load_config(TMP_ROOT, {"STORAGE_URL": "s3://campus-files/cc/prod/",
                                    "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
                                    "SECRET_KEY": "x"})
    s3 = store_for(config)
    assert isinstance(s3, S3Storage)
    assert (s3.bucket, s3.prefix, s3.endpoint_url, s3.encryption) == \
        ("campus-files", "cc/prod", "http://127.0.0.1:9000", "AES256")


@pytest.mark.parametrize("url", ["campus-files", "s3://", "s3://Campus_Files/x",
                                 "https://campus-files/x", "s3://campus-files/a b",
                                 "s3://campus-files/x?versionId=1", "file:///srv/files"])
def test_a_malformed_storage_url_stops_start_up_naming_it(url):
    with pytest.raises(ConfigurationError, match="STORAGE_URL"):
        load_config(TMP_ROOT, {"STORAGE_URL": url, "SECRET_KEY": "x"})


def test_an_unknown_encryption_setting_stops_start_up_naming_it(monkeypatch):
    monkeypatch.setenv("S3_SERVER_SIDE_ENCRYPTION", "rot13")
    with pytest.raises(ConfigurationError, match="S3_SERVER_SIDE_ENCRYPTION"):
        load_config(TMP_ROOT, {"SECRET_KEY": "x"})
    monkeypatch.setenv("S3_SERVER_SIDE_ENCRYPTION", "off")
    assert load_config(TMP_ROOT, {"SECRET_KEY": "x"})["S3_SERVER_SIDE_ENCRYPTION"] is None
