import pytest

from viewstats.links import LinkError, links_parse, parse_telegram, parse_vk


@pytest.mark.parametrize(
    "raw, key",
    [
        ("https://vk.com/wall-1_2", "-1_2"),
        ("http://vk.com/wall1_2", "1_2"),
        ("vk.com/wall-1_2", "-1_2"),
        ("https://vk.com/club1?w=wall-1_2", "-1_2"),
        ("https://vk.com/feed?w=wall-1_2", "-1_2"),
        ("https://vk.com/durov?w=wall1_45&z=photo", "1_45"),
        ("https://m.vk.com/wall-1_2?from=groups#comments", "-1_2"),
        ("m.vk.com/wall-123456_789/", "-123456_789"),
        ("https://vk.ru/wall-1_2", "-1_2"),
        ("www.vk.com/wall-1_2#x", "-1_2"),
        ("  HTTPS://VK.COM/wall-1_2  ", "-1_2"),
    ],
)
def test_every_common_vk_form_normalises_to_one_link(raw, key):
    parsed = parse_vk(raw)
    assert parsed.key == key
    assert parsed.link == f"https://vk.com/wall{key}"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "https://vk.com/durov",
        "https://evil.com/wall-1_2",
        "vk.com/wall-1_x",
        "ftp://vk.com/wall-1_2",
        "https://vk.com/wall0_5",
        "https://vk.com.evil.com/wall-1_2",
        "https://t.me/durov/1",
        12,
    ],
)
def test_bad_vk_links_are_refused(raw):
    with pytest.raises(LinkError):
        parse_vk(raw)


@pytest.mark.parametrize(
    "raw, link",
    [
        ("https://t.me/durov/123", "https://t.me/durov/123"),
        ("t.me/Durov/123?single", "https://t.me/durov/123"),
        ("https://t.me/s/durov/123", "https://t.me/durov/123"),
        ("telegram.me/durov/7#x", "https://t.me/durov/7"),
    ],
)
def test_telegram_links_normalise(raw, link):
    assert parse_telegram(raw).link == link


@pytest.mark.parametrize(
    "raw", ["https://t.me/durov", "https://t.me/c/123/4", "https://t.me/ab/1", "vk.com/wall-1_2"]
)
def test_bad_telegram_links_are_refused(raw):
    with pytest.raises(LinkError):
        parse_telegram(raw)


def test_duplicates_collapse_and_each_bad_link_is_named_with_its_position():
    parsed, errors = links_parse(
        "vk", ["vk.com/wall-1_2", "nonsense", "https://m.vk.com/wall-1_2", "vk.com/id1"]
    )
    assert [p.key for p in parsed] == ["-1_2"]
    assert [e["loc"] for e in errors] == [["body", "links", 1], ["body", "links", 3]]
    assert "nonsense" in errors[0]["msg"] and "vk.com/id1" in errors[1]["msg"]
