"""Regions: all 21 wellbeing regions and Helsinki, from the data under regions/."""

from __future__ import annotations


def test_regions_api_lists_all_22(client):
    response = client.get("/api/v1/regions")
    assert response.status_code == 200
    regions = response.get_json()["regions"]
    codes = [r["code"] for r in regions]
    assert codes == [f"{n:02d}" for n in range(1, 22)] + ["90"]
    by_code = {r["code"]: r for r in regions}
    assert by_code["05"]["name"] == {
        "fi": "Varsinais-Suomen hyvinvointialue",
        "sv": "Egentliga Finlands välfärdsområde",
    }
    assert by_code["17"]["languages"] == ["sv", "fi"]
    assert by_code["14"]["languages"] == ["fi"]
    bilingual = {r["code"] for r in regions if "sv" in r["languages"]}
    assert bilingual == {"01", "03", "04", "05", "10", "17", "18", "90"}


def test_region_page_lists_its_courses_in_both_languages(client, make_course):
    course = make_course()
    page = client.get("/regions/14?lang=fi").get_data(as_text=True)
    assert "Pohjois-Karjalan hyvinvointialue" in page
    assert "Liikuntatuokio" in page
    page = client.get("/regions/14?lang=sv").get_data(as_text=True)
    assert "Norra Karelens välfärdsområde" in page
    assert "Motionsstund" in page
    other = client.get("/regions/21").get_data(as_text=True)
    assert "Liikuntatuokio" not in other
    assert client.get("/regions/99").status_code == 404
    assert course["id"]
