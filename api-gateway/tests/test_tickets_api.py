import pytest

from ticketing_common import keys


def ids(response):
    return [t["id"] for t in response.get_json()["tickets"]]


def test_tickets_have_the_spec_fields_and_live_availability(client, fake_redis):
    fake_redis.hset(keys.STOCK, "vip", 2)
    tickets = {t["id"]: t for t in client.get("/tickets").get_json()["tickets"]}
    assert tickets["adult"] == {
        "id": "adult", "name": "Adult", "type": "adult", "price": 40.0, "currency": "EUR",
        "description": "Adult entry", "available": 100,
    }
    assert tickets["vip"]["available"] == 2


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["adult", "student", "vip"]),
        ("?type=student", ["student"]),
        ("?type=balcony", []),
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
    ],
)
def test_bad_filters_are_400_naming_the_parameter(client, query, field):
    response = client.get("/tickets" + query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == field
    assert body["error"].startswith(field)
