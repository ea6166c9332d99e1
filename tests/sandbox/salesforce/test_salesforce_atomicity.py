"""Each Salesforce sandbox request is atomic: concurrent upserts of one new external id make
one record (the others update it), never twins or a duplicate-value refusal."""

from __future__ import annotations

import threading

THREADS = 8


def test_racing_upserts_of_one_external_id_create_one_record(sf, base_url, sandbox, http):
    url = f"{base_url}/services/data/v66.0/sobjects/Purchase_Order__c/Revhub_Id__c"
    headers = {"Authorization": f"Bearer {sandbox.sessions.static_token}"}
    for round_number in range(5):
        key = f"po_race_{round_number}"
        answers = _together(lambda key=key: http.patch(f"{url}/{key}", json={"Name": f"PO-{key}"}, headers=headers))
        assert sorted(a.status_code for a in answers) == [200] * (THREADS - 1) + [201], \
            [(a.status_code, a.text[:200]) for a in answers]
        rows = sf.query(f"SELECT Id FROM Purchase_Order__c WHERE Revhub_Id__c = '{key}'")["records"]
        assert len(rows) == 1


def _together(work, count: int = THREADS) -> list:
    """``work()`` in ``count`` threads released at once; their results."""
    start, results = threading.Barrier(count), [None] * count

    def run(n: int) -> None:
        start.wait()
        results[n] = work()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
