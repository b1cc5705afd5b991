"""The risk formula (docs/supply-chain.md): country factor from the ITUC rating
x category factor from the DFØ/regions list and the DOL goods list."""

from __future__ import annotations

import pytest

from graph.risk import REFERENCE_FILES, RiskTables, parse_reference

TEXTS = {
    "country_risk.csv": "country,ituc_rating,year,source\nNO,1,2025,x\nBD,5,2025,x\nAF,5+,2025,x\n",
    "high_risk_categories.csv": (
        "code,name_en\ngloves,Gloves\ntextiles_workwear_footwear,Textiles\n"
    ),
    "dol_goods.csv": (
        "good,country,child_labor,forced_labor,year,source\n"
        "Garments,BD,Y,Y,2022,x\nGloves,MY,N,,2020,x\n"
    ),
    "dol_goods_categories.csv": (
        "good,category,note\nGarments,textiles_workwear_footwear,own\nGloves,gloves,own\n"
    ),
    "category_aliases.csv": "alias,category,note\nworkwear,textiles_workwear_footwear,own\n",
}


@pytest.fixture
def tables() -> RiskTables:
    return parse_reference(TEXTS)


@pytest.mark.parametrize(
    ("country", "category", "score", "known"),
    [
        ("NO", "gloves", 0.2 * 0.7, True),  # rating 1, high-risk category
        ("BD", "workwear", 0.9 * 1.0, True),  # alias; DOL lists garments from BD
        ("BD", "workwear-raw", 0.9 * 1.0, True),  # raw material counts as its category
        ("AF", "office paper", 1.0 * 0.3, True),  # 5+, a category on neither list
        ("MY", "gloves", 0.8 * 0.7, False),  # unrated: unknown, counted as rating 4
        (None, "gloves", 0.8 * 0.7, False),  # no country: unknown
        ("NO", None, 0.2 * 0.7, False),  # no category: unknown, counted as high-risk
        ("bd", "Workwear", 0.9 * 1.0, True),  # case does not matter
    ],
)
def test_score_is_country_factor_times_category_factor(
    tables: RiskTables, country: str | None, category: str | None, score: float, known: bool
) -> None:
    result = tables.score(country, [category])
    assert result.score == pytest.approx(score)
    assert result.known is known


def test_dol_flags_need_a_yes(tables: RiskTables) -> None:
    # Gloves from MY: child labour N, forced labour blank (not verified): not listed.
    assert ("gloves", "MY") not in tables.dol_listed
    assert ("textiles_workwear_footwear", "BD") in tables.dol_listed


def test_an_unrated_country_is_never_scored_as_low(tables: RiskTables) -> None:
    unrated = tables.score("XX", ["gloves"]).score
    assert unrated > tables.score("NO", ["gloves"]).score
    assert unrated == tables.score("ZZ", ["gloves"]).score


def test_a_node_takes_its_riskiest_category(tables: RiskTables) -> None:
    assert tables.score("BD", ["office paper", "workwear"]).score == pytest.approx(0.9)
    assert tables.score("NO", []).known is False


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("country_risk.csv", "country,ituc_rating\nNOR,1\n", "line 2: 'NOR' is not ISO"),
        ("country_risk.csv", "country,ituc_rating\nNO,6\n", "line 2: rating '6'"),
        ("country_risk.csv", "country,rating\nNO,1\n", "missing columns ituc_rating"),
        ("dol_goods.csv", "good,country,child_labor,forced_labor\nSilk,IN,Y,\n", "'Silk'"),
        ("category_aliases.csv", "alias,category\nx,nonsense\n", "unknown category"),
    ],
)
def test_bad_reference_files_are_refused_naming_file_and_line(
    name: str, text: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_reference({**TEXTS, name: text})


def test_every_reference_file_is_required() -> None:
    for name in REFERENCE_FILES:
        texts = {key: value for key, value in TEXTS.items() if key != name}
        with pytest.raises(ValueError, match=f"missing reference files: {name}"):
            parse_reference(texts)
