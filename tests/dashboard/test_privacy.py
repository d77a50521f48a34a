"""The protector on its own: the audit's sums, hidden pairs, linked tables, determinism."""

from engagement_portal.core.privacy import Ledger, bounds, exposed, protect, withhold


def pinned(values, sums, hidden):
    return exposed(values, sums, hidden)


def test_a_tier_total_less_its_shown_types_gives_nothing_back():
    # The audit: tier 1 shows 132, community surveys 119, press conferences 11.
    values = {"tier": 132, "surveys": 119, "press": 11, "social": 2}
    sums = [("tier", ("surveys", "press", "social"))]
    hidden = protect(values, sums)
    assert {"social", "press"} <= hidden and "tier" not in hidden
    assert pinned(values, sums, hidden) == []
    low, high = bounds(values, sums, hidden)["social"]
    assert high - low >= 1


def test_two_hidden_cells_whose_sum_is_known_to_be_two_are_recovered_and_prevented():
    values = {"total": 30, "a": 1, "b": 1, "c": 12, "d": 16}
    sums = [("total", ("a", "b", "c", "d"))]
    assert pinned(values, sums, {"a", "b"}) == ["a", "b"]  # 1 and 1: recovered
    hidden = protect(values, sums)
    assert hidden == {"a", "b", "c"}
    assert pinned(values, sums, hidden) == []


def test_tables_linked_by_a_shared_total_are_protected_as_one():
    # The report: 180 participations beside tiers 35, 27, 96, 2, 20; tier 4 is its types.
    ledger = Ledger()
    for key, n in {"t1": 35, "t2": 27, "t3": 96, "t4": 2, "t5": 20, "x": 1, "y": 1}.items():
        ledger.cell(key, n)
    ledger.cell("all", 180)
    ledger.total("all", ["t1", "t2", "t3", "t4", "t5"])
    ledger.total("t4", ["x", "y"])
    assert ledger.hidden("t4") and ledger.hidden("t5")  # 20, the smallest shown
    assert not ledger.hidden("all")
    assert pinned(ledger.values, ledger.sums, ledger.withheld) == []
    assert ledger.figure("t5").suppressed and ledger.figure("t5").base == 20
    assert ledger.share("t5", 11.1).suppressed and ledger.share("t1", 19.4).value == 19.4


def test_the_protector_is_deterministic_whatever_the_order_of_the_cells():
    values = {f"c{i}": n for i, n in enumerate([40, 12, 12, 3, 12, 55])}
    values["total"] = sum(values.values())
    parts = tuple(k for k in values if k != "total")
    first = protect(values, [("total", parts)])
    again = protect(dict(reversed(values.items())), [("total", parts[::-1])])
    assert first == again == {"c3", "c1"}  # ties go by key


def test_withhold_is_the_ledger_of_one_sum():
    assert withhold({"a": 15, "b": 5, "c": 0}) == {"a", "b"}
    assert withhold({"a": 40, "b": 12, "c": 30}) == set()


def test_a_cell_another_output_publishes_is_taken_as_it_is():
    # The reach page shows Elm's 60 and withholds Dogwood's 12: a drill-down's rows are
    # protected around them, never by changing them.
    ledger = Ledger()
    ledger.cell("elm", 60, hidden=False)
    for key, n in {"a": 2, "b": 25, "c": 33}.items():
        ledger.cell(key, n)
    ledger.total("elm", ["a", "b", "c"])
    assert ledger.withheld == {"a", "b"}
    dogwood = Ledger()
    dogwood.cell("dogwood", 12, hidden=True)
    dogwood.cell("x", 12)
    dogwood.total("dogwood", ["x"])
    assert dogwood.hidden("x")  # shown, it would give the withheld 12 back
