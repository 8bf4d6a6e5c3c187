import pytest
from django.urls import reverse

from conftest import PASSWORD


@pytest.mark.django_db
def test_sign_in_with_a_phone_number_as_people_type_it(client, secretary):
    response = client.post(
        reverse("web:login"), {"username": "139 0000 0001", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    home = client.get(reverse("web:home")).content.decode()
    assert "杨红" in home and "社区书记" in home


@pytest.mark.django_db
def test_wrong_password_says_so_in_chinese(client, secretary):
    response = client.post(reverse("web:login"), {"username": secretary.phone, "password": "x"})
    assert response.status_code == 200
    assert "手机号或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_after_five_failures_even_with_the_right_password(client, secretary, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(5):
        client.post(reverse("web:login"), {"username": secretary.phone, "password": "wrong"})
    response = client.post(
        reverse("web:login"), {"username": secretary.phone, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another phone from the same address is not locked out.
    from tests.factories import UserFactory

    UserFactory(phone="13911110000", name="另一人", password=PASSWORD)
    ok = client.post(reverse("web:login"), {"username": "13911110000", "password": PASSWORD})
    assert ok.status_code == 302


@pytest.mark.django_db
def test_staff_reset_lifts_the_lockout(client, secretary, resident_user):
    from linli.people.services import account_reset_password

    for _ in range(5):
        client.post(reverse("web:login"), {"username": resident_user.phone, "password": "bad"})
    temp = account_reset_password(actor=secretary, user=resident_user)
    response = client.post(
        reverse("web:login"), {"username": resident_user.phone, "password": temp}
    )
    # A temporary password leads straight to choosing one's own.
    assert response.status_code == 302
    assert response["Location"] == reverse("web:password_change")


@pytest.mark.django_db
def test_sign_out_is_a_post(client, secretary):
    client.force_login(secretary)
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    home = client.get(reverse("web:home"))  # signed out: a visitor's landing page
    assert home.status_code == 200 and 'data-testid="landing"' in home.content.decode()


@pytest.mark.django_db
def test_password_change_clears_the_temporary_flag(client, secretary):
    secretary.must_change_password = True
    secretary.save()
    client.force_login(secretary)
    response = client.post(
        reverse("web:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-secret-9",
            "new_password2": "a-new-long-secret-9",
        },
    )
    assert response.status_code == 302
    secretary.refresh_from_db()
    assert not secretary.must_change_password
    assert secretary.check_password("a-new-long-secret-9")


@pytest.mark.django_db
def test_weak_new_password_is_refused(client, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("web:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    secretary.refresh_from_db()
    assert secretary.check_password(PASSWORD)


@pytest.mark.django_db
def test_language_and_elder_mode_switches(client, secretary):
    response = client.post(
        reverse("web:preferences"), {"language": "en", "next": reverse("web:login")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("web:login")
    page = client.get(reverse("web:login")).content.decode()
    assert '<html lang="en"' in page and "Sign in" in page
    client.post(reverse("web:preferences"), {"elder": "1"})
    assert 'class="elder"' in client.get(reverse("web:login")).content.decode()
    # Signed in, the choice is saved on the account.
    client.force_login(secretary)
    client.post(reverse("web:preferences"), {"language": "zh-hans", "elder": "0"})
    secretary.refresh_from_db()
    assert secretary.language == "zh-hans" and secretary.elder_mode is False


@pytest.mark.django_db
def test_preferences_refuse_offsite_redirects_and_unknown_languages(client):
    response = client.post(
        reverse("web:preferences"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("web:home")
    assert "django_language" not in response.cookies


@pytest.mark.django_db
def test_chinese_by_default_even_for_an_english_browser(client):
    page = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-CN"' in page.content.decode()
    client.post(reverse("web:preferences"), {"language": "en"})
    page = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en"' in page.content.decode()
