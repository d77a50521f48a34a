"""Neighbourhood CSV import: the service, the admin page and the management command."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.accounts.services import import_neighbourhoods
from tests.factories import NeighbourhoodFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/accounts/neighbourhood/import/"


def snapshot():
    return list(
        Neighbourhood.objects.order_by("code").values("name", "code", "population", "demographics")
    )


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


# --- the service ---------------------------------------------------------------------


def test_import_neighbourhoods_creates_rows_with_demographics(good_csv):
    result = import_neighbourhoods(good_csv)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 0)
    riverside = Neighbourhood.objects.get(code="RN")
    assert riverside.name == "Riverside North"
    assert riverside.population == 12400
    assert riverside.demographics == {
        "age": {"18-24": pytest.approx(0.115), "65+": pytest.approx(0.17)},
        "language": {"spanish": pytest.approx(0.22)},
    }
    old_town = Neighbourhood.objects.get(code="old-town")
    assert old_town.population == 8200
    assert old_town.demographics == {"age": {"18-24": 0.09, "65+": 0.2125}}
    for neighbourhood in Neighbourhood.objects.all():
        neighbourhood.full_clean()


def test_import_neighbourhoods_run_twice_updates_and_leaves_the_same_data(good_csv):
    import_neighbourhoods(good_csv)
    first = snapshot()

    result = import_neighbourhoods(good_csv)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 2)
    assert snapshot() == first


def test_import_neighbourhoods_updates_an_existing_row_matched_on_code():
    NeighbourhoodFactory(code="RN", name="Riverside", population=1)

    result = import_neighbourhoods(csv_bytes("name,code,population", "Riverside North,RN,12400"))

    assert (result.created, result.updated) == (0, 1)
    riverside = Neighbourhood.objects.get(code="RN")
    assert (riverside.name, riverside.population) == ("Riverside North", 12400)


def test_import_neighbourhoods_reads_headers_in_any_case_and_spacing():
    result = import_neighbourhoods(csv_bytes(" Name , CODE ,Population, Age:18-24 ", "A,a,10,50"))

    assert result.ok, result.errors
    assert Neighbourhood.objects.get(code="a").demographics == {"age": {"18-24": 0.5}}


def test_import_neighbourhoods_reports_every_bad_row_by_line_and_imports_nothing():
    NeighbourhoodFactory(code="RN", name="Riverside", population=1)
    before = snapshot()
    source = csv_bytes(
        "name,code,population,age:18-24,age:65+",
        "Riverside North,RN,12400,10,20",  # line 2: good, and must not be written
        ",empty-name,100,,",  # line 3
        "Old Town,old-town,lots,,",  # line 4
        "Hillside,hill,300,ten,",  # line 5
        "Lakeside,lake,400,60,50",  # line 6
        "Riverside Again,RN,500,,",  # line 7
        "Good Too,good,600,1,2",  # line 8: good
    )

    result = import_neighbourhoods(source)

    assert not result.ok
    assert [error.split(":")[0] for error in result.errors] == [
        "Line 3",
        "Line 4",
        "Line 5",
        "Line 6",
        "Line 7",
    ]
    assert "name" in result.errors[0]
    assert "lots" in result.errors[1]
    assert "ten" in result.errors[2]
    assert "100%" in result.errors[3]
    assert "line 2" in result.errors[4]
    assert (result.created, result.updated) == (0, 0)
    assert snapshot() == before


@pytest.mark.parametrize(
    "row, fragment",
    [
        ("N,n1,-5", "population"),
        ("N,n1,1.5", "population"),
        ("N,bad code!,5", "code"),
        (",,5", "code"),
        ("N,n1,5,-10", "between 0 and 1"),
        ("N,n1,5,nan", "between 0 and 1"),
        ("N," + "c" * 31 + ",5", "30"),
        ("N" * 121 + ",n1,5", "120"),
        ("N,n1,99999999999", "population"),
    ],
)
def test_import_neighbourhoods_rejects_a_row_the_database_would_not_hold(row, fragment):
    result = import_neighbourhoods(csv_bytes("name,code,population,age:18-24", row))

    assert len(result.errors) == 1
    assert result.errors[0].startswith("Line 2:")
    assert fragment in result.errors[0]
    assert not Neighbourhood.objects.exists()


def test_import_neighbourhoods_requires_the_name_code_and_population_columns():
    result = import_neighbourhoods(csv_bytes("name,population", "Riverside North,12400"))

    assert not result.ok
    assert "code" in result.errors[0]
    assert not Neighbourhood.objects.exists()


def test_import_neighbourhoods_refuses_bytes_that_are_not_utf8():
    result = import_neighbourhoods("name,code,population\nGüemes,g,100\n".encode("latin-1"))

    assert not result.ok
    assert "UTF-8" in result.errors[0]
    assert not Neighbourhood.objects.exists()


@pytest.mark.parametrize("source", [b"", b"name,code,population\n", b"\n\n"])
def test_import_neighbourhoods_refuses_an_empty_file(source):
    result = import_neighbourhoods(source)

    assert not result.ok
    assert not Neighbourhood.objects.exists()


def test_import_neighbourhoods_reads_utf8_with_a_byte_order_mark():
    source = "name,code,population\nGüemes,g,100\n".encode("utf-8-sig")

    result = import_neighbourhoods(source)

    assert result.ok, result.errors
    assert Neighbourhood.objects.get(code="g").name == "Güemes"


def test_import_neighbourhoods_reads_text_with_a_byte_order_mark():
    result = import_neighbourhoods("\ufeffname,code,population\nGüemes,g,100\n")

    assert result.ok, result.errors


# --- the admin page ------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_admin_import_page_opens_for_an_administrator(client, root):
    client.force_login(root)

    response = client.get(IMPORT_URL)

    assert response.status_code == 200
    assert reverse("admin:accounts_neighbourhood_import") == IMPORT_URL
    assert "admin/accounts/neighbourhood/import.html" in [t.name for t in response.templates]


def test_admin_import_creates_neighbourhoods_and_returns_to_the_list(client, root, good_csv):
    client.force_login(root)

    response = client.post(IMPORT_URL, {"file": upload("n.csv", good_csv)}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:accounts_neighbourhood_changelist")
    assert "Imported 2 new and 0 updated neighbourhoods." in response.content.decode()
    assert Neighbourhood.objects.count() == 2


def test_admin_import_lists_the_errors_and_imports_nothing(client, root):
    client.force_login(root)
    source = csv_bytes("name,code,population", "Riverside North,RN,12400", ",x,5", "Y,y,many")

    response = client.post(IMPORT_URL, {"file": upload("n.csv", source)})

    assert response.status_code == 200
    assert response.context["errors"] == [
        error for error in response.context["errors"] if error.startswith("Line ")
    ]
    assert len(response.context["errors"]) == 2
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "Line 3:" in html
    assert "Line 4:" in html
    assert not Neighbourhood.objects.exists()


def test_admin_import_without_a_file_re_renders_the_form(client, root):
    client.force_login(root)

    response = client.post(IMPORT_URL, {})

    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_admin_import_refuses_program_staff(client, alice):
    client.force_login(alice)

    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- the management command ----------------------------------------------------------


def test_import_command_imports_a_good_file(tmp_path, good_csv, capsys):
    path = tmp_path / "neighbourhoods.csv"
    path.write_bytes(good_csv)

    call_command("import_neighbourhoods", str(path))

    assert "Imported 2 new, 0 updated." in capsys.readouterr().out
    assert Neighbourhood.objects.count() == 2


def test_import_command_raises_listing_every_error(tmp_path):
    path = tmp_path / "neighbourhoods.csv"
    path.write_bytes(csv_bytes("name,code,population", "A,a,1", ",b,2", "C,c,three"))

    with pytest.raises(CommandError) as excinfo:
        call_command("import_neighbourhoods", str(path))

    message = str(excinfo.value)
    assert "Nothing imported" in message
    assert "Line 3:" in message
    assert "Line 4:" in message
    assert not Neighbourhood.objects.exists()


def test_import_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_neighbourhoods", str(tmp_path / "nowhere.csv"))
