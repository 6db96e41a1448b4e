"""The one-module clients against the fakes (the whole HTTP path)."""

import pytest

from fakes.telegram import FakeTelegram
from fakes.vk import FakeVK
from viewstats import telegram, vk


@pytest.fixture
def vkfake():
    fake = FakeVK().start()
    yield fake
    fake.stop()


def call(fake, posts, token="t"):
    return vk.wall_get_by_id(
        base_url=fake.url, token=token, version="5.199", posts=posts, timeout=2
    )


@pytest.mark.parametrize("legacy", [False, True])
def test_vk_reads_views_in_both_response_shapes(vkfake, legacy):
    vkfake.legacy = legacy
    vkfake.add_post(-1, 2, views=987)
    vkfake.add_post(5, 6, views=None)
    result = call(vkfake, ["-1_2", "5_6", "-1_404"])
    assert result["-1_2"].views == 987
    assert result["5_6"].views is None
    assert "-1_404" not in result
    sent = vkfake.calls[0]
    assert b"posts=-1_2%2C5_6%2C-1_404" in sent.body and b"v=5.199" in sent.body


@pytest.mark.parametrize("code", [5, 6, 15, 18, 29, 30])
def test_vk_errors_are_typed(vkfake, code):
    vkfake.fail_next(code)
    with pytest.raises(vk.VKError) as caught:
        call(vkfake, ["-1_2"])
    assert caught.value.code == code


def test_vk_timeout_and_refused_connection_are_network_errors(vkfake):
    vkfake.delay = 1.5
    with pytest.raises(vk.VKNetworkError):
        vk.wall_get_by_id(
            base_url=vkfake.url, token="t", version="5.199", posts=["1_1"], timeout=0.3
        )
    with pytest.raises(vk.VKNetworkError):
        vk.wall_get_by_id(
            base_url="http://127.0.0.1:9/method",
            token="t",
            version="5.199",
            posts=["1_1"],
            timeout=1,
        )


@pytest.mark.parametrize(
    "text, value",
    [
        ("987", 987),
        ("12.3K", 12300),
        ("1.2M", 1200000),
        ("1,234", 1234),
        ("2K", 2000),
        ("1 234", 1234),
    ],
)
def test_telegram_counts_are_parsed(text, value):
    assert telegram.parse_count(text) == value


def test_telegram_widget_views_missing_private_and_errors():
    fake = FakeTelegram().start()
    try:
        fake.add_post("chan_one", 5, "12.3K")
        fake.add_post("chan_one", 6, None)
        fake.private.add(("hidden_chan", 1))

        def get(ch, i):
            return telegram.post_fetch(
                base_url=fake.url,
                channel=ch,
                post_id=i,  # noqa: E731
                timeout=2,
            )

        post = get("chan_one", 5)
        assert post.views == 12300 and post.posted_at.year == 2024
        assert fake.calls[0].query == {"embed": ["1"], "mode": ["tme"]}
        with pytest.raises(telegram.TelegramPostError, match="no view counter"):
            get("chan_one", 6)
        with pytest.raises(telegram.TelegramPostError, match="private"):
            get("hidden_chan", 1)
        with pytest.raises(telegram.TelegramPostError, match="not found"):
            get("chan_one", 999)
        fake.fail_next(502)
        with pytest.raises(telegram.TelegramNetworkError):
            get("chan_one", 5)
    finally:
        fake.stop()


def test_vk_malformed_answers_are_network_errors_or_absent_posts(fake_server):
    from fakes.http import FakeResponse

    server = fake_server()
    answers = iter(
        [
            {"error": {"error_code": "six", "error_msg": "?"}},
            {
                "response": {
                    "items": [
                        {"owner_id": "x", "id": 1, "views": {"count": 5}},
                        {"owner_id": -1, "id": 2, "views": {"count": 7}},
                    ]
                }
            },
        ]
    )
    server.route("*", "/wall.getById", lambda req: FakeResponse.json(next(answers)))
    with pytest.raises(vk.VKNetworkError):
        call(server, ["-1_2"])
    result = call(server, ["-1_2", "1_1"])
    assert set(result) == {"-1_2"} and result["-1_2"].views == 7


def test_vk_out_of_range_dates_and_counts_are_dropped_not_raised(fake_server):
    from fakes.http import FakeResponse

    server = fake_server()
    items = [
        {"owner_id": -1, "id": 2, "date": 10**12, "views": {"count": 5}},
        {"owner_id": -1, "id": 3, "date": 1700000000, "views": {"count": float("inf")}},
    ]
    server.route(
        "*", "/wall.getById", lambda req: FakeResponse.json({"response": {"items": items}})
    )
    result = call(server, ["-1_2", "-1_3"])
    assert (result["-1_2"].views, result["-1_2"].date) == (5, None)
    assert (result["-1_3"].views, result["-1_3"].date) == (None, 1700000000)
