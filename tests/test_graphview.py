"""The expectation graph (``model.expectation_graph``), its DOT text and its pictures."""

import pytest

import stochdiff
from stochdiff.estimators.graphview import to_dot


@pytest.fixture(scope="module")
def maml(examples_dir):
    return stochdiff.compile(stochdiff.load(examples_dir / "maml_linear.sd"))


@pytest.fixture(scope="module")
def tasks(examples_dir):
    return stochdiff.compile(stochdiff.load(examples_dir / "tasks.sd"))


def by_label(G, label):
    [k] = [k for k, a in G.nodes(data=True) if a["kind"] == "expectation" and a["label"] == label]
    return k


def rv(G, name):
    [k] = [k for k, a in G.nodes(data=True) if a["kind"] == "random" and a["name"] == name]
    return k


def appearances_of(G, e):
    return [G.nodes[v] for _, v, a in G.out_edges(e, data=True) if a["kind"] == "appears"]


def test_every_node_has_kind_label_and_location(tasks):
    G = tasks.expectation_graph()
    for _, a in G.nodes(data=True):
        assert a["kind"] in ("expectation", "random", "appearance")
        assert a["label"] and a["file"].endswith("tasks.sd") and a["line"] >= 1 and a["column"] >= 1
    for _, _, a in G.edges(data=True):
        assert a["kind"] in ("nests", "binds", "appears", "depends")
    assert G.graph["mode"] == "independent" and G.graph["value_unbiased"] and G.graph["grad_unbiased"]


def test_maml_independent_forward_and_jacobian_use_different_streams(maml):
    G = maml.expectation_graph("independent")
    apps = appearances_of(G, by_label(G, "E[z]"))
    fwd = [a for a in apps if a["role"] == "forward value"]
    jac = [a for a in apps if a["role"] == "Jacobian"]
    assert fwd and jac
    assert fwd[0]["stream"] != jac[0]["stream"]
    assert jac[0]["independent"] and jac[0]["copy"] > 0 and "Jacobian" in jac[0]["why"]
    assert fwd[0]["line"] == 8 and fwd[0]["vars"] == ("z",)
    assert any(a["role"] == "factor of a product" and a["independent"] for a in apps)
    assert ("E1", "rv1") in G.edges and G.edges["E1", "rv1"]["kind"] == "binds"


def test_maml_naive_forward_and_jacobian_share_a_stream(maml):
    G = maml.expectation_graph("naive")
    apps = appearances_of(G, by_label(G, "E[z]"))
    assert {a["role"] for a in apps} == {"forward value", "Jacobian"}
    assert len({a["stream"] for a in apps}) == 1
    assert not any(a["independent"] for a in apps)
    assert not G.graph["grad_unbiased"] and G.graph["reasons"]


def test_tasks_nesting_and_dependencies(tasks):
    G = tasks.expectation_graph()
    t, z, zv = by_label(G, "E[t]"), by_label(G, "E[z]"), by_label(G, "E[zv]")
    assert G.edges[t, z]["kind"] == "nests" and G.edges[t, zv]["kind"] == "nests"
    assert G.nodes[z]["parent"] == t and G.nodes[t]["parent"] is None and G.nodes[z]["depth"] == 2
    assert G.edges[rv(G, "t"), rv(G, "z")]["kind"] == "depends"
    assert G.edges[rv(G, "t"), rv(G, "zv")]["kind"] == "depends"
    assert G.nodes[rv(G, "z")]["bound_by"] == z and G.nodes[rv(G, "z")]["dist"] == "minibatch"
    assert not G.has_edge(rv(G, "z"), rv(G, "zv"))


def test_bad_mode_is_a_stochdiff_error(tasks):
    with pytest.raises(stochdiff.StochdiffError, match="mode"):
        tasks.expectation_graph("sometimes")


def test_dot_has_clusters_and_dependencies(tasks):
    dot = to_dot(tasks)
    assert dot.startswith("digraph") and dot.count("subgraph cluster_") == 3
    assert '"rv1" -> "rv2"' in dot


def test_png_and_svg(tasks, tmp_path):
    import matplotlib.image

    png = tmp_path / "g.png"
    tasks.draw(png)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    h, w = matplotlib.image.imread(str(png)).shape[:2]
    assert w > 800 and h > 400
    svg = tmp_path / "g.svg"
    tasks.draw(svg, mode="naive")
    head = svg.read_text()[:200].lstrip()
    assert head.startswith("<?xml") or head.startswith("<svg")


def test_picture_format_comes_from_the_suffix(tasks, tmp_path):
    with pytest.raises(stochdiff.StochdiffError, match=r"\.png or \.svg"):
        tasks.draw(tmp_path / "g.jpg")


def test_drawing_without_matplotlib_names_the_picture(tasks, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what an environment without it looks like
    out = tmp_path / "g.png"
    with pytest.raises(stochdiff.StochdiffError, match="pip install 'stochdiff\\[plot\\]'") as info:
        tasks.draw(out)
    assert info.value.file == str(out) and not out.exists()
