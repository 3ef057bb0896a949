import pytest

from ticketing_common import keys


def ids(response):
    return [t["id"] for t in response.get_json()["tickets"]]


def test_tickets_have_the_spec_fields_and_live_availability(client, fake_redis):
    fake_redis.hset(keys.STOCK, "vip", 2)
    tickets = {t["id"]: t for t in client.get("/tickets").get_json()["tickets"]}
    assert tickets["adult"] == {
        "id": "adult",
        "name": "Adult",
        "type": "adult",
        "price": 40.0,
        "currency": "EUR",
        "description": "Adult entry",
        "available": 100,
    }
    assert tickets["vip"]["available"] == 2


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["adult", "student", "vip"]),
        ("?type=student", ["student"]),
        ("?min_price=30", ["adult", "vip"]),
        ("?max_price=40", ["adult", "student"]),
        ("?min_price=25.5&max_price=25.5", ["student"]),
        ("?type=adult&max_price=10", []),
    ],
)
def test_filters_by_type_and_price(client, query, expected):
    assert ids(client.get("/tickets" + query)) == expected


@pytest.mark.parametrize(
    "query, field",
    [
        ("?min_price=abc", "min_price"),
        ("?max_price=inf", "max_price"),
        ("?min_price=-1", "min_price"),
        ("?max_price=NaN", "max_price"),
        ("?min_price=50&max_price=10", "min_price"),
        ("?min_price=", "min_price"),
        ("?max_price=10&max_price=20", "max_price"),
        ("?type=dragon", "type"),
        ("?type=", "type"),
        ("?type=adult&type=vip", "type"),
        ("?maxprice=10", "maxprice"),  # a typo'd filter must not silently match everything
    ],
)
def test_bad_filters_are_400_naming_the_parameter(client, query, field):
    response = client.get("/tickets" + query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == field
    assert body["error"].startswith(field)


def test_an_unknown_type_is_400_naming_the_known_types(client):
    response = client.get("/tickets?type=dragon")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "type: unknown ticket type 'dragon'; known types: adult, student, vip",
        "field": "type",
    }


def test_an_unknown_query_parameter_is_400_naming_the_known_ones(client):
    response = client.get("/tickets?colour=red")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "colour: unknown query parameter; known: event, max_price, min_price, type",
        "field": "colour",
    }


def test_the_openapi_document_lists_the_known_types(client):
    [param] = [
        p
        for p in client.get("/openapi.json").get_json()["paths"]["/tickets"]["get"]["parameters"]
        if p["name"] == "type"
    ]
    assert param["schema"]["enum"] == ["adult", "student", "vip"]
