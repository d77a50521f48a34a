"""The neighbourhood map on the reach page: outlines loaded from GeoJSON (all or none,
checked, simplified), and drawn as an SVG shaded by participation per 1,000 residents."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from engagement_portal.accounts.boundaries import load_boundaries, simplify
from engagement_portal.accounts.models import NeighbourhoodBoundary, validate_boundary
from engagement_portal.core.privacy import Figure
from programs.dashboard.maps import HIDDEN, NO_POPULATION, STEPS, ZERO, choropleth
from programs.dashboard.scope import Scope
from programs.dashboard.selectors_reach import Row, reach

from ..factories import NeighbourhoodBoundaryFactory, NeighbourhoodFactory, square

pytestmark = pytest.mark.django_db


def collection(*features) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"code": code}, "geometry": geometry}
                for code, geometry in features
            ],
        }
    )


# --- Checking and loading outlines ------------------------------------------------------------


@pytest.mark.parametrize(
    "geometry, message",
    [
        ({"type": "Point", "coordinates": [0, 0]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": []}, "no coordinates"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least four"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "end where"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]},
            "not a longitude and latitude",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], ["a", 0], [1, 1], [0, 0]]]},
            "pair of numbers",
        ),
    ],
)
def test_a_boundary_must_be_a_polygon_in_degrees(geometry, message):
    with pytest.raises(ValidationError, match=message):
        validate_boundary(geometry)


def test_a_multipolygon_is_a_boundary_too():
    validate_boundary({"type": "MultiPolygon", "coordinates": [square()["coordinates"]] * 2})


def test_loading_outlines_matches_codes_and_keeps_the_others():
    oak = NeighbourhoodFactory(code="oak")
    NeighbourhoodFactory(code="elm")
    result = load_boundaries(collection(("OAK", square())))  # codes match whatever the case
    assert result.ok and result.loaded == ["oak"] and result.without == ["elm"]
    assert NeighbourhoodBoundary.objects.get().neighbourhood == oak
    # Loading again replaces, never duplicates.
    result = load_boundaries(collection(("oak", square(size=0.02))))
    assert result.ok and NeighbourhoodBoundary.objects.count() == 1
    assert NeighbourhoodBoundary.objects.get().geometry["coordinates"][0][1] == [-87.98, 41.5]


def test_loading_is_all_or_nothing_with_a_message_per_feature():
    NeighbourhoodFactory(code="oak")
    NeighbourhoodFactory(code="elm")
    bad = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}
    result = load_boundaries(
        collection(("oak", square()), ("elm", bad), ("ash", square()), ("oak", square()))
    )
    assert not result.ok
    assert result.errors == [
        "Feature 2 (code “elm”): A ring needs at least four positions (the first repeated last).",
        "Feature 3 (code “ash”): no neighbourhood has this code.",
        "Feature 4 (code “oak”): the same neighbourhood as feature 1.",
    ]
    assert not NeighbourhoodBoundary.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\xff\xfe", "could not be read as JSON"),
        (b"{", "could not be read as JSON"),
        (b"[]", "FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "no features"),
    ],
)
def test_a_file_that_is_not_geojson_is_refused(content, message):
    result = load_boundaries(content)
    assert message in result.errors[0]


def test_outlines_are_simplified_but_keep_their_shape():
    # A square with 400 points along its edges, a few metres off straight.
    ring = []
    for i in range(100):
        ring.append([-88 + i * 0.0001, 41.5 + (0.00001 if i % 2 else 0)])
    for i in range(100):
        ring.append([-87.99, 41.5 + i * 0.0001])
    for i in range(100):
        ring.append([-87.99 - i * 0.0001, 41.51])
    for i in range(100):
        ring.append([-88, 41.51 - i * 0.0001])
    ring.append(ring[0])
    kept = simplify(ring)
    assert 5 <= len(kept) <= 8 and kept[0] == kept[-1]
    assert [-87.99, 41.5] in kept and [-88.0, 41.51] in kept


def test_the_command_loads_a_file_and_explains_a_refusal(tmp_path):
    NeighbourhoodFactory(code="oak")
    good = tmp_path / "good.geojson"
    good.write_text(collection(("oak", square())))
    out = StringIO()
    call_command("load_boundaries", str(good), stdout=out)
    assert "Loaded 1 outlines." in out.getvalue()
    bad = tmp_path / "bad.geojson"
    bad.write_text(collection(("nope", square())))
    with pytest.raises(CommandError, match="no neighbourhood has this code"):
        call_command("load_boundaries", str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_boundaries", str(tmp_path / "missing.geojson"))


def test_administrators_load_outlines_in_the_admin(client, root):
    NeighbourhoodFactory(code="oak")
    client.force_login(root)
    url = reverse("admin:accounts_neighbourhood_boundaries")
    assert client.get(url).status_code == 200
    upload = StringIO(collection(("oak", square())))
    upload.name = "outlines.geojson"
    response = client.post(url, {"file": upload, "key": "code"}, follow=True)
    assert "Loaded 1 neighbourhood outlines." in response.content.decode()
    upload = StringIO(collection(("ash", square())))
    upload.name = "outlines.geojson"
    response = client.post(url, {"file": upload, "key": "code"})
    assert "Nothing was loaded" in response.content.decode()


def test_only_administrators_load_outlines(client, alice, carol):
    url = reverse("admin:accounts_neighbourhood_boundaries")
    for person in (alice, carol):
        client.force_login(person)
        assert client.get(url).status_code in (302, 403)


# --- Drawing ---------------------------------------------------------------------------------


def row(hood, rate, selected=False) -> Row:
    return Row(
        label=hood.name,
        neighbourhood=hood,
        population=hood.population,
        population_share=None,
        participations=Figure(0, 0),
        participation_share=None,
        residents=Figure(0, 0),
        rate=rate,
        previous_rate=None,
        selected=selected,
    )


def test_the_map_keeps_north_up_and_the_citys_proportions():
    west = NeighbourhoodFactory(name="West")
    east = NeighbourhoodFactory(name="East")
    outlines = {west.pk: square(-88.0, 41.5, 0.01), east.pk: square(-87.99, 41.5, 0.01)}
    drawn = choropleth([row(west, Figure(10.0, 20)), row(east, Figure(2.0, 20))], outlines)
    # Two squares side by side: twice as wide as tall once longitude is squeezed at 41.5°.
    assert drawn.width == 640 and drawn.height == pytest.approx(640 / 2 / 0.7490, abs=2)
    first = drawn.areas[0].path
    assert first.startswith("M0.0,") and first.endswith("Z")
    # The south-west corner is at the bottom (SVG y grows downwards).
    assert f"M0.0,{drawn.height}" in first or f"M0.0,{drawn.height}.0" in first


def test_shades_hidden_zero_and_no_population_each_have_a_key():
    hoods = [NeighbourhoodFactory(name=name) for name in ("A", "B", "C", "D", "E")]
    rates = [Figure(50.0, 500), Figure(5.0, 50), Figure(None, 4), Figure(0, 0), None]
    outlines = {hood.pk: square(-88 + i * 0.01) for i, hood in enumerate(hoods)}
    drawn = choropleth(
        [row(h, r, selected=h.name == "B") for h, r in zip(hoods, rates, strict=True)], outlines
    )
    fills = {area.label: area.fill for area in drawn.areas}
    assert fills == {"A": STEPS[-1], "B": STEPS[0], "C": HIDDEN, "D": ZERO, "E": NO_POPULATION}
    assert drawn.areas[-1].label == "B" and drawn.areas[-1].selected  # drawn on top
    keys = [key.text for key in drawn.key]
    assert keys[0] == "0.0 to 10.0 per 1,000" and keys[4] == "40.0 to 50.0 per 1,000"
    assert keys[5:] == [
        "No participation",
        "Fewer than 10 participations (hidden)",
        "No population recorded",
    ]
    assert "the highest is A at 50.0" in drawn.summary
    titles = {area.label: area.text for area in drawn.areas}
    assert titles["C"] == "C: fewer than 10 per 1,000 residents"


def test_no_outlines_no_map():
    hood = NeighbourhoodFactory()
    assert choropleth([row(hood, Figure(1.0, 10))], {}) is None


def test_the_reach_page_draws_the_map_once_outlines_are_loaded(client, carol):
    oak = NeighbourhoodFactory(name="Oak", code="oak", population=1000)
    NeighbourhoodFactory(name="Elm", code="elm", population=1000)
    client.force_login(carol)
    html = client.get(reverse("dashboard:reach")).content.decode()
    assert "Neighbourhood boundaries are not loaded" in html and "map-area" not in html
    NeighbourhoodBoundaryFactory(neighbourhood=oak)
    data = reach(Scope(start=date(2025, 3, 1), end=date(2025, 3, 31)))
    assert data.map is not None and data.map.without_outline == ["Elm"]
    html = client.get(reverse("dashboard:reach")).content.decode()
    assert 'class="map-area"' in html and "Oak: 0.0 per 1,000 residents" in html
    assert "No outline is loaded for Elm" in html
    assert "Neighbourhood boundaries are not loaded" not in html
