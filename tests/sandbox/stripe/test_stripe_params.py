"""Request parameters are checked against stripe-python's generated ``*Params`` TypedDicts."""

import pytest
import requests
import stripe

from revhub.sandbox.stripe.schema import schema


def post(sandbox, path, data):
    return requests.post(f"{sandbox.url}{path}", data=data,
                         headers={"Authorization": f"Bearer {sandbox.api_key}"})


def test_customer_currency_is_an_unknown_parameter_with_stripes_exact_body(sandbox):
    answer = post(sandbox, "/v1/customers", {"name": "Acme", "currency": "eur"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert {k: error[k] for k in ("type", "code", "message", "param", "doc_url")} == {
        "type": "invalid_request_error", "code": "parameter_unknown",
        "message": "Received unknown parameter: currency", "param": "currency",
        "doc_url": "https://docs.stripe.com/error-codes/parameter-unknown"}
    assert error["request_log_url"].endswith(answer.headers["Request-Id"])


def test_a_nested_unknown_parameter_is_named_with_brackets(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.create(params={"name": "Acme", "address": {"line1": "Main 1", "floor": "3"}})
    assert (error.value.code, error.value.param) == ("parameter_unknown", "address[floor]")
    assert error.value.user_message == "Received unknown parameter: address[floor]"


def test_an_unknown_parameter_inside_a_list_item_names_its_index(client):
    customer = client.v1.customers.create(params={"name": "Acme"})
    invoice = client.v1.invoices.create(params={"customer": customer.id, "currency": "eur"})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.add_lines(invoice.id, params={"lines": [
            {"amount": 100, "description": "ok"}, {"amount": 100, "colour": "red"}]})
    assert error.value.param == "lines[1][colour]"


def test_a_value_outside_the_enum_is_refused_with_the_choices(client):
    customer = client.v1.customers.create(params={"name": "Acme"})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.create(params={"customer": customer.id, "collection_method": "by_post"})
    assert error.value.param == "collection_method"
    assert error.value.user_message == ("Invalid collection_method: must be one of charge_automatically or "
                                        "send_invoice")


def test_a_non_integer_is_refused_as_an_invalid_integer(sandbox):
    customer = post(sandbox, "/v1/customers", {"name": "Acme"}).json()
    answer = post(sandbox, "/v1/invoices", {"customer": customer["id"], "collection_method": "send_invoice",
                                            "days_until_due": "thirty"})
    error = answer.json()["error"]
    assert (answer.status_code, error["message"], error["param"]) == (400, "Invalid integer: thirty",
                                                                      "days_until_due")


def test_a_non_boolean_is_refused_as_an_invalid_boolean(sandbox):
    customer = post(sandbox, "/v1/customers", {"name": "Acme"}).json()
    answer = post(sandbox, "/v1/invoices", {"customer": customer["id"], "auto_advance": "yes"})
    assert (answer.json()["error"]["message"], answer.json()["error"]["param"]) == ("Invalid boolean: yes",
                                                                                   "auto_advance")


def test_a_missing_required_parameter_is_parameter_missing(client):
    customer = client.v1.customers.create(params={"name": "Acme"})
    invoice = client.v1.invoices.create(params={"customer": customer.id})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.add_lines(invoice.id, params={"lines": [{"price_data": {"unit_amount": 5}}]})
    assert (error.value.code, error.value.param) == ("parameter_missing", "lines[0][price_data][currency]")


def test_an_empty_value_for_a_field_that_cannot_be_unset_is_refused(sandbox):
    answer = post(sandbox, "/v1/customers", {"name": ""})
    assert answer.json()["error"]["code"] == "parameter_invalid_empty"
    assert post(sandbox, "/v1/customers", {"name": "Acme", "metadata": ""}).status_code == 200


def test_an_unknown_list_filter_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.list(params={"status": "active"})
    assert error.value.param == "status"


def test_a_parameter_the_sdk_declares_is_accepted_without_an_allow_list(client):
    # next_invoice_sequence was never in the sandbox's old hand-kept list of customer parameters.
    assert "next_invoice_sequence" in schema("CustomerCreateParams").fields
    customer = client.v1.customers.create(params={"name": "Acme", "next_invoice_sequence": 5,
                                                  "preferred_locales": ["nl"]})
    assert customer.id.startswith("cus_")


def test_the_sdk_widened_enum_still_refuses_other_values():
    # The SDK types collection_method as Literal[...] | str; the API takes only the literals.
    node = schema("InvoiceCreateParams").fields["collection_method"]
    assert (node.kind, node.values) == ("enum", ("charge_automatically", "send_invoice"))
