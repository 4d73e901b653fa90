"""Each pytest-xdist worker gets its own Redis database (tests/xdist_worker_env.py)."""

from tests.xdist_worker_env import redis_url_for_worker


def test_first_worker_keeps_the_database():
    assert redis_url_for_worker("redis://127.0.0.1:6379/12", "gw0") == "redis://127.0.0.1:6379/12"


def test_later_workers_move_up_and_wrap_within_sixteen_databases():
    assert redis_url_for_worker("redis://127.0.0.1:6379/12", "gw1") == "redis://127.0.0.1:6379/13"
    assert redis_url_for_worker("redis://:pw@h:6379/15", "gw2") == "redis://:pw@h:6379/1"


def test_no_database_number_means_zero():
    assert redis_url_for_worker("redis://127.0.0.1:6379", "gw1") == "redis://127.0.0.1:6379/1"


def test_unix_socket_urls_are_left_alone():
    assert (
        redis_url_for_worker("unix:///run/redis.sock?db=3", "gw1") == "unix:///run/redis.sock?db=3"
    )
